package server

import (
	"bytes"
	"context"
	"errors"
	"github.com/loadtestdev/loadtest/internal/testutil"
	"net"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/gomodule/redigo/redis"
)

// TestParseRedisURL checks the URL forms the server accepted with go-redis and the defaults
// of its pool (go-redis's: dial 5s, read and write 3s, pool timeout read+1s, 3 retries).
func TestParseRedisURL(t *testing.T) {
	type want struct {
		dialURL, addr             string
		db, pool, idle, retries   int
		dial, read, write, poolTO time.Duration
		skipVerify                bool
	}
	def := func(dialURL, addr string, db int) want {
		return want{dialURL: dialURL, addr: addr, db: db, pool: 40, idle: 40, retries: 3,
			dial: 5 * time.Second, read: 3 * time.Second, write: 3 * time.Second, poolTO: 4 * time.Second}
	}
	with := func(w want, f func(*want)) want { f(&w); return w }
	for _, tc := range []struct {
		url  string
		want want
	}{
		{"redis://127.0.0.1:6379/0", def("redis://127.0.0.1:6379/0", "127.0.0.1:6379", 0)},
		{"redis://cache", def("redis://cache:6379/0", "cache:6379", 0)},
		{"redis://cache/", def("redis://cache:6379/0", "cache:6379", 0)},
		{"redis:///5", def("redis://localhost:6379/5", "localhost:6379", 5)},
		{"redis://[::1]:7000/2", def("redis://[::1]:7000/2", "[::1]:7000", 2)},
		{"redis://:secret@cache:7000/3", def("redis://:secret@cache:7000/3", "cache:7000", 3)},
		{"redis://app:secret@cache/2/", def("redis://app:secret@cache:6379/2", "cache:6379", 2)},
		{"redis://cache/1?db=4", def("redis://cache:6379/4", "cache:6379", 4)},
		{"rediss://cache:6380/1?skip_verify=true", with(def("rediss://cache:6380/1", "cache:6380", 1), func(w *want) { w.skipVerify = true })},
		{"redis://cache/0?read_timeout=500ms&pool_size=7&max_retries=-1&dial_timeout=2", with(def("redis://cache:6379/0", "cache:6379", 0), func(w *want) {
			w.read, w.write, w.poolTO, w.pool, w.idle, w.retries, w.dial = 500*time.Millisecond, 500*time.Millisecond, 1500*time.Millisecond, 7, 7, 0, 2*time.Second
		})},
		{"redis://cache/0?read_timeout=-1&write_timeout=1s&pool_timeout=250ms&max_idle_conns=3", with(def("redis://cache:6379/0", "cache:6379", 0), func(w *want) {
			w.read, w.write, w.poolTO, w.idle = 0, time.Second, 250*time.Millisecond, 3
		})},
	} {
		c, err := parseRedisURL(tc.url, 40)
		if err != nil {
			t.Errorf("%s: %v", tc.url, err)
			continue
		}
		got := want{c.dialURL, c.addr, c.db, c.poolSize, c.maxIdle, c.maxRetries, c.dialTimeout, c.readTimeout, c.writeTimeout, c.poolTimeout, c.skipVerify}
		if got != tc.want {
			t.Errorf("%s:\n got %+v\nwant %+v", tc.url, got, tc.want)
		}
	}
}

func TestParseRedisURLErrors(t *testing.T) {
	for _, tc := range []struct{ url, want string }{
		{"http://cache/0", "redis: invalid URL scheme: http"},
		{"redis:cache", "redis: invalid URL: redis:cache is opaque"},
		{"redis://cache/x", `redis: invalid database number: "x"`},
		{"redis://cache/1/2", "redis: invalid URL path: /1/2"},
		{"redis://cache/0?db=x", "redis: invalid db number"},
		{"redis://cache/0?db=-1", "redis: invalid database number: -1"},
		{"redis://cache/0?foo=1&bar=2", "redis: unexpected option: bar, foo (allowed: db, client_name"},
		{"redis://cache/0?protocol=3", "redis: unexpected option: protocol"},
		{"redis://cache/0?read_timeout=soon", "redis: invalid read_timeout duration"},
		{"redis://cache/0?pool_size=many", "redis: invalid pool_size number"},
		{"redis://cache/0?skip_verify=maybe", `redis: invalid skip_verify boolean: expected true/false/1/0, got "maybe"`},
	} {
		_, err := parseRedisURL(tc.url, 40)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: got error %v, want one containing %q", tc.url, err, tc.want)
		}
	}
}

// FuzzParseRedisURL: a URL that parses gives a dial URL that parses to the same address and
// database, and nothing panics.
func FuzzParseRedisURL(f *testing.F) {
	for _, s := range []string{"redis://127.0.0.1:6379/0", "rediss://u:p@h/3?skip_verify=1", "redis:///", "redis://h/0?db=2&pool_size=3", "redis://[::1]/1/"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		c, err := parseRedisURL(s, 10)
		if err != nil {
			return
		}
		again, err := parseRedisURL(c.dialURL, 10)
		if err != nil {
			t.Fatalf("%q: dial URL %q: %v", s, c.dialURL, err)
		}
		if again.addr != c.addr || again.db != c.db {
			t.Fatalf("%q: dial URL %q gives %s/%d, want %s/%d", s, c.dialURL, again.addr, again.db, c.addr, c.db)
		}
	})
}

func testRedisClient(t *testing.T, rawURL string, log *bytes.Buffer) *redisClient {
	t.Helper()
	cfg, err := parseRedisURL(rawURL, 4)
	if err != nil {
		t.Fatal(err)
	}
	c := newRedisClient(cfg, newBackendState("cache "+rawURL, log))
	t.Cleanup(func() { c.Close() })
	return c
}

// TestRedisReadTimeoutNotRetried: a Redis that never answers fails a call after the read
// timeout, on one connection (a timed-out write may have been applied: no retry), and the
// outage is logged.
func TestRedisReadTimeoutNotRetried(t *testing.T) {
	addr, accepted := testutil.SilentListener(t)
	var log bytes.Buffer
	c := testRedisClient(t, "redis://"+addr+"/0?read_timeout=100ms", &log)
	_, err := c.do(context.Background(), "INCR", "k")
	var ne net.Error
	if !errors.As(err, &ne) || !ne.Timeout() {
		t.Fatalf("INCR on a silent server: got %v, want a timeout", err)
	}
	if n := accepted.Load(); n != 1 {
		t.Errorf("connections: got %d, want 1 (no retry after a timeout)", n)
	}
	if !strings.Contains(log.String(), ": down: ") || !strings.Contains(log.String(), "timeout") {
		t.Errorf("log: got %q, want a down line naming the timeout", log.String())
	}
}

// TestRedisCallCancelled: a cancelled request ends its call at once, even with no read
// timeout, and says nothing about the backend.
func TestRedisCallCancelled(t *testing.T) {
	addr, _ := testutil.SilentListener(t)
	var log bytes.Buffer
	c := testRedisClient(t, "redis://"+addr+"/0?read_timeout=-1", &log)
	ctx, cancel := context.WithCancel(context.Background())
	time.AfterFunc(50*time.Millisecond, cancel)
	if _, err := c.do(ctx, "GET", "k"); !errors.Is(err, context.Canceled) {
		t.Fatalf("GET cancelled: got %v, want context.Canceled", err)
	}
	if log.Len() != 0 {
		t.Errorf("log: got %q, want nothing for a cancelled call", log.String())
	}
}

// TestRedisPoolTimeout: with every connection in use, a call waits pool_timeout and fails
// with go-redis's error.
func TestRedisPoolTimeout(t *testing.T) {
	addr, accepted := testutil.SilentListener(t)
	var log bytes.Buffer
	c := testRedisClient(t, "redis://"+addr+"/0?pool_size=1&pool_timeout=100ms", &log)
	held, err := c.pool.GetContext(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	defer held.Close()
	if _, err := c.do(context.Background(), "PING"); !errors.Is(err, errRedisPoolTimeout) {
		t.Fatalf("PING with the pool in use: got %v, want %v", err, errRedisPoolTimeout)
	}
	if n := accepted.Load(); n != 1 {
		t.Errorf("connections: got %d, want 1 (the pool's only one)", n)
	}
	if !strings.Contains(log.String(), ": down: redis: connection pool timeout") {
		t.Errorf("log: got %q, want a down line naming the pool timeout", log.String())
	}
}

// TestRedisRetryBrokenConnection restarts the path to Redis (a relay cuts its connections
// and listens again): the next call's pooled connection is broken, and the call succeeds on
// a new one unless retries are off (max_retries=-1), as with go-redis.
func TestRedisRetryBrokenConnection(t *testing.T) {
	redisURL := os.Getenv("LOADTEST_TEST_REDIS_URL")
	if redisURL == "" {
		t.Skip("LOADTEST_TEST_REDIS_URL is not set")
	}
	cfg, err := parseRedisURL(redisURL, 1)
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		query string
		ok    bool
	}{{"", true}, {"?max_retries=-1", false}} {
		relay := newTCPRelay(t, cfg.addr)
		var log bytes.Buffer
		c := testRedisClient(t, "redis://"+relay.addr+"/0"+tc.query, &log)
		ctx := context.Background()
		if _, err := c.do(ctx, "PING"); err != nil {
			t.Fatalf("%s: first PING: %v", tc.query, err)
		}
		relay.close()
		relay.open(t)
		pong, err := redis.String(c.do(ctx, "PING"))
		if tc.ok && (err != nil || pong != "PONG") {
			t.Errorf("%q: PING after the restart: got %q, %v; want PONG on a new connection", tc.query, pong, err)
		}
		if !tc.ok && err == nil {
			t.Errorf("%q: PING after the restart: got no error, want the broken connection's", tc.query)
		}
		if tc.ok && log.Len() != 0 {
			t.Errorf("%q: log: got %q, want nothing (the retry succeeded)", tc.query, log.String())
		}
		if _, err := c.do(ctx, "PING"); err != nil {
			t.Errorf("%q: third PING: %v", tc.query, err)
		}
	}
}

// TestRedisPipeErrorReply: an error reply inside a pipeline is the pipeline's error, and it
// counts as Redis answering.
func TestRedisPipeErrorReply(t *testing.T) {
	redisURL := os.Getenv("LOADTEST_TEST_REDIS_URL")
	if redisURL == "" {
		t.Skip("LOADTEST_TEST_REDIS_URL is not set")
	}
	var log bytes.Buffer
	c := testRedisClient(t, redisURL, &log)
	key := "loadtest:pipetest:" + time.Now().Format("150405.000000000")
	defer c.do(context.Background(), "DEL", key)
	for _, tx := range []bool{false, true} {
		replies, err := c.pipe(context.Background(), tx,
			redisCmd{"SET", []any{key, "text"}}, redisCmd{"INCR", []any{key}}, redisCmd{"GET", []any{key}})
		var reply redis.Error
		if !errors.As(err, &reply) || !strings.Contains(err.Error(), "not an integer") {
			t.Errorf("tx %v: got %v, want INCR's error reply", tx, err)
		}
		if len(replies) != 3 || replies[0] != "OK" {
			t.Errorf("tx %v: replies %v, want 3 starting with OK", tx, replies)
		}
	}
	if log.Len() != 0 {
		t.Errorf("log: got %q, want nothing (error replies are answers)", log.String())
	}
}
