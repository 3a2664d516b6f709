package metrics

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"time"
)

// Path is where a Server serves the exposition.
const Path = "/metrics"

// Server serves an Exporter's Path on a listener of its own.
type Server struct {
	ln   net.Listener
	srv  *http.Server
	done chan error
}

// Listen binds addr (host:port; port 0 picks a free one) and serves e's Path there until
// Close. Binding happens before Listen returns, so an address in use is an error before any
// load is sent.
func (e *Exporter) Listen(addr string) (*Server, error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("metrics: listen on %s: %w", addr, err)
	}
	mux := http.NewServeMux()
	mux.Handle(Path, e.Handler())
	s := &Server{ln: ln, done: make(chan error, 1), srv: &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}}
	go func() { s.done <- s.srv.Serve(ln) }()
	return s, nil
}

// Addr is the address the server listens on (the port chosen, for port 0).
func (s *Server) Addr() string { return s.ln.Addr().String() }

// URL is the exposition's address, http://ADDR/metrics.
func (s *Server) URL() string { return "http://" + s.Addr() + Path }

// Close stops the server, letting a scrape under way finish within ctx.
func (s *Server) Close(ctx context.Context) error {
	err := s.srv.Shutdown(ctx)
	if errors.Is(err, context.DeadlineExceeded) || errors.Is(err, context.Canceled) {
		err = s.srv.Close()
	}
	if serr := <-s.done; serr != nil && !errors.Is(serr, http.ErrServerClosed) {
		err = errors.Join(err, serr)
	}
	if err != nil {
		return fmt.Errorf("metrics: stop the server on %s: %w", s.Addr(), err)
	}
	return nil
}

// Linger waits d, or until ctx is done (Ctrl-C), whichever comes first: the time the server
// stays up after the run so that the last scrape sees the final figures. It reports whether
// it waited the whole of d.
func Linger(ctx context.Context, d time.Duration) bool {
	if d <= 0 {
		return true
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-ctx.Done():
		return false
	}
}
