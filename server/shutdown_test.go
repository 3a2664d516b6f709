package server

import (
	"context"
	"io"
	"net"
	"net/http"
	"testing"
	"time"
)

// TestGracefulShutdown cancels Serve's context while /delay/1s is in flight: the request
// completes with 200 and Serve returns nil only after it.
func TestGracefulShutdown(t *testing.T) {
	srv, _ := newTestServer(t, backend{name: "sqlite+memory", cache: "memory"})
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	served := make(chan error, 1)
	go func() { served <- srv.Serve(ctx, ln) }()

	type result struct {
		code int
		body string
		err  error
		at   time.Time
	}
	got := make(chan result, 1)
	go func() {
		resp, err := http.Get("http://" + ln.Addr().String() + "/delay/1s")
		if err != nil {
			got <- result{err: err}
			return
		}
		body, err := io.ReadAll(resp.Body)
		resp.Body.Close()
		got <- result{code: resp.StatusCode, body: string(body), err: err, at: time.Now()}
	}()
	for deadline := time.Now().Add(3 * time.Second); srv.inflight.Load() == 0; {
		if time.Now().After(deadline) {
			t.Fatal("the request never arrived")
		}
		time.Sleep(5 * time.Millisecond)
	}
	cancel()
	if err := <-served; err != nil {
		t.Fatalf("Serve: %v", err)
	}
	stopped := time.Now()
	r := <-got
	if r.err != nil || r.code != 200 || r.body != "ok" {
		t.Fatalf("in-flight request: got %d %q %v, want 200 ok", r.code, r.body, r.err)
	}
	if r.at.After(stopped) {
		t.Errorf("Serve returned before the in-flight request completed")
	}
	if _, err := net.DialTimeout("tcp", ln.Addr().String(), time.Second); err == nil {
		t.Errorf("server still accepts connections after shutdown")
	}
}

// TestShutdownTimeout bounds the wait: a request longer than ShutdownTimeout is cut and
// Serve reports it.
func TestShutdownTimeout(t *testing.T) {
	srv, _ := newTestServer(t, backend{name: "sqlite+memory", cache: "memory"}, func(o *Options) { o.ShutdownTimeout = 100 * time.Millisecond })
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	served := make(chan error, 1)
	go func() { served <- srv.Serve(ctx, ln) }()
	go http.Get("http://" + ln.Addr().String() + "/delay/5s")
	for srv.inflight.Load() == 0 {
		time.Sleep(5 * time.Millisecond)
	}
	start := time.Now()
	cancel()
	if err := <-served; err == nil {
		t.Error("Serve: got nil, want a shutdown timeout error")
	}
	if took := time.Since(start); took > 3*time.Second {
		t.Errorf("shutdown took %v, want about the 100ms timeout", took)
	}
}
