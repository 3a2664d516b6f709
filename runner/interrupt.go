package runner

import (
	"context"
	"os"
)

// WatchInterrupts returns a context that the first signal on sigs cancels: a run then stops,
// waits briefly for requests in flight, and reports what it measured. A second signal calls
// again (the CLI says the result was not written and exits at once). stop ends the watch and
// cancels the context; the caller subscribes and unsubscribes sigs (os/signal.Notify).
func WatchInterrupts(parent context.Context, sigs <-chan os.Signal, again func(os.Signal)) (ctx context.Context, stop func()) {
	ctx, cancel := context.WithCancel(parent)
	done := make(chan struct{})
	go func() {
		select {
		case <-sigs:
			cancel()
		case <-done:
			return
		}
		select {
		case sig := <-sigs:
			again(sig)
		case <-done:
		}
	}()
	return ctx, func() { close(done); cancel() }
}
