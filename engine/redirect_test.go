package engine

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/loadtestdev/loadtest/results"
	"github.com/loadtestdev/loadtest/scenarios"
)

// accessLog is a test server's own count of requests by "METHOD /path".
type accessLog struct {
	mu     sync.Mutex
	counts map[string]uint64
	bodies map[string]string // the last body per "METHOD /path"
}

// newRedirectServer answers POST /a with 301 to /a/, /t with 307 to /a/, /loop with 302 to
// itself, /away with 302 to other (another server's URL), and anything else 200.
func newRedirectServer(t *testing.T, other *string) (*httptest.Server, *accessLog) {
	log := &accessLog{counts: map[string]uint64{}, bodies: map[string]string{}}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		key := r.Method + " " + r.URL.Path
		log.mu.Lock()
		log.counts[key]++
		log.bodies[key] = string(body)
		log.mu.Unlock()
		switch {
		case r.Method == "POST" && r.URL.Path == "/a":
			http.Redirect(w, r, "/a/", http.StatusMovedPermanently)
		case r.URL.Path == "/t":
			http.Redirect(w, r, "/a/", http.StatusTemporaryRedirect)
		case r.URL.Path == "/loop":
			http.Redirect(w, r, "/loop", http.StatusFound)
		case r.URL.Path == "/away":
			http.Redirect(w, r, *other+"/b", http.StatusFound)
		default:
			_, _ = w.Write([]byte("ok"))
		}
	}))
	t.Cleanup(srv.Close)
	return srv, log
}

func (l *accessLog) snapshot() map[string]uint64 {
	l.mu.Lock()
	defer l.mu.Unlock()
	out := map[string]uint64{}
	for k, v := range l.counts {
		out[k] = v
	}
	return out
}

// runRequestsYAML parses a scenario of requests, points it at base and runs it with o.
func runRequestsYAML(t *testing.T, src, base string, o Options) *results.Result {
	t.Helper()
	sc, err := scenarios.Parse("redirects.yaml", []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	p, err := sc.Plan(scenarios.PlanOptions{Target: base, Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	o.Targeter, o.Target = p, base
	r, err := Run(context.Background(), o)
	if err != nil {
		t.Fatal(err)
	}
	checkConsistent(t, r)
	return r
}

// byRequest is a result's per-request counts by name and status ("NAME CODE").
func byRequest(r *results.Result) map[string]uint64 {
	out := map[string]uint64{}
	for name, rs := range r.ByRequest {
		for code, n := range rs.StatusCodes {
			out[name+" "+code] = n
		}
	}
	return out
}

// TestRedirectsCountedPerHop: a plain request does not follow redirects by default (its 3xx is
// its answer); with follow_redirects each hop is a request of its own under its method and
// path (a method change shown), and the counts per path equal the server's own.
func TestRedirectsCountedPerHop(t *testing.T) {
	tests := []struct {
		name, requests string
		want           map[string]uint64 // by_request "NAME CODE"
		server         map[string]uint64
	}{
		{"default does not follow", "[{name: login, method: POST, path: /a}]",
			map[string]uint64{"login 301": 12}, map[string]uint64{"POST /a": 12}},
		{"follow 3", "[{name: login, method: POST, path: /a, follow_redirects: 3}]",
			map[string]uint64{"login 301": 12, "GET /a/ (was POST) 200": 12}, map[string]uint64{"POST /a": 12, "GET /a/": 12}},
		{"307 keeps the method", "[{name: t, method: POST, path: /t, body: hello, follow_redirects: 1}]",
			map[string]uint64{"t 307": 12, "POST /a/ 200": 12}, map[string]uint64{"POST /t": 12, "POST /a/": 12}},
		{"a loop stops after N hops", "[{name: loop, path: /loop, follow_redirects: 2}]",
			map[string]uint64{"loop 302": 12, "GET /loop 302": 24}, map[string]uint64{"GET /loop": 36}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			none := ""
			srv, log := newRedirectServer(t, &none)
			r := runRequestsYAML(t, "requests: "+tt.requests+"\n", srv.URL, Options{RatePerSec: 200, Duration: time.Second, MaxRequests: 12})
			if got := byRequest(r); fmt.Sprint(got) != fmt.Sprint(tt.want) {
				t.Errorf("by_request: got %v, want %v", got, tt.want)
			}
			if got := log.snapshot(); fmt.Sprint(got) != fmt.Sprint(tt.server) {
				t.Errorf("server log: got %v, want %v", got, tt.server)
			}
			if strings.HasPrefix(tt.name, "307") && log.bodies["POST /a/"] != "hello" {
				t.Errorf("307 hop sent body %q, want hello", log.bodies["POST /a/"])
			}
			if r.Successes != r.Requests {
				t.Errorf("got %d successes of %d requests, want all", r.Successes, r.Requests)
			}
			var onServer uint64
			for _, n := range tt.server {
				onServer += n
			}
			if r.Sent != 12 || r.Requests != onServer {
				t.Errorf("sent %d requests %d, want 12 hits sent and requests = the server's %d", r.Sent, r.Requests, onServer)
			}
		})
	}
}

// TestRedirectToAnotherHost: a hop to an origin that is not one of the run's hosts is refused
// (the request that got the redirect fails with class redirect, nothing reaches the other
// host); a hop to another of the run's hosts is followed and named by its origin.
func TestRedirectToAnotherHost(t *testing.T) {
	other, otherLog := newRedirectServer(t, new(string))
	srv, log := newRedirectServer(t, &other.URL)
	r := runRequestsYAML(t, "requests: [{name: away, path: /away, follow_redirects: 3}]\n", srv.URL,
		Options{RatePerSec: 200, Duration: time.Second, MaxRequests: 10})
	if n := otherLog.snapshot()["GET /b"]; n != 0 || log.snapshot()["GET /away"] != 10 {
		t.Fatalf("the other host saw %d requests, want 0", n)
	}
	e := r.ByRequest["away"].Errors
	if r.Successes != 0 || len(e) != 1 || e[0].Class != ClassRedirect || !strings.Contains(e[0].Message, "is not one of the run's hosts") {
		t.Errorf("got %d successes and errors %+v, want every request failed with class redirect", r.Successes, e)
	}

	// the other host is one of the run's hosts when a request goes to it
	src := fmt.Sprintf("order: sequential\nrequests: [{name: away, path: /away, follow_redirects: 3}, {name: b, path: '%s/b'}]\n", other.URL)
	r = runRequestsYAML(t, src, srv.URL, Options{RatePerSec: 200, Duration: time.Second, MaxRequests: 10})
	want := map[string]uint64{"away 302": 5, "b 200": 5, "GET " + other.URL + "/b 200": 5}
	if got := byRequest(r); fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("by_request: got %v, want %v", got, want)
	}
	if n := otherLog.snapshot()["GET /b"]; n != 10 {
		t.Errorf("the other host saw %d requests, want 10", n)
	}
}

// TestFlowStepRedirects: a flow step follows redirects only when it says so; each hop is
// counted, and its checks judge the last response.
func TestFlowStepRedirects(t *testing.T) {
	tests := []struct {
		name, follow string
		want         map[string]uint64
	}{
		{"default", "", map[string]uint64{"POST /a": 1}},
		{"follow 3", "follow_redirects: 3, check: [{status: 200}]", map[string]uint64{"POST /a": 1, "GET /a/": 1}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			none := ""
			srv, log := newRedirectServer(t, &none)
			src := fmt.Sprintf("rate: 20/s\nduration: 1s\nflows:\n  - name: f\n    steps:\n      - {name: login, method: POST, path: /a, %s}\n", tt.follow)
			r := runFlowYAML(t, src, srv.URL, Options{RatePerSec: 20, Duration: time.Second, MaxRequests: 8})
			server := log.snapshot()
			if r.Iterations != 8 || r.IterationsCompleted != 8 {
				t.Fatalf("got %d iterations %d completed, want 8 and 8", r.Iterations, r.IterationsCompleted)
			}
			for path, perIteration := range tt.want {
				if server[path] != perIteration*8 {
					t.Errorf("server saw %s %d times, want %d", path, server[path], perIteration*8)
				}
			}
			if rs := r.ByRequest["f/login"]; rs == nil || rs.StatusCodes["301"] != 8 {
				t.Errorf("f/login: got %+v, want 8 × 301", rs)
			}
			hop := r.ByRequest["GET /a/ (was POST)"]
			if got, want := uint64(0), server["GET /a/"]; hop != nil {
				got = hop.StatusCodes["200"]
				if got != want {
					t.Errorf("hop counted %d, server saw %d", got, want)
				}
			} else if want != 0 {
				t.Errorf("no hop in by_request %v, server saw %d", byRequest(r), want)
			}
			if hops := server["GET /a/"]; r.Sent != 8 || r.Requests != 8+hops {
				t.Errorf("sent %d, requests %d: want 8 steps sent, and requests the steps and the %d hops", r.Sent, r.Requests, hops)
			}
		})
	}
}

// TestRedirectLatencyApart: the time of the hops is the hops', not the request's that got the
// redirect: the request's latency stays below the slow hop's.
func TestRedirectLatencyApart(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/slow" {
			time.Sleep(50 * time.Millisecond)
			return
		}
		http.Redirect(w, r, "/slow", http.StatusFound)
	}))
	t.Cleanup(srv.Close)
	r := runRequestsYAML(t, "requests: [{name: r, path: /r, follow_redirects: 1}]\n", srv.URL,
		Options{RatePerSec: 100, Duration: time.Second, MaxRequests: 5})
	own, hop := r.ByRequest["r"], r.ByRequest["GET /slow"]
	if own == nil || hop == nil || own.Requests != 5 || hop.Requests != 5 {
		t.Fatalf("by_request %v, want 5 of r and 5 of GET /slow", byRequest(r))
	}
	if own.LatencyMS.Max >= hop.LatencyMS.Min {
		t.Errorf("r's latency max %v ms ≥ the hop's min %v ms: the hop's time counted in r's", own.LatencyMS.Max, hop.LatencyMS.Min)
	}
}
