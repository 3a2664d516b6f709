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

// ServerTimeouts bound how long a Server waits on a scraper, so that connections that send
// nothing, read slowly or stay idle do not hold its file descriptors: ReadHeader for a
// request's headers, Read for a whole request, Write for an answer, Idle for the next request
// on a kept-alive connection. A zero field takes its default (DefaultServerTimeouts).
type ServerTimeouts struct {
	ReadHeader, Read, Write, Idle time.Duration
}

// DefaultServerTimeouts are a Server's: generous for a scrape every few seconds.
var DefaultServerTimeouts = ServerTimeouts{ReadHeader: 10 * time.Second, Read: 10 * time.Second, Write: 30 * time.Second, Idle: time.Minute}

func (t ServerTimeouts) withDefaults() ServerTimeouts {
	d := DefaultServerTimeouts
	for _, f := range []struct{ set, def *time.Duration }{{&t.ReadHeader, &d.ReadHeader}, {&t.Read, &d.Read}, {&t.Write, &d.Write}, {&t.Idle, &d.Idle}} {
		if *f.set > 0 {
			*f.def = *f.set
		}
	}
	return d
}

// Listen binds addr (host:port; port 0 picks a free one) and serves e's Path there until
// Close. Binding happens before Listen returns, so an address in use is an error before any
// load is sent.
func (e *Exporter) Listen(addr string) (*Server, error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("metrics: listen on %s: %w", addr, err)
	}
	return e.Serve(ln), nil
}

// Serve serves e's Path on ln, bound beforehand (a coordinated run binds it before it
// coordinates), until Close; the server's timeouts are e's Options.Timeouts.
func (e *Exporter) Serve(ln net.Listener) *Server {
	mux := http.NewServeMux()
	mux.Handle(Path, e.Handler())
	t := e.opts.Timeouts.withDefaults()
	s := &Server{ln: ln, done: make(chan error, 1), srv: &http.Server{Handler: mux,
		ReadHeaderTimeout: t.ReadHeader, ReadTimeout: t.Read, WriteTimeout: t.Write, IdleTimeout: t.Idle}}
	go func() { s.done <- s.srv.Serve(ln) }()
	return s
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
