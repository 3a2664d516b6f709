package server

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net"
	"os"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// TestBackendStateLogsChanges feeds a sequence of call results to a backendState with a
// clock the test sets, and checks that it logs one line per change of state, not per call.
func TestBackendStateLogsChanges(t *testing.T) {
	var log bytes.Buffer
	b := newBackendState("cache redis://127.0.0.1:1/0", &log)
	clock := time.Date(2026, 12, 1, 12, 0, 0, 0, time.UTC)
	b.now = func() time.Time { return clock }
	refused := errors.New("dial tcp 127.0.0.1:1: connect: connection refused")
	cancelled, cancel := context.WithCancel(context.Background())
	cancel()
	ctx := context.Background()

	b.observe(ctx, nil)
	for range 5 {
		b.observe(ctx, refused)
	}
	b.observe(cancelled, context.Canceled) // the client went away: no news of the backend
	clock = clock.Add(1500 * time.Millisecond)
	b.observe(ctx, nil)
	b.observe(ctx, nil)
	b.observe(cancelled, context.Canceled)
	b.observe(ctx, context.DeadlineExceeded) // the backend too slow: down
	b.observe(ctx, refused)

	want := "2026-12-01T12:00:00Z cache redis://127.0.0.1:1/0: down: dial tcp 127.0.0.1:1: connect: connection refused\n" +
		"2026-12-01T12:00:01.5Z cache redis://127.0.0.1:1/0: up again after 1.5s (5 calls failed)\n" +
		"2026-12-01T12:00:01.5Z cache redis://127.0.0.1:1/0: down: context deadline exceeded\n"
	if got := log.String(); got != want {
		t.Errorf("got log\n%s\nwant\n%s", got, want)
	}
}

// TestBackendStateConcurrent fails and then succeeds from many goroutines at once: exactly
// one down line and one up line.
func TestBackendStateConcurrent(t *testing.T) {
	var log bytes.Buffer
	b := newBackendState("cache", &log)
	for _, err := range []error{errors.New("refused"), nil} {
		var wg sync.WaitGroup
		for range 50 {
			wg.Add(1)
			go func() { defer wg.Done(); b.observe(context.Background(), err) }()
		}
		wg.Wait()
	}
	lines := strings.Split(strings.TrimSpace(log.String()), "\n")
	if len(lines) != 2 || !strings.Contains(lines[0], "cache: down: refused") || !strings.Contains(lines[1], "cache: up again after") ||
		!strings.Contains(lines[1], "(50 calls failed)") {
		t.Errorf("got log %q, want one down line then one up line counting 50 failed calls", log.String())
	}
}

// closedPort returns a loopback address on which nothing listens.
func closedPort(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	return addr
}

// TestRedisHookClosedPort sends cache calls to a Redis address that is a closed local port:
// every call fails and the log gets one line naming the cache and the error.
func TestRedisHookClosedPort(t *testing.T) {
	var log bytes.Buffer
	addr := closedPort(t)
	cfg, err := parseRedisURL("redis://"+addr+"/0?max_retries=-1", 4)
	if err != nil {
		t.Fatal(err)
	}
	c := &redisCache{rdb: newRedisClient(cfg, newBackendState("cache redis://"+addr+"/0", &log)), prefix: "t:"}
	defer c.Close()
	ctx := context.Background()
	for range 3 {
		if _, _, err := c.Profile(ctx, 1); err == nil {
			t.Fatal("Profile on a closed port: got nil error")
		}
		if err := c.SetProfiles(ctx, map[int64][]byte{1: []byte("{}")}); err == nil {
			t.Fatal("SetProfiles on a closed port: got nil error")
		}
	}
	lines := strings.Split(strings.TrimSpace(log.String()), "\n")
	if len(lines) != 1 || !strings.Contains(lines[0], " cache redis://"+addr+"/0: down: ") || !strings.Contains(lines[0], "connection refused") {
		t.Errorf("got log %q, want one down line naming %s and the refused connection", log.String(), addr)
	}
}

// TestRedisOutageLogged runs the server on the real Redis (LOADTEST_TEST_REDIS_URL) reached
// through a local relay that the test closes and reopens. While the relay's port is closed,
// requests that need the cache fail and the server's Log gets one "down" line; after it
// reopens, the first answer logs one "up again" line; a second outage logs a second "down".
func TestRedisOutageLogged(t *testing.T) {
	redisURL := os.Getenv("LOADTEST_TEST_REDIS_URL")
	if redisURL == "" {
		t.Skip("LOADTEST_TEST_REDIS_URL is not set")
	}
	cfg, err := parseRedisURL(redisURL, 1)
	if err != nil {
		t.Fatal(err)
	}
	relay := newTCPRelay(t, cfg.addr)
	var log syncBuffer
	srv, ts := newTestServer(t, backend{name: "sqlite+redis-relay", cache: "redis://" + relay.addr + "/" + strconv.Itoa(cfg.db) + "?max_retries=-1"},
		func(o *Options) { o.Log = &log })
	tok := token(srv, 5)
	lines := func() []string {
		if s := strings.TrimSpace(log.String()); s != "" {
			return strings.Split(s, "\n")
		}
		return nil
	}
	// cache requests: the cache tier, a cache-aside read, the rank and the health check
	probe := func(want int) {
		t.Helper()
		for _, path := range []string{"/cache/users/1", "/api/social/rank", "/healthz", "/cache/users/2"} {
			if code, body := call(t, ts, "GET", path, tok, nil); code != want {
				t.Errorf("GET %s: got %d (%s), want %d", path, code, body, want)
			}
		}
	}
	probe(200)
	if l := lines(); len(l) != 0 {
		t.Fatalf("log while Redis answers: got %q, want nothing", l)
	}
	relay.close()
	probe(503)
	if l := lines(); len(l) != 1 || !strings.Contains(l[0], " cache redis://"+relay.addr+"/") || !strings.Contains(l[0], ": down: ") {
		t.Fatalf("log after an outage of 4 requests: got %q, want one down line naming the cache", l)
	}
	relay.open(t)
	probe(200)
	if l := lines(); len(l) != 2 || !strings.Contains(l[1], ": up again after ") {
		t.Fatalf("log after Redis answers again: got %q, want the down line then one up line", l)
	}
	relay.close()
	probe(503)
	if l := lines(); len(l) != 3 || !strings.Contains(l[2], ": down: ") {
		t.Errorf("log after a second outage: got %q, want down, up, down", l)
	}
	relay.open(t) // so that the cleanup can drop the test's keys
}

// syncBuffer is a bytes.Buffer safe for the server's goroutines and the test.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// tcpRelay forwards connections from a loopback port to a target address. close stops
// listening and cuts every relayed connection, so the port is closed as for a dead server;
// open listens on the same port again.
type tcpRelay struct {
	addr, target string
	mu           sync.Mutex
	ln           net.Listener
	conns        map[net.Conn]bool
	wg           sync.WaitGroup
}

func newTCPRelay(t *testing.T, target string) *tcpRelay {
	r := &tcpRelay{target: target, conns: map[net.Conn]bool{}}
	r.addr = "127.0.0.1:0"
	r.open(t)
	r.addr = r.ln.Addr().String()
	t.Cleanup(r.close)
	return r
}

func (r *tcpRelay) open(t *testing.T) {
	t.Helper()
	ln, err := net.Listen("tcp", r.addr)
	if err != nil {
		t.Fatalf("relay: listen again on %s: %v", r.addr, err)
	}
	r.mu.Lock()
	r.ln = ln
	r.mu.Unlock()
	r.wg.Add(1)
	go func() {
		defer r.wg.Done()
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			up, err := net.Dial("tcp", r.target)
			if err != nil {
				c.Close()
				continue
			}
			r.mu.Lock()
			r.conns[c], r.conns[up] = true, true
			r.mu.Unlock()
			r.wg.Add(2)
			go func() { defer r.wg.Done(); io.Copy(up, c); up.Close() }()
			go func() { defer r.wg.Done(); io.Copy(c, up); c.Close() }()
		}
	}()
}

func (r *tcpRelay) close() {
	r.mu.Lock()
	if r.ln != nil {
		r.ln.Close()
		r.ln = nil
	}
	for c := range r.conns {
		c.Close()
	}
	clear(r.conns)
	r.mu.Unlock()
	r.wg.Wait()
}
