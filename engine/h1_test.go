package engine

import (
	"bufio"
	"context"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

func newTestH1(timeout time.Duration, bytesIn *atomic.Uint64) *http.Client {
	d := &net.Dialer{Timeout: timeout}
	return &http.Client{Transport: newH1Transport(d.DialContext, timeout, 4, bytesIn)}
}

// do sends one request and reads its body as vegeta does (fully, then Close).
func do(t *testing.T, c *http.Client, method, url, body string) (*http.Response, string, error) {
	t.Helper()
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, err := http.NewRequest(method, url, rd)
	if err != nil {
		t.Fatal(err)
	}
	resp, err := c.Do(req)
	if err != nil {
		return nil, "", err
	}
	b, err := io.ReadAll(resp.Body)
	_ = resp.Body.Close()
	return resp, string(b), err
}

func TestH1TransportExchanges(t *testing.T) {
	var conns atomic.Int64
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/chunked":
			w.(http.Flusher).Flush()
			_, _ = io.WriteString(w, "abc")
			w.(http.Flusher).Flush()
			_, _ = io.WriteString(w, "defg")
		case "/echo":
			b, _ := io.ReadAll(r.Body)
			_, _ = w.Write(b)
		case "/empty":
			w.WriteHeader(http.StatusNoContent)
		case "/close":
			w.Header().Set("Connection", "close")
			_, _ = io.WriteString(w, "bye")
		case "/continue":
			w.WriteHeader(http.StatusEarlyHints)
			_, _ = io.WriteString(w, "after")
		default:
			w.Header().Set("X-Method", r.Method)
			_, _ = io.WriteString(w, "hello")
		}
	}))
	srv.Config.ConnState = func(_ net.Conn, s http.ConnState) {
		if s == http.StateNew {
			conns.Add(1)
		}
	}
	srv.Start()
	defer srv.Close()

	var bytesIn atomic.Uint64
	c := newTestH1(5*time.Second, &bytesIn)
	tests := []struct {
		name, method, path, body string
		code                     int
		want                     string
	}{
		{"get", "GET", "/", "", 200, "hello"},
		{"head", "HEAD", "/", "", 200, ""},
		{"chunked", "GET", "/chunked", "", 200, "abcdefg"},
		{"post body", "POST", "/echo", "payload", 200, "payload"},
		{"no content", "GET", "/empty", "", 204, ""},
		{"interim response skipped", "GET", "/continue", "", 200, "after"},
		{"fragment not sent", "GET", "/#3", "", 200, "hello"},
	}
	var want uint64
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp, body, err := do(t, c, tt.method, srv.URL+tt.path, tt.body)
			if err != nil {
				t.Fatal(err)
			}
			if resp.StatusCode != tt.code || body != tt.want {
				t.Errorf("got %d %q, want %d %q", resp.StatusCode, body, tt.code, tt.want)
			}
			want += uint64(len(tt.want))
		})
	}
	if got := bytesIn.Load(); got != want {
		t.Errorf("bytes in = %d, want %d", got, want)
	}
	if n := conns.Load(); n != 1 {
		t.Errorf("server saw %d connections for sequential requests, want 1 (keep-alive)", n)
	}
	// a response with Connection: close ends its connection; the next request dials again
	for range 2 {
		if _, body, err := do(t, c, "GET", srv.URL+"/close", ""); err != nil || body != "bye" {
			t.Fatalf("GET /close = %q, %v", body, err)
		}
	}
	if _, _, err := do(t, c, "GET", srv.URL, ""); err != nil {
		t.Fatal(err)
	}
	if n := conns.Load(); n != 3 {
		t.Errorf("server saw %d connections, want 3 (Connection: close is honoured)", n)
	}
}

func TestH1TransportConcurrentReuse(t *testing.T) {
	var conns atomic.Int64
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.WriteString(w, "ok")
	}))
	srv.Config.ConnState = func(_ net.Conn, s http.ConnState) {
		if s == http.StateNew {
			conns.Add(1)
		}
	}
	srv.Start()
	defer srv.Close()
	var bytesIn atomic.Uint64
	c := newTestH1(5*time.Second, &bytesIn)
	var wg sync.WaitGroup
	for range 4 {
		wg.Go(func() {
			for range 50 {
				if _, body, err := do(t, c, "GET", srv.URL, ""); err != nil || body != "ok" {
					t.Errorf("got %q, %v", body, err)
					return
				}
			}
		})
	}
	wg.Wait()
	if n := conns.Load(); n > 4 {
		t.Errorf("server saw %d connections for 4 workers, want at most 4", n)
	}
	if got := bytesIn.Load(); got != 400 {
		t.Errorf("bytes in = %d, want 400", got)
	}
}

// staleServer answers each connection's first request with a keep-alive response, then
// closes it: the next request on that connection finds it dead.
func staleServer(t *testing.T) (url string, served *atomic.Int64) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = ln.Close() })
	served = new(atomic.Int64)
	go func() {
		for {
			conn, err := ln.Accept()
			if err != nil {
				return
			}
			go func() {
				defer conn.Close()
				req, err := http.ReadRequest(bufio.NewReader(conn))
				if err != nil {
					return
				}
				_, _ = io.Copy(io.Discard, req.Body)
				served.Add(1)
				_, _ = io.WriteString(conn, "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok")
			}()
		}
	}()
	return "http://" + ln.Addr().String(), served
}

func TestH1TransportRetriesStaleConnection(t *testing.T) {
	url, served := staleServer(t)
	var bytesIn atomic.Uint64
	c := newTestH1(5*time.Second, &bytesIn)
	send := func(method, body, key string) (string, error) {
		req, err := http.NewRequest(method, url, strings.NewReader(body)) // GetBody is set
		if err != nil {
			t.Fatal(err)
		}
		if key != "" {
			req.Header.Set("Idempotency-Key", key)
		}
		resp, err := c.Do(req)
		if err != nil {
			return "", err
		}
		b, err := io.ReadAll(resp.Body)
		_ = resp.Body.Close()
		time.Sleep(5 * time.Millisecond) // let the server's close arrive
		return string(b), err
	}
	for i := range 3 {
		if got, err := send("GET", "", ""); err != nil || got != "ok" {
			t.Fatalf("GET %d: got %q, %v; want ok (sent again on a new connection)", i, got, err)
		}
	}
	if got, err := send("POST", "with key", "k1"); err != nil || got != "ok" {
		t.Fatalf("POST with an Idempotency-Key: got %q, %v; want ok (sent again)", got, err)
	}
	if n := served.Load(); n != 4 {
		t.Errorf("server answered %d requests, want 4", n)
	}
	// a plain POST written on the dead connection is not sent twice: it fails
	_, err := send("POST", "once", "")
	if err == nil || classify(0, err.Error()) != ClassClosed {
		t.Errorf("POST on a closed connection: err = %v, want connection closed", err)
	}
	if got, err := send("POST", "fresh", ""); err != nil || got != "ok" {
		t.Errorf("POST on a new connection: got %q, %v; want ok", got, err)
	}
}

func TestH1TransportTimeoutAndCancel(t *testing.T) {
	release := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/body" {
			_, _ = io.WriteString(w, "partial")
			w.(http.Flusher).Flush()
		}
		select {
		case <-release:
		case <-r.Context().Done():
		}
	}))
	defer srv.Close()
	defer close(release)
	var bytesIn atomic.Uint64
	c := newTestH1(200*time.Millisecond, &bytesIn)
	for _, path := range []string{"/head", "/body"} {
		start := time.Now()
		_, _, err := do(t, c, "GET", srv.URL+path, "")
		if err == nil || classify(0, err.Error()) != ClassTimeout || !strings.Contains(err.Error(), "request timeout 200ms exceeded") {
			t.Errorf("GET %s: err = %v, want the request timeout of 200ms", path, err)
		}
		if d := time.Since(start); d > 3*time.Second {
			t.Errorf("GET %s took %s, want about the 200ms timeout", path, d)
		}
	}
	ctx, cancel := context.WithCancel(context.Background())
	req, _ := http.NewRequestWithContext(ctx, "GET", srv.URL+"/head", nil)
	time.AfterFunc(50*time.Millisecond, cancel)
	c = newTestH1(time.Minute, &bytesIn)
	if _, err := c.Do(req); err == nil || !strings.Contains(err.Error(), "canceled") {
		t.Errorf("cancelled request: err = %v, want context canceled", err)
	}
}

func TestH1TransportUnreadBodyClosesConnection(t *testing.T) {
	var conns atomic.Int64
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.WriteString(w, strings.Repeat("x", 10000))
	}))
	srv.Config.ConnState = func(_ net.Conn, s http.ConnState) {
		if s == http.StateNew {
			conns.Add(1)
		}
	}
	srv.Start()
	defer srv.Close()
	var bytesIn atomic.Uint64
	c := newTestH1(5*time.Second, &bytesIn)
	for range 2 {
		resp, err := c.Get(srv.URL)
		if err != nil {
			t.Fatal(err)
		}
		buf := make([]byte, 10)
		n, _ := io.ReadFull(resp.Body, buf)
		_ = resp.Body.Close()
		if n != 10 {
			t.Fatalf("read %d bytes, want 10", n)
		}
	}
	if n := conns.Load(); n != 2 {
		t.Errorf("server saw %d connections, want 2 (a half-read body is not reused)", n)
	}
	if got := bytesIn.Load(); got != 20 {
		t.Errorf("bytes in = %d, want 20 (what was read)", got)
	}
}

func TestHostPort(t *testing.T) {
	tests := []struct{ url, want string }{
		{"http://example.com/a", "example.com:80"},
		{"http://example.com:8080/a", "example.com:8080"},
		{"http://[::1]/a", "[::1]:80"},
		{"http://[::1]:9000/a", "[::1]:9000"},
	}
	for _, tt := range tests {
		t.Run(tt.url, func(t *testing.T) {
			u, err := url.Parse(tt.url)
			if err != nil {
				t.Fatal(err)
			}
			if got := hostPort(u); got != tt.want {
				t.Errorf("got %q, want %q", got, tt.want)
			}
		})
	}
}

// TestStandardTransportTimeoutAndBytes covers the requests that do not go through h1Transport
// (here HTTP/2 over cleartext): the engine's client bounds them by the timeout and counts their
// bodies.
func TestStandardTransportTimeoutAndBytes(t *testing.T) {
	release := make(chan struct{})
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/slow" {
			select {
			case <-release:
			case <-r.Context().Done():
			}
			return
		}
		_, _ = io.WriteString(w, "hello")
	}))
	srv.Config.Protocols = new(http.Protocols)
	srv.Config.Protocols.SetHTTP1(true)
	srv.Config.Protocols.SetUnencryptedHTTP2(true)
	srv.Start()
	defer srv.Close()
	defer close(release)

	var bytesIn atomic.Uint64
	c := newClient(&Options{HTTP2: true, Timeout: 200 * time.Millisecond, Connections: 2}, &bytesIn)
	defer c.CloseIdleConnections()
	resp, body, err := do(t, c, "GET", srv.URL+"/", "")
	if err != nil || body != "hello" || resp.ProtoMajor != 2 {
		t.Fatalf("GET / = %v %q, %v; want HTTP/2 hello", resp, body, err)
	}
	if got := bytesIn.Load(); got != 5 {
		t.Errorf("bytes in = %d, want 5", got)
	}
	start := time.Now()
	if _, _, err := do(t, c, "GET", srv.URL+"/slow", ""); err == nil || classify(0, err.Error()) != ClassTimeout {
		t.Errorf("GET /slow: err = %v, want a timeout", err)
	}
	if d := time.Since(start); d > 3*time.Second {
		t.Errorf("GET /slow took %s, want about the 200ms timeout", d)
	}
}
