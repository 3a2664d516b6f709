package server

import (
	"context"
	"errors"
	"fmt"
	"io"
	"sync"
	"sync/atomic"
	"time"
)

// backendState turns a backend's call results into log lines, one per change of state: the
// first failure after success ("down") and the first success after failures ("up again"),
// however many requests fail in between. It is safe for concurrent use; a call in the steady
// state costs one atomic load (and an atomic add while down).
type backendState struct {
	name string // e.g. "cache redis://127.0.0.1:6379/0"
	log  io.Writer
	now  func() time.Time

	down     atomic.Bool
	failures atomic.Int64 // calls failed since the backend went down
	mu       sync.Mutex   // orders the transitions and their lines
	since    time.Time    // when it went down
}

func newBackendState(name string, log io.Writer) *backendState {
	if log == nil {
		log = io.Discard
	}
	return &backendState{name: name, log: log, now: time.Now}
}

// observe records the result of one call made with ctx and returns err unchanged. A call
// the caller cancelled (the client went away) says nothing about the backend.
func (b *backendState) observe(ctx context.Context, err error) error {
	failed := err != nil
	if failed && errors.Is(ctx.Err(), context.Canceled) {
		return err
	}
	if failed {
		b.failures.Add(1)
	}
	if b.down.Load() == failed {
		return err
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.down.Load() == failed { // another call changed the state first
		return err
	}
	now := b.now()
	if failed {
		b.since = now
		b.failures.Store(1)
		fmt.Fprintf(b.log, "%s %s: down: %v\n", now.UTC().Format(time.RFC3339Nano), b.name, err)
	} else {
		failed := "calls"
		if n := b.failures.Load(); n == 1 {
			failed = "call"
		}
		fmt.Fprintf(b.log, "%s %s: up again after %v (%d %s failed)\n", now.UTC().Format(time.RFC3339Nano),
			b.name, now.Sub(b.since).Round(time.Millisecond), b.failures.Load(), failed)
	}
	b.down.Store(failed)
	return err
}
