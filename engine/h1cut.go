package engine

import (
	"sync"
	"sync/atomic"
	"time"
)

// cutWatch ends the requests a run's flow runners have in flight when the grace after the stop
// is over, as a context.AfterFunc on each request's context would (h1Transport.exchange),
// without registering a function with the context for every request: each runner's scratch
// holds the connection of its request in flight, and the cut sets a deadline in the past on
// every one, so the read or write in progress fails and the transport reports the context's
// error. The contexts are cancelled first (the cut's caller does), so a dial and a request on
// another transport end as before.
type cutWatch struct {
	cut       atomic.Bool
	mu        sync.Mutex
	scratches map[*h1Scratch]struct{}
}

// add makes w watch the requests sent with scratch s (a runner's, until remove).
func (w *cutWatch) add(s *h1Scratch) {
	s.watch = w
	s.unwatch = func() bool {
		s.conn.Store(nil)
		return !w.cut.Load()
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.scratches == nil {
		w.scratches = make(map[*h1Scratch]struct{})
	}
	w.scratches[s] = struct{}{}
}

// remove stops watching s.
func (w *cutWatch) remove(s *h1Scratch) {
	w.mu.Lock()
	defer w.mu.Unlock()
	delete(w.scratches, s)
}

// fire ends every request in flight; the requests' contexts must be cancelled already.
func (w *cutWatch) fire() {
	w.cut.Store(true)
	w.mu.Lock()
	defer w.mu.Unlock()
	for s := range w.scratches {
		if c := s.conn.Load(); c != nil {
			_ = c.SetDeadline(time.Unix(1, 0))
		}
	}
}

// watchConn records c as the connection of s's request in flight, until s.unwatch; false when
// the cut is done (then nothing is recorded). A cut either sees c here or is seen by the
// load after the store (both are atomic, so sequentially consistent).
func (s *h1Scratch) watchConn(c *h1Conn) bool {
	s.conn.Store(c)
	if s.watch.cut.Load() {
		s.conn.Store(nil)
		return false
	}
	return true
}
