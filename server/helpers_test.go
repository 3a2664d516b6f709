package server

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"github.com/gomodule/redigo/redis"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/loadtestdev/loadtest/server/auth"
)

// testUsers is how many bot users the test servers seed.
const testUsers = 60

// backend is one database+cache combination the tests run on.
type backend struct {
	name, db, cache string
}

// backends returns memory+SQLite and, where their variables are set, Redis, MariaDB and
// PostgreSQL. It logs why a backend is skipped.
func backends(t *testing.T) []backend {
	t.Helper()
	out := []backend{{name: "sqlite+memory", cache: "memory"}}
	for _, o := range []struct{ env, name string }{
		{"LOADTEST_TEST_REDIS_URL", "sqlite+redis"},
		{"LOADTEST_TEST_MYSQL_URL", "mysql+memory"},
		{"LOADTEST_TEST_POSTGRES_URL", "postgres+memory"},
	} {
		v := os.Getenv(o.env)
		switch {
		case v == "":
			t.Logf("skipping %s: %s is not set", o.name, o.env)
		case o.name == "sqlite+redis":
			out = append(out, backend{name: o.name, cache: v})
		default:
			out = append(out, backend{name: o.name, db: v, cache: "memory"})
		}
	}
	return out
}

// newTestServer starts a server on backend b with fresh, uniquely named tables and keys,
// dropped again when the test ends.
func newTestServer(t *testing.T, b backend, mod ...func(*Options)) (*Server, *httptest.Server) {
	t.Helper()
	suffix := make([]byte, 4)
	rand.Read(suffix)
	opts := Options{
		DB: b.db, Cache: b.cache, Users: testUsers, Dev: true,
		TablePrefix: "t" + hex.EncodeToString(suffix) + "_",
	}
	if opts.DB == "" {
		opts.DB = "sqlite://" + filepath.Join(t.TempDir(), "test.db")
	}
	for _, m := range mod {
		m(&opts)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	srv, err := New(ctx, opts)
	if err != nil {
		t.Fatalf("New(%s): %v", b.name, err)
	}
	ts := httptest.NewServer(srv.Handler())
	t.Cleanup(func() {
		ts.Close()
		dropTestData(t, srv, opts.TablePrefix)
		srv.Close()
	})
	return srv, ts
}

func dropTestData(t *testing.T, srv *Server, prefix string) {
	ctx := context.Background()
	if st, ok := srv.store.(*sqlStore); ok && st.d.name != "sqlite" {
		for _, table := range []string{"swipes", "users"} {
			if _, err := st.w.ExecContext(ctx, "DROP TABLE IF EXISTS "+prefix+table); err != nil {
				t.Errorf("drop %s%s: %v", prefix, table, err)
			}
		}
	}
	if rc, ok := srv.cache.(*redisCache); ok {
		// a client of its own: the test may have closed the server's
		rdb := newRedisClient(rc.rdb.cfg, nil)
		defer rdb.Close()
		for cursor := int64(0); ; {
			vals, err := redis.Values(rdb.do(ctx, "SCAN", cursor, "MATCH", rc.prefix+"*", "COUNT", 1000))
			var keys []any
			if err == nil {
				_, err = redis.Scan(vals, &cursor, &keys)
			}
			if err != nil {
				t.Errorf("drop the keys %s*: %v", rc.prefix, err)
				break
			}
			if len(keys) > 0 {
				rdb.do(ctx, "DEL", keys...)
			}
			if cursor == 0 {
				break
			}
		}
	}
}

func token(srv *Server, uid int64) string {
	return auth.Mint(srv.Secret(), uid, time.Now().Add(time.Hour))
}

// call sends one request and returns the status and body.
func call(t *testing.T, ts *httptest.Server, method, path, tok string, body any) (int, []byte) {
	t.Helper()
	var rd io.Reader
	switch b := body.(type) {
	case nil:
	case string:
		rd = bytes.NewReader([]byte(b))
	case []byte:
		rd = bytes.NewReader(b)
	default:
		data, err := json.Marshal(b)
		if err != nil {
			t.Fatal(err)
		}
		rd = bytes.NewReader(data)
	}
	req, err := http.NewRequest(method, ts.URL+path, rd)
	if err != nil {
		t.Fatal(err)
	}
	if tok != "" {
		req.Header.Set("Authorization", "Bearer "+tok)
	}
	resp, err := ts.Client().Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("%s %s: read body: %v", method, path, err)
	}
	return resp.StatusCode, data
}

// mustJSON sends a request, checks the status and decodes the JSON body into v.
func mustJSON(t *testing.T, ts *httptest.Server, method, path, tok string, body any, want int, v any) {
	t.Helper()
	code, data := call(t, ts, method, path, tok, body)
	if code != want {
		t.Fatalf("%s %s: got status %d (%s), want %d", method, path, code, data, want)
	}
	if v != nil {
		if err := json.Unmarshal(data, v); err != nil {
			t.Fatalf("%s %s: decode %s: %v", method, path, data, err)
		}
	}
}
