package cli

import (
	"errors"
	"io"
	"os"
	"os/signal"
	"sync/atomic"
	"syscall"
)

// pipeWriter passes writes on to a standard stream until its reader has gone (EPIPE, as after
// `loadtest run … | head -3`), then drops them: a closed stdout must not stop a run from
// writing its result file and reports and stopping its bundled server.
type pipeWriter struct {
	w      io.Writer
	closed atomic.Bool
}

func (p *pipeWriter) Write(b []byte) (int, error) {
	if p.closed.Load() {
		return len(b), nil
	}
	n, err := p.w.Write(b)
	if err != nil && errors.Is(err, syscall.EPIPE) {
		p.closed.Store(true)
		return len(b), nil
	}
	return n, err
}

// catchSIGPIPE makes a write to a closed stdout or stderr fail with EPIPE instead of killing
// the process: Go's runtime raises SIGPIPE for fd 1 and 2 unless the program asks for it
// (os/signal: "SIGPIPE"). Notify rather than Ignore, because an ignored signal stays ignored in
// the children a run starts; the channel is never read (signal drops what it cannot send).
func catchSIGPIPE() {
	signal.Notify(make(chan os.Signal, 1), syscall.SIGPIPE)
}
