package server

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"
)

func scrape(t *testing.T, srv *Server) map[string]*dto.MetricFamily {
	t.Helper()
	rec := httptest.NewRecorder()
	srv.Handler().ServeHTTP(rec, httptest.NewRequest("GET", "/metrics", nil))
	if rec.Code != 200 {
		t.Fatalf("GET /metrics: got status %d", rec.Code)
	}
	parser := expfmt.NewTextParser(model.UTF8Validation)
	families, err := parser.TextToMetricFamilies(rec.Body)
	if err != nil {
		t.Fatalf("parse /metrics: %v", err)
	}
	return families
}

// requestCounts sums loadtest_server_requests_total by "METHOD ROUTE CODE", and in all.
func requestCounts(families map[string]*dto.MetricFamily) (map[string]float64, float64) {
	out := map[string]float64{}
	var total float64
	for _, m := range families["loadtest_server_requests_total"].GetMetric() {
		labels := map[string]string{}
		for _, l := range m.GetLabel() {
			labels[l.GetName()] = l.GetValue()
		}
		key := labels["method"] + " " + labels["route"] + " " + labels["code"]
		out[key] += m.GetCounter().GetValue()
		total += m.GetCounter().GetValue()
	}
	return out, total
}

func TestMetrics(t *testing.T) {
	srv, ts := newTestServer(t, backend{name: "sqlite+memory", cache: "memory"})
	sent := map[string]int{
		"/echo":           7,
		"/db/users/1":     3,
		"/db/users/99999": 2,
		"/cache/users/2":  4,
		"/status/503":     2,
		"/nope":           1,
	}
	total := 0
	for path, n := range sent {
		for range n {
			call(t, ts, "GET", path, "", nil)
			total++
		}
	}
	counts, sum := requestCounts(scrape(t, srv))
	if sum != float64(total) {
		t.Errorf("requests_total sums to %v, want %d (the requests sent)", sum, total)
	}
	for key, want := range map[string]float64{
		"GET GET /echo 200": 7, "GET GET /db/users/{uid} 200": 3, "GET GET /db/users/{uid} 404": 2,
		"GET GET /cache/users/{uid} 200": 4, "GET GET /status/{code} 503": 2, "GET unmatched 404": 1,
	} {
		if counts[key] != want {
			t.Errorf("requests_total{%s}: got %v, want %v", key, counts[key], want)
		}
	}
	fams := scrape(t, srv)
	if got := fams["loadtest_server_cache_hits_total"].GetMetric()[0].GetCounter().GetValue(); got != 4 {
		t.Errorf("cache hits: got %v, want 4", got)
	}
	for _, name := range []string{"loadtest_server_request_duration_seconds", "loadtest_server_inflight_requests",
		"loadtest_server_cache_misses_total", "go_sql_open_connections", "go_goroutines"} {
		if fams[name] == nil {
			t.Errorf("metric %s missing", name)
		}
	}
	for _, m := range fams["loadtest_server_request_duration_seconds"].GetMetric() {
		if m.GetLabel()[0].GetValue() == "GET /echo" && m.GetHistogram().GetSampleCount() != 7 {
			t.Errorf("duration{GET /echo} count: got %d, want 7", m.GetHistogram().GetSampleCount())
		}
	}
}

// TestMaxInflight fills both slots of a limit of two with /delay requests that last until the
// test cancels them. While they are held, /echo is shed with 503 and Retry-After and counted
// under its route, but /healthz, /metrics and /stats are answered and take no slot; once the
// held requests end, /echo is served again.
func TestMaxInflight(t *testing.T) {
	srv, ts := newTestServer(t, backend{name: "sqlite+memory", cache: "memory"}, func(o *Options) { o.MaxInflight = 2 })
	ctx, release := context.WithCancel(context.Background())
	defer release()
	var held sync.WaitGroup
	for range 2 {
		held.Add(1)
		go func() {
			defer held.Done()
			req, _ := http.NewRequestWithContext(ctx, "GET", ts.URL+"/delay/"+MaxDelay.String(), nil)
			if resp, err := ts.Client().Do(req); err == nil {
				resp.Body.Close()
			}
		}()
	}
	waitFor(t, "two held requests", func() bool { return srv.limited.Load() == 2 })

	tests := []struct {
		path      string
		wantCode  int
		wantRetry bool
	}{
		{"/echo", 503, true},
		{"/db/users/1", 503, true},
		{"/healthz", 200, false},
		{"/metrics", 200, false},
		{"/stats", 200, false},
		{"/echo", 503, true},
	}
	for _, tt := range tests {
		resp, err := ts.Client().Get(ts.URL + tt.path)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != tt.wantCode || (resp.Header.Get("Retry-After") != "") != tt.wantRetry {
			t.Errorf("GET %s with both slots held: got %d Retry-After %q, want %d (Retry-After: %v)",
				tt.path, resp.StatusCode, resp.Header.Get("Retry-After"), tt.wantCode, tt.wantRetry)
		}
	}
	if got := srv.limited.Load(); got != 2 {
		t.Errorf("slots taken after the probes: got %d, want 2 (the held requests)", got)
	}
	counts, _ := requestCounts(scrape(t, srv))
	if counts["GET GET /echo 503"] != 2 || counts["GET GET /db/users/{uid} 503"] != 1 || counts["GET GET /healthz 200"] != 1 {
		t.Errorf("counts: got %v, want two shed /echo, one shed /db/users and one /healthz 200", counts)
	}

	release()
	held.Wait()
	waitFor(t, "the held requests to end", func() bool { return srv.inflight.Load() == 0 })
	if code, _ := call(t, ts, "GET", "/echo", "", nil); code != 200 {
		t.Errorf("after the held requests: got %d, want 200", code)
	}
}

// waitFor polls cond until it holds, failing the test if it does not within 10 seconds
// (a bound for a stuck test, not a timing expectation).
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(10 * time.Second); !cond(); time.Sleep(2 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("gave up waiting for %s", what)
		}
	}
}

func TestHealthzNamesFailedBackend(t *testing.T) {
	srv, ts := newTestServer(t, backend{name: "sqlite+memory", cache: "memory"})
	srv.store.Close()
	code, body := call(t, ts, "GET", "/healthz", "", nil)
	if code != 503 || !bytes.Contains(body, []byte("database")) {
		t.Errorf("got %d %s, want 503 naming the database", code, body)
	}
}

// TestSlowlorisIsCut checks that a client sending headers slower than ReadHeaderTimeout is
// disconnected.
func TestSlowlorisIsCut(t *testing.T) {
	srv, _ := newTestServer(t, backend{name: "sqlite+memory", cache: "memory"}, func(o *Options) { o.ReadHeaderTimeout = 200 * time.Millisecond })
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- srv.Serve(ctx, ln) }()
	defer func() { cancel(); <-done }()
	conn, err := net.Dial("tcp", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	fmt.Fprintf(conn, "GET /echo HTTP/1.1\r\nHost: x\r\n")
	conn.SetReadDeadline(time.Now().Add(3 * time.Second))
	start := time.Now()
	buf := make([]byte, 512)
	_, err = conn.Read(buf) // the server closes (possibly after a 408) without us finishing the headers
	for err == nil {
		_, err = conn.Read(buf)
	}
	var ne net.Error
	if errors.As(err, &ne) && ne.Timeout() {
		t.Fatalf("connection still open after %v, want it closed by the read-header timeout", time.Since(start))
	}
}

func TestPprof(t *testing.T) {
	for _, on := range []bool{false, true} {
		_, ts := newTestServer(t, backend{name: "sqlite+memory", cache: "memory"}, func(o *Options) { o.Pprof = on })
		code, body := call(t, ts, "GET", "/debug/pprof/", "", nil)
		if on && (code != 200 || !strings.Contains(string(body), "goroutine")) || !on && code != 404 {
			t.Errorf("pprof %v: got %d, want %v", on, code, map[bool]int{true: 200, false: 404}[on])
		}
	}
}
