package server

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net"
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

// TestMaxInflight holds two slow requests with a limit of two: the third is shed with 503 and
// Retry-After, and counted under its route.
func TestMaxInflight(t *testing.T) {
	srv, ts := newTestServer(t, backend{name: "sqlite+memory", cache: "memory"}, func(o *Options) { o.MaxInflight = 2 })
	var wg sync.WaitGroup
	for range 2 {
		wg.Add(1)
		go func() { defer wg.Done(); call(t, ts, "GET", "/delay/500ms", "", nil) }()
	}
	deadline := time.Now().Add(2 * time.Second)
	for srv.inflight.Load() < 2 && time.Now().Before(deadline) {
		time.Sleep(5 * time.Millisecond)
	}
	resp, err := ts.Client().Get(ts.URL + "/echo")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 503 || resp.Header.Get("Retry-After") == "" {
		t.Errorf("third request: got %d Retry-After %q, want 503 with Retry-After", resp.StatusCode, resp.Header.Get("Retry-After"))
	}
	wg.Wait()
	counts, _ := requestCounts(scrape(t, srv))
	if counts["GET GET /echo 503"] != 1 || counts["GET GET /delay/{duration} 200"] != 2 {
		t.Errorf("counts: got %v, want one shed /echo and two /delay", counts)
	}
	if code, _ := call(t, ts, "GET", "/echo", "", nil); code != 200 {
		t.Errorf("after the slow requests: got %d, want 200", code)
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
