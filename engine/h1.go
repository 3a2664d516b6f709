package engine

import (
	"bufio"
	"cmp"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"sync"
	"sync/atomic"
	"syscall"
	"time"
)

// h1Transport is the engine's HTTP/1.1 transport for plain-http targets. Each RoundTrip writes
// the request and reads the response head on the calling goroutine (the attacker's worker), over a
// keep-alive connection taken from an idle pool, using net/http's own request writer and
// response parser (writeRequest writes the commonest requests itself, byte for byte as
// net/http would). http.Transport instead hands every request to two more goroutines per
// connection (writeLoop and readLoop) and back through channels and a select; on a load
// generator those hand-offs, not the HTTP work, were the largest cost after the syscalls
// themselves. A worker holds at most one connection at a time, so the connections open never
// exceed the workers.
//
// The request timeout is a deadline on the connection (no timer goroutine per request): it
// covers writing the request, waiting for the response and reading its body, so it bounds
// a hit as http.Client.Timeout would. A request whose context can be cancelled also expires its
// connection when the context ends.
type h1Transport struct {
	dial    func(ctx context.Context, network, addr string) (net.Conn, error)
	timeout time.Duration
	bytesIn *atomic.Uint64

	mu      sync.Mutex
	idle    map[string][]*h1Conn // by host:port
	maxIdle int
}

type h1Conn struct {
	net.Conn
	br    *bufio.Reader
	bw    *bufio.Writer
	keys  []string          // writeRequest's scratch
	canon map[string]string // readHead's canonical header names, by the names as received
}

// errBodyClosed is the error of reading a response body after closing it.
var errBodyClosed = errors.New("engine: read on a closed response body")

func newH1Transport(dial func(ctx context.Context, network, addr string) (net.Conn, error), timeout time.Duration, maxIdle int, bytesIn *atomic.Uint64) *h1Transport {
	return &h1Transport{dial: dial, timeout: timeout, bytesIn: bytesIn, idle: make(map[string][]*h1Conn), maxIdle: maxIdle}
}

// hostPort is the address to dial for a plain-http URL.
func hostPort(u *url.URL) string {
	if u.Port() == "" {
		return net.JoinHostPort(u.Hostname(), "80")
	}
	return u.Host
}

// RoundTrip implements http.RoundTripper for http:// requests.
func (t *h1Transport) RoundTrip(req *http.Request) (*http.Response, error) {
	s, _ := req.Context().Value(h1ScratchKey{}).(*h1Scratch)
	if s != nil {
		s.sent = true
	}
	if req.URL == nil || req.URL.Scheme != "http" || req.URL.Host == "" {
		closeReqBody(req)
		return nil, fmt.Errorf("engine: unsupported URL %q for the HTTP/1.1 transport", req.URL)
	}
	if err := checkHeader(req.Header); err != nil {
		closeReqBody(req)
		return nil, err
	}
	addr := hostPort(req.URL)
	for attempt := 0; ; attempt++ {
		c, reused, err := t.get(req.Context(), addr)
		if err != nil {
			closeReqBody(req)
			return nil, err
		}
		resp, err := t.exchange(c, req, addr, s)
		if err == nil {
			return resp, nil
		}
		_ = c.Close()
		// A kept-alive connection the server closed while it sat idle fails before any byte of
		// a response: send again once on a new connection, as net/http does, when the request
		// can be replayed and either could not be written or is idempotent (a POST that was
		// written may have been served: sending it twice would count one hit for two).
		if !reused || attempt > 0 || !errors.Is(err, errNoResponse) || !retryable(req, err) || !rewind(req) {
			closeReqBody(req)
			return nil, err
		}
	}
}

// retryable says whether req may be sent again after err, a failure before any response.
func retryable(req *http.Request, err error) bool {
	if errors.Is(err, errNotSent) {
		return true
	}
	switch req.Method {
	case "GET", "HEAD", "OPTIONS", "TRACE", "":
		return true
	}
	return req.Header.Get("Idempotency-Key") != "" || req.Header.Get("X-Idempotency-Key") != ""
}

// errNoResponse marks a connection the server had closed: it failed before any byte of the
// response arrived, with an end of file, a reset or a broken pipe (not a timeout).
var errNoResponse = errors.New("server sent no response")

// errNotSent marks a request that could not be written.
var errNotSent = errors.New("request not sent")

func noResponse(err error) error {
	if errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, syscall.ECONNRESET) || errors.Is(err, syscall.EPIPE) {
		return fmt.Errorf("%w: %w", errNoResponse, err)
	}
	return err
}

func notSent(err error) error {
	if err = noResponse(err); errors.Is(err, errNoResponse) {
		return fmt.Errorf("%w: %w", errNotSent, err)
	}
	return err
}

// exchange sends req on c and reads the response head; the body is read by the caller. s is the
// request's scratch, if any.
func (t *h1Transport) exchange(c *h1Conn, req *http.Request, addr string, s *h1Scratch) (*http.Response, error) {
	ctx := req.Context()
	deadline := time.Now().Add(t.timeout)
	if d, ok := ctx.Deadline(); ok && d.Before(deadline) {
		deadline = d
	}
	if err := c.SetDeadline(deadline); err != nil {
		return nil, err
	}
	var stop func() bool
	switch {
	case s != nil && s.watch != nil:
		if !s.watchConn(c) {
			return nil, cmp.Or(ctx.Err(), context.Canceled) // cut already: as if AfterFunc had ended it at once
		}
		stop = s.unwatch
	case ctx.Done() != nil:
		stop = context.AfterFunc(ctx, func() { _ = c.SetDeadline(time.Unix(1, 0)) })
	}
	fail := func(err error) (*http.Response, error) {
		if stop != nil {
			stop()
			if ctx.Err() != nil {
				err = ctx.Err()
			}
		}
		return nil, t.timedOut(err)
	}
	if err := writeRequest(c.bw, req, &c.keys); err != nil {
		return fail(notSent(err))
	}
	if err := c.bw.Flush(); err != nil {
		return fail(notSent(err))
	}
	if _, err := c.br.Peek(1); err != nil {
		if err == io.EOF {
			err = io.ErrUnexpectedEOF
		}
		return fail(noResponse(err))
	}
	for {
		var resp *http.Response
		var b *h1Body
		if r := c.readHead(req); r != nil {
			resp, b = &r.resp, &r.body
		} else {
			var err error
			if resp, err = http.ReadResponse(c.br, req); err != nil {
				return fail(err)
			}
			// skip interim responses (100 Continue, 103 Early Hints); 101 ends HTTP/1.1
			if resp.StatusCode >= 100 && resp.StatusCode < 200 && resp.StatusCode != http.StatusSwitchingProtocols {
				_ = resp.Body.Close()
				continue
			}
			b = &h1Body{rc: resp.Body}
		}
		b.c, b.t, b.addr, b.stop = c, t, addr, stop
		b.reuse = !resp.Close && !req.Close && resp.StatusCode != http.StatusSwitchingProtocols
		resp.Body = b
		return resp, nil
	}
}

// timedOut says which timeout expired when err is the connection's deadline.
func (t *h1Transport) timedOut(err error) error {
	if errors.Is(err, os.ErrDeadlineExceeded) {
		return fmt.Errorf("request timeout %s exceeded: %w", t.timeout, err)
	}
	return err
}

// get returns an idle connection to addr, or a new one.
func (t *h1Transport) get(ctx context.Context, addr string) (c *h1Conn, reused bool, err error) {
	t.mu.Lock()
	if cs := t.idle[addr]; len(cs) > 0 {
		c = cs[len(cs)-1]
		cs[len(cs)-1] = nil
		t.idle[addr] = cs[:len(cs)-1]
		t.mu.Unlock()
		return c, true, nil
	}
	t.mu.Unlock()
	conn, err := t.dial(ctx, "tcp", addr)
	if err != nil {
		return nil, false, err
	}
	rw := rawIO(conn, "tcp")
	return &h1Conn{Conn: conn, br: bufio.NewReaderSize(rw, 4096), bw: bufio.NewWriterSize(rw, 4096)}, false, nil
}

// put returns c to the idle pool, or closes it when the pool is full.
func (t *h1Transport) put(addr string, c *h1Conn) {
	t.mu.Lock()
	if cs := t.idle[addr]; len(cs) < t.maxIdle {
		t.idle[addr] = append(cs, c)
		t.mu.Unlock()
		return
	}
	t.mu.Unlock()
	_ = c.Close()
}

// CloseIdleConnections closes the pooled connections.
func (t *h1Transport) CloseIdleConnections() {
	t.mu.Lock()
	idle := t.idle
	t.idle = make(map[string][]*h1Conn)
	t.mu.Unlock()
	for _, cs := range idle {
		for _, c := range cs {
			_ = c.Close()
		}
	}
}

// h1Body counts the bytes read from a response body; closing it returns the connection to
// the pool when the body was read to its end and both sides keep the connection alive, and
// closes the connection otherwise (an unread body is not drained: that could take forever).
type h1Body struct {
	rc io.ReadCloser // http.ReadResponse's body; nil for readHead's (readLength)
	// readHead's body: its bytes not yet read from br, and whether br ended
	br     *bufio.Reader
	left   int64
	srcEOF bool

	c     *h1Conn
	t     *h1Transport
	addr  string
	stop  func() bool
	n     uint64
	eof   bool
	bad   bool
	done  bool
	reuse bool
}

func (b *h1Body) Read(p []byte) (int, error) {
	if b.done {
		return 0, errBodyClosed
	}
	var n int
	var err error
	if b.rc != nil {
		n, err = b.rc.Read(p)
	} else {
		n, err = b.readLength(p)
	}
	b.n += uint64(n)
	if err == io.EOF {
		b.eof = true
	} else if err != nil {
		b.bad = true
		err = b.t.timedOut(err)
	}
	return n, err
}

func (b *h1Body) Close() error {
	if b.done {
		return nil
	}
	b.done = true
	b.t.bytesIn.Add(b.n)
	cancelled := false
	if b.stop != nil {
		cancelled = !b.stop()
	}
	if b.eof && !b.bad && b.reuse && !cancelled {
		if b.rc != nil {
			_ = b.rc.Close()
		}
		b.t.put(b.addr, b.c)
		return nil
	}
	return b.c.Close()
}

// rewind prepares req's body to be sent again; false when it cannot be.
func rewind(req *http.Request) bool {
	if req.Body == nil || req.Body == http.NoBody {
		return true
	}
	if req.GetBody == nil {
		return false
	}
	body, err := req.GetBody()
	if err != nil {
		return false
	}
	req.Body = body
	return true
}

func closeReqBody(req *http.Request) {
	if req.Body != nil {
		_ = req.Body.Close()
	}
}
