package engine

import (
	"context"
	"fmt"
	"io"
	"maps"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/loadtestdev/loadtest/results"
	"github.com/loadtestdev/loadtest/scenarios"
)

// flowPlanOf parses a scenario of flows and compiles it against base (seed 1).
func flowPlanOf(t testing.TB, src, base string) (*scenarios.Scenario, *scenarios.FlowPlan) {
	t.Helper()
	sc, err := scenarios.Parse("flows.yaml", []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	fp, err := sc.FlowPlan(scenarios.PlanOptions{Target: base, Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	return sc, fp
}

// runFlowYAML parses a scenario of flows, points it at base and runs it with o.
func runFlowYAML(t *testing.T, src, base string, o Options) *results.Result {
	t.Helper()
	sc, fp := flowPlanOf(t, src, base)
	o.FlowPlan, o.Target = fp, base
	if o.MaxSessions == 0 {
		o.MaxSessions = sc.MaxSessions
	}
	r, err := Run(context.Background(), o)
	if err != nil {
		t.Fatal(err)
	}
	checkFlowConsistent(t, r)
	return r
}

// checkFlowConsistent checks the invariants of a finished run of flows.
func checkFlowConsistent(t *testing.T, r *results.Result) {
	t.Helper()
	checkConsistent(t, r)
	if r.IterationsCompleted+r.IterationsFailed != r.Iterations {
		t.Errorf("completed %d + failed %d != iterations %d", r.IterationsCompleted, r.IterationsFailed, r.Iterations)
	}
	var it, dropped, passes, fails uint64
	for name, f := range r.Flows {
		it += f.Iterations
		dropped += f.Dropped
		if f.Completed+f.Failed != f.Iterations {
			t.Errorf("flow %s: completed %d + failed %d != iterations %d", name, f.Completed, f.Failed, f.Iterations)
		}
		for _, c := range f.Checks {
			passes += c.Passes
			fails += c.Fails
		}
		h, err := results.DecodeHistogram(f.Histograms.Iteration)
		if err != nil || uint64(h.TotalCount()) != f.Completed {
			t.Errorf("flow %s: iteration histogram holds %v values (%v), want %d", name, h.TotalCount(), err, f.Completed)
		}
	}
	if it != r.Iterations || dropped != r.DroppedIterations {
		t.Errorf("flows sum to %d iterations %d dropped, want %d and %d", it, dropped, r.Iterations, r.DroppedIterations)
	}
	if r.Checks == nil || r.Checks.Passes != passes || r.Checks.Fails != fails {
		t.Errorf("checks %+v, want the flows' sums %d passes %d fails", r.Checks, passes, fails)
	}
	var secIt, secDropped uint64
	for _, s := range r.Timeline {
		secIt += s.Iterations
		secDropped += s.DroppedIterations
	}
	if secIt != r.Iterations || secDropped != r.DroppedIterations {
		t.Errorf("timeline sums %d iterations %d dropped, want %d and %d", secIt, secDropped, r.Iterations, r.DroppedIterations)
	}
}

// pathCounter is a server that counts requests by path.
type pathCounter struct {
	mu     sync.Mutex
	counts map[string]int
}

func (p *pathCounter) count(path string) int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.counts[path]
}

func newPathServer(t *testing.T, h http.HandlerFunc) (*countingServer, *pathCounter) {
	pc := &pathCounter{counts: map[string]int{}}
	cs := newCountingServer(t, func(w http.ResponseWriter, r *http.Request) {
		pc.mu.Lock()
		pc.counts[r.URL.Path]++
		pc.mu.Unlock()
		h(w, r)
	})
	return cs, pc
}

func TestFlowFailedCheckStopsTheIteration(t *testing.T) {
	t.Parallel()
	cs, pc := newPathServer(t, func(w http.ResponseWriter, r *http.Request) { _, _ = io.WriteString(w, "ok") })
	for _, tt := range []struct {
		name, onFailure string
		wantNext        int
	}{
		{"stop", "", 0},
		{"continue", "\n    on_failure: continue", 5},
	} {
		t.Run(tt.name, func(t *testing.T) {
			flow := "f" + tt.name
			src := "flows:\n  - name: " + flow + tt.onFailure + `
    steps:
      - name: first
        path: /status/200
        check: [{body_contains: nope}]
      - name: next
        path: /next/` + tt.name + "\n"
			r := runFlowYAML(t, src, cs.URL, Options{RatePerSec: 50, Duration: 30 * time.Second, MaxRequests: 5, MaxSessions: 5})
			if r.Iterations != 5 || r.IterationsFailed != 5 || r.IterationsCompleted != 0 {
				t.Errorf("got %d iterations, %d failed, %d completed; want 5, 5, 0", r.Iterations, r.IterationsFailed, r.IterationsCompleted)
			}
			first := r.ByRequest[flow+"/first"]
			if first == nil || first.Requests != 5 || first.Successes != 0 || len(first.Errors) != 1 || first.Errors[0].Class != results.ErrorClassCheck {
				t.Fatalf("got first step %+v, want 5 requests failed with class check", first)
			}
			if msg := first.Errors[0].Message; !strings.Contains(msg, `check "body_contains \"nope\"" failed: saw body "ok"`) {
				t.Errorf("got sample message %q, want the check's name and the body seen", msg)
			}
			if got := pc.count("/next/" + tt.name); got != tt.wantNext {
				t.Errorf("the server received the next step %d times, want %d", got, tt.wantNext)
			}
			if r.Checks.Fails != 5 || r.Checks.Ratio >= 1 {
				t.Errorf("got checks %+v, want 5 fails and a ratio below 1", r.Checks)
			}
			c := r.Flows[flow].Checks
			if len(c) != 1 || c[0].Step != "first" || c[0].Fails != 5 || !strings.Contains(c[0].Sample, `saw body "ok"`) {
				t.Errorf("got flow checks %+v, want body_contains of step first failed 5 times with a sample", c)
			}
		})
	}
}

func TestFlowExtraction(t *testing.T) {
	t.Parallel()
	var mu sync.Mutex
	var bodies []string
	var cookies, startCookies int
	cs, _ := newPathServer(t, func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/start":
			if r.Header.Get("Cookie") != "" {
				mu.Lock()
				startCookies++
				mu.Unlock()
			}
			w.Header().Set("Location", "/go?x=1")
			http.SetCookie(w, &http.Cookie{Name: "sid", Value: "abc", Path: "/"})
			w.Header().Set("Content-Type", "application/json")
			_, _ = io.WriteString(w, `{"a": [{"b": "b0"}, {"b": "b1"}], "text": "code=4242;"}`)
		case "/next":
			b, _ := io.ReadAll(r.Body)
			mu.Lock()
			bodies = append(bodies, string(b))
			if c, err := r.Cookie("sid"); err == nil && c.Value == "abc" {
				cookies++
			}
			mu.Unlock()
		}
	})
	src := `flows:
  - name: x
    steps:
      - name: start
        path: /start
        extract:
          loc: {header: Location}
          sid: {cookie: sid}
          first: {json: "$.a[0].b"}
          any: {json: "$.a[*].b"}
          code: {regex: 'code=(\d+)'}
          st: status
      - name: next
        method: POST
        path: /next
        body: '{{ loc }}|{{ sid }}|{{ first }}|{{ any }}|{{ code }}|{{ st }}'
`
	r := runFlowYAML(t, src, cs.URL, Options{RatePerSec: 50, Duration: 30 * time.Second, MaxRequests: 20, MaxSessions: 20}) // a session each: no start dropped on a loaded machine
	if r.IterationsCompleted != 20 || r.Checks.Fails != 0 {
		t.Fatalf("got %d completed, checks %+v; want 20 and no failure", r.IterationsCompleted, r.Checks)
	}
	mu.Lock()
	defer mu.Unlock()
	picked := map[string]int{}
	for _, b := range bodies {
		parts := strings.Split(b, "|")
		if len(parts) != 6 || parts[0] != "/go?x=1" || parts[1] != "abc" || parts[2] != "b0" || parts[4] != "4242" || parts[5] != "200" {
			t.Fatalf("got body %q, want /go?x=1|abc|b0|b0 or b1|4242|200", b)
		}
		picked[parts[3]]++
	}
	if picked["b0"] == 0 || picked["b1"] == 0 || picked["b0"]+picked["b1"] != 20 {
		t.Errorf("$.a[*].b picked %v in 20 iterations, want both elements", picked)
	}
	if cookies != 20 || startCookies != 0 {
		t.Errorf("the cookie came back %d times on the next step and %d times on a first step; want 20 and 0 (a jar per iteration, empty at its start)", cookies, startCookies)
	}
}

// TestFlowReusedRequestsCarryNothingOver: a runner reuses a step's request (and its parsed URL)
// for the next step to the same URL, and across iterations; nothing of the request before may
// reach the server with the next: not its headers, its body or its Host; the jar's cookies come once.
// Steps of three shapes to the same URL, iterations one after the other on one session.
func TestFlowReusedRequestsCarryNothingOver(t *testing.T) {
	t.Parallel()
	var mu sync.Mutex
	var seen []string
	cs, _ := newPathServer(t, func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		mu.Lock()
		seen = append(seen, fmt.Sprintf("%s %s a=%q cookie=%q auth=%q len=%d body=%q host=%s", r.Method, r.URL.RequestURI(),
			r.Header.Get("X-A"), r.Header.Values("Cookie"), r.Header.Get("Authorization"), r.ContentLength, b, r.Host))
		mu.Unlock()
		if r.Header.Get("X-A") == "1" {
			http.SetCookie(w, &http.Cookie{Name: "sid", Value: "abc", Path: "/"})
		}
	})
	host := strings.TrimPrefix(cs.URL, "http://")
	src := `flows:
  - name: x
    steps:
      - {name: a, method: POST, path: /r, headers: {X-A: "1", Host: other.example}, body: abc}
      - {name: b, method: POST, path: /r}
      - {name: c, method: POST, path: "http://` + host + `/r", headers: {Authorization: Basic dTpw}}
      - {name: d, method: POST, path: /r}
`
	r := runFlowYAML(t, src, cs.URL, Options{RatePerSec: 20, Duration: 30 * time.Second, MaxRequests: 3, MaxSessions: 1})
	if r.IterationsCompleted != 3 || r.Requests != 12 {
		t.Fatalf("got %d iterations completed, %d requests; want 3 and 12", r.IterationsCompleted, r.Requests)
	}
	want := []string{
		`POST /r a="1" cookie=[] auth="" len=3 body="abc" host=other.example`,
		`POST /r a="" cookie=["sid=abc"] auth="" len=0 body="" host=` + host,
		`POST /r a="" cookie=["sid=abc"] auth="Basic dTpw" len=0 body="" host=` + host,
		`POST /r a="" cookie=["sid=abc"] auth="" len=0 body="" host=` + host,
	}
	mu.Lock()
	defer mu.Unlock()
	for i, got := range seen {
		if w := want[i%len(want)]; got != w {
			t.Errorf("request %d: got %s\nwant %s", i, got, w)
		}
	}
}

func TestFlowMissingValueFailsTheStep(t *testing.T) {
	t.Parallel()
	cs, pc := newPathServer(t, func(w http.ResponseWriter, r *http.Request) { _, _ = io.WriteString(w, `{"other": 1}`) })
	src := `flows:
  - name: m
    steps:
      - {name: login, path: /login, extract: {token: {json: $.token}}}
      - {name: use, path: '/use/{{ token }}'}
`
	r := runFlowYAML(t, src, cs.URL, Options{RatePerSec: 50, Duration: 30 * time.Second, MaxRequests: 3, MaxSessions: 3})
	login := r.ByRequest["m/login"]
	if login == nil || login.Successes != 0 || len(login.Errors) != 1 || login.Errors[0].Class != results.ErrorClassCheck {
		t.Fatalf("got login %+v, want 3 requests failed with class check", login)
	}
	want := `check "extract token (json $.token)" failed: saw no value at $.token in the body "{\"other\": 1}"`
	if msg := login.Errors[0].Message; !strings.Contains(msg, want) {
		t.Errorf("got sample %q, want it to contain %q", msg, want)
	}
	if n := pc.count("/use/"); n != 0 || r.IterationsFailed != 3 {
		t.Errorf("the next step was received %d times with %d failed iterations, want 0 and 3", n, r.IterationsFailed)
	}
}

func TestFlowThinkTime(t *testing.T) {
	cs, _ := newPathServer(t, func(w http.ResponseWriter, r *http.Request) {})
	src := `flows:
  - name: t
    steps:
      - {name: a, path: /a}
      - think: 100ms
      - {name: b, path: /b}
`
	r := runFlowYAML(t, src, cs.URL, Options{RatePerSec: 20, Duration: 30 * time.Second, MaxRequests: 10, MaxSessions: 10})
	f := r.Flows["t"]
	if f.Completed != 10 || f.IterationMS.Min < 100 {
		t.Errorf("got %d completed iterations, shortest %.1f ms; want 10, each at least the 100 ms think time", f.Completed, f.IterationMS.Min)
	}
	// an iteration is step a, the think time, then step b, each latency counting from the end
	// of what came before it; so its duration less both latencies is the think time alone,
	// however slow a loaded machine made the steps (had a latency held the think time, that
	// difference would be near 0)
	a, b := r.ByRequest["t/a"].LatencyMS, r.ByRequest["t/b"].LatencyMS
	if think := f.IterationMS.Mean - a.Mean - b.Mean; think < 95 || think > 105 {
		t.Errorf("iteration mean %.1f ms − latency means %.1f and %.1f ms = %.1f ms, want the 100 ms think time", f.IterationMS.Mean, a.Mean, b.Mean, think)
	}
}

func TestFlowDroppedIterations(t *testing.T) {
	t.Parallel()
	cs, _ := newPathServer(t, func(w http.ResponseWriter, r *http.Request) { time.Sleep(500 * time.Millisecond) })
	src := "max_sessions: 5\nflows:\n  - name: slow\n    steps: [{name: wait, path: /delay/500ms}]\n"
	// 50 starts at 50/s; the duration is only a generous bound, so that a loaded machine
	// cannot end the run before the last start is due
	r := runFlowYAML(t, src, cs.URL, Options{RatePerSec: 50, Duration: 30 * time.Second, MaxRequests: 50})
	const planned = 50
	if r.Iterations+r.DroppedIterations != planned {
		t.Errorf("iterations %d + dropped %d = %d, want the %d starts planned", r.Iterations, r.DroppedIterations, r.Iterations+r.DroppedIterations, planned)
	}
	if r.Iterations < 5 || r.DroppedIterations < planned/2 {
		t.Errorf("got %d iterations and %d dropped, want at least 5 run and most of the %d dropped (5 sessions of 500 ms at 50/s)", r.Iterations, r.DroppedIterations, planned)
	}
	if r.Requests != r.Iterations || cs.count.Load() != r.Iterations || r.Flows["slow"].Dropped != r.DroppedIterations {
		t.Errorf("requests %d, server %d, flow dropped %d; want %d requests received and %d dropped", r.Requests, cs.count.Load(), r.Flows["slow"].Dropped, r.Iterations, r.DroppedIterations)
	}
	found := false
	for _, w := range r.Warnings {
		found = found || w.Code == "dropped_iterations" && w.Values["dropped"] == float64(r.DroppedIterations)
	}
	if !found {
		t.Errorf("warnings %+v, want dropped_iterations", r.Warnings)
	}
}

func TestFlowCoordinatedOmission(t *testing.T) {
	t.Parallel()
	// the server stalls once, for 500 ms, about 0.5 s into the run: the first step of every
	// iteration due meanwhile waits for the stall to end
	var stallUntil atomic.Int64
	var n atomic.Int64
	cs, _ := newPathServer(t, func(w http.ResponseWriter, r *http.Request) {
		if n.Add(1) == 10 {
			stallUntil.Store(time.Now().Add(500 * time.Millisecond).UnixNano())
		}
		if until := stallUntil.Load(); until != 0 {
			time.Sleep(time.Until(time.Unix(0, until)))
		}
	})
	src := "max_sessions: 100\nflows:\n  - name: co\n    steps: [{name: first, path: /first}]\n"
	r := runFlowYAML(t, src, cs.URL, Options{RatePerSec: 20, Duration: 2 * time.Second})
	first := r.ByRequest["co/first"]
	if first.LatencyMS.Max < 400 {
		t.Errorf("first step latency max %.1f ms, want ≥ 400 ms (the stall)", first.LatencyMS.Max)
	}
	h, err := results.DecodeHistogram(first.Histograms.Latency)
	if err != nil {
		t.Fatal(err)
	}
	// at 20/s about ten iterations are due during the stall, waiting from 0 to 500 ms
	var above int64
	for _, bar := range h.Distribution() {
		if time.Duration(bar.From)*time.Microsecond >= 100*time.Millisecond {
			above += bar.Count
		}
	}
	if above < 3 {
		t.Errorf("%d first steps took ≥ 100 ms, want the iterations due during the stall (about 8)", above)
	}

	// a stalled generator: the schedule began 500 ms before the run could send, so the first
	// iterations leave late, and their latency (not their service time) counts the wait
	cs2, _ := newPathServer(t, func(w http.ResponseWriter, r *http.Request) {})
	r2 := runFlowYAML(t, src, cs2.URL, Options{RatePerSec: 20, Duration: 2 * time.Second, StartAt: time.Now().Add(-500 * time.Millisecond)})
	f2 := r2.ByRequest["co/first"]
	if f2.LatencyMS.Max < 400 || f2.ServiceTimeMS.P50 >= 400 {
		t.Errorf("late start: latency max %.1f ms, service p50 %.1f ms; want ≥ 400 ms and far less", f2.LatencyMS.Max, f2.ServiceTimeMS.P50)
	}
	late := false
	for _, w := range r2.Warnings {
		late = late || w.Code == "behind_schedule" && w.Values["cause"] == BehindGenerator && strings.Contains(w.Message, "iterations' first steps")
	}
	if !late {
		t.Errorf("late start: warnings %+v, want behind_schedule naming the generator", r2.Warnings)
	}
}

func TestFlowProgressAndPartial(t *testing.T) {
	t.Parallel()
	cs, _ := newPathServer(t, func(w http.ResponseWriter, r *http.Request) {})
	src := "flows:\n  - name: p\n    steps: [{name: a, path: /a, check: [{status: 200}]}]\n"
	var seen atomic.Bool
	var partialErr error
	var mu sync.Mutex
	o := Options{RatePerSec: 20, Duration: 2500 * time.Millisecond, OnSecond: func(p Progress) error {
		if p.Iterations == 0 || p.Partial == nil {
			return nil
		}
		r, err := p.Partial().Result()
		mu.Lock()
		defer mu.Unlock()
		if err != nil || r.Iterations == 0 || r.Flows["p"] == nil || r.Checks == nil || r.Checks.Passes == 0 {
			partialErr = err
			return nil
		}
		seen.Store(true)
		return nil
	}}
	r := runFlowYAML(t, src, cs.URL, o)
	if !seen.Load() {
		t.Errorf("no progress had iterations with a partial result holding the flow (err %v)", partialErr)
	}
	// 50 starts are planned; a loaded machine may reach the end of the run before the last
	if r.Iterations+r.DroppedIterations > 50 || r.Iterations < 25 || r.IterationsCompleted != r.Iterations {
		t.Errorf("got %d iterations (%d completed, %d dropped), want most of the 50 planned, all completed", r.Iterations, r.IterationsCompleted, r.DroppedIterations)
	}
}

func TestFlowInterruptedAndCutShort(t *testing.T) {
	t.Parallel()
	cs, pc := newPathServer(t, func(w http.ResponseWriter, r *http.Request) {})
	src := "flows:\n  - name: long\n    steps: [{name: a, path: /a}, {think: 1m}, {name: b, path: /b}]\n"
	_, fp := flowPlanOf(t, src, cs.URL)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	o := Options{FlowPlan: fp, RatePerSec: 20, Duration: time.Minute, MaxSessions: 100, Grace: 200 * time.Millisecond,
		OnSecond: func(p Progress) error {
			if p.Iterations >= 10 {
				cancel()
			}
			return nil
		}}
	began := time.Now()
	r, err := Run(ctx, o)
	if err != nil {
		t.Fatal(err)
	}
	if !r.Interrupted || time.Since(began) > 30*time.Second {
		t.Errorf("interrupted %v after %s, want an interrupted run that stopped within its grace", r.Interrupted, time.Since(began))
	}
	if r.Iterations < 10 || r.IterationsFailed != r.Iterations || r.IterationsCompleted != 0 || pc.count("/b") != 0 {
		t.Errorf("got %d iterations, %d failed, %d completed, /b received %d times; want every iteration cut short in its think time",
			r.Iterations, r.IterationsFailed, r.IterationsCompleted, pc.count("/b"))
	}
	checkAllCutShort(t, r)
	checkFlowConsistent(t, r)
}

// TestFlowGraceCutsRequestsInFlight: when the grace after the stop is over, the requests the
// sessions have in flight end at once (cutWatch on HTTP/1.1, the context elsewhere), not at
// the request timeout; their iterations are cut short and the requests cut are not counted.
// The server reads each request and never answers.
func TestFlowGraceCutsRequestsInFlight(t *testing.T) {
	t.Parallel()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var accepted atomic.Int64
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			accepted.Add(1)
			go func() { _, _ = io.Copy(io.Discard, c) }() // until the client closes it
		}
	}()
	t.Cleanup(func() { _ = ln.Close() })
	base := "http://" + ln.Addr().String()
	_, fp := flowPlanOf(t, "flows:\n  - {name: f, steps: [{name: a, path: /a}, {name: b, path: /b}]}\n", base)
	o := Options{FlowPlan: fp, Target: base, RatePerSec: 50, Duration: 200 * time.Millisecond, MaxSessions: 100,
		Grace: 300 * time.Millisecond, Timeout: time.Minute}
	began := time.Now()
	r, err := Run(context.Background(), o)
	if err != nil {
		t.Fatal(err)
	}
	if took := time.Since(began); took > 20*time.Second {
		t.Fatalf("the run took %s, want it to end soon after its grace (the request timeout is a minute)", took)
	}
	if r.Iterations == 0 || r.IterationsFailed != r.Iterations || r.Requests != 0 || accepted.Load() == 0 {
		t.Errorf("got %d iterations, %d failed, %d requests counted (%d connections); want every iteration cut short in its first step, none counted",
			r.Iterations, r.IterationsFailed, r.Requests, accepted.Load())
	}
	checkAllCutShort(t, r)
	checkFlowConsistent(t, r)
}

// checkAllCutShort checks that the run warns of every iteration cut short.
func checkAllCutShort(t *testing.T, r *results.Result) {
	t.Helper()
	for _, w := range r.Warnings {
		if w.Code == "iterations_cut_short" && w.Values["iterations"] == float64(r.Iterations) {
			return
		}
	}
	t.Errorf("warnings %+v, want iterations_cut_short for all %d", r.Warnings, r.Iterations)
}

func TestPlannedRequestsOfFlows(t *testing.T) {
	sc, err := scenarios.Parse("p.yaml", []byte("flows:\n  - {name: long, steps: [{path: /a}, {think: 1s}, {path: /b}, {path: /c}]}\n  - {name: short, steps: [{path: /a}]}\n"))
	if err != nil {
		t.Fatal(err)
	}
	fp, err := sc.FlowPlan(scenarios.PlanOptions{Target: "http://127.0.0.1:1"})
	if err != nil {
		t.Fatal(err)
	}
	o := Options{FlowPlan: fp, RatePerSec: 10, Duration: 2 * time.Second}
	if got := o.PlannedRequests(); got != 60 {
		t.Errorf("got %d planned requests, want 60: 20 starts of at most 3 request steps", got)
	}
	if got := o.plannedStarts(); got != 20 {
		t.Errorf("got %d planned starts, want 20", got)
	}
}

// TestFlowHTTP2Cleartext runs a flow over the standard transport (h2c): the cookie jar and
// extraction work there as over the engine's HTTP/1.1 transport.
func TestFlowHTTP2Cleartext(t *testing.T) {
	t.Parallel()
	var h2, cookies atomic.Uint64
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.ProtoMajor == 2 {
			h2.Add(1)
		}
		if r.URL.Path == "/login" {
			http.SetCookie(w, &http.Cookie{Name: "s", Value: "v", Path: "/"})
			_, _ = io.WriteString(w, `{"id": 42}`)
			return
		}
		if c, err := r.Cookie("s"); err == nil && c.Value == "v" && r.URL.Path == "/me/42" {
			cookies.Add(1)
		}
	}))
	srv.Config.Protocols = new(http.Protocols)
	srv.Config.Protocols.SetHTTP1(true)
	srv.Config.Protocols.SetUnencryptedHTTP2(true)
	srv.Start()
	defer srv.Close()
	src := "flows:\n  - name: h\n    steps: [{name: login, path: /login, extract: {id: {json: $.id}}}, {name: me, path: '/me/{{ id }}'}]\n"
	r := runFlowYAML(t, src, srv.URL, Options{MaxRequests: 10, HTTP2: true, MaxSessions: 2})
	if r.IterationsCompleted != 10 || h2.Load() != 20 || cookies.Load() != 10 {
		t.Errorf("completed %d, HTTP/2 requests %d, cookie sent back %d times; want 10, 20 and 10", r.IterationsCompleted, h2.Load(), cookies.Load())
	}
}

// TestFlowShardsAddUpToTheWholeRun runs the same flows scenario whole and in 3 shards: the
// shards' iterations are the whole run's, flow for flow and with the same {{ counter }}
// values, and their sessions add up to max_sessions.
func TestFlowShardsAddUpToTheWholeRun(t *testing.T) {
	const src = `
name: shards
rate: 60/s
duration: 1s
max_sessions: 7
flows:
  - name: a
    weight: 2
    steps:
      - name: one
        path: /a/{{ counter }}
  - name: b
    steps:
      - name: one
        path: /b/{{ counter }}
`
	var mu sync.Mutex
	seen := map[string]int{}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		seen[r.URL.Path]++
		mu.Unlock()
	}))
	defer srv.Close()
	run := func(s Shard) (*results.Result, map[string]int) {
		mu.Lock()
		clear(seen)
		mu.Unlock()
		r := runFlowYAML(t, src, srv.URL, Options{RatePerSec: 60, Duration: time.Second, Shard: s})
		mu.Lock()
		defer mu.Unlock()
		return r, maps.Clone(seen)
	}
	whole, wholePaths := run(Shard{})
	union := map[string]int{}
	var iterations uint64
	sessions := 0
	for i := range 3 {
		r, paths := run(Shard{Index: i, Count: 3})
		iterations += r.Iterations
		sessions += r.Connections
		for p, n := range paths {
			union[p] += n
		}
		if r.Shard == nil || r.Shard.Index != i || r.Shard.Count != 3 {
			t.Errorf("shard %d: result records shard %+v", i, r.Shard)
		}
	}
	if iterations != whole.Iterations || whole.Iterations != 60 {
		t.Errorf("shards ran %d iterations, the whole run %d, want 60 each", iterations, whole.Iterations)
	}
	if !maps.Equal(union, wholePaths) {
		t.Errorf("the shards sent %v, the whole run %v", union, wholePaths)
	}
	if sessions != 7 {
		t.Errorf("the shards' sessions add up to %d, want max_sessions 7", sessions)
	}
}
