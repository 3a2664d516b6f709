package engine

import (
	"context"
	"errors"
	"net"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"

	"github.com/loadtestdev/loadtest/results"
	vegeta "github.com/tsenart/vegeta/v12/lib"
)

// fakeTargeter cycles through its URLs, one name per URL.
type fakeTargeter struct {
	names []string
	urls  []string
	n     atomic.Uint64
	err   error // returned from the first call on when set
}

func newFake(base string, paths ...string) *fakeTargeter {
	f := &fakeTargeter{}
	for _, p := range paths {
		f.names = append(f.names, "GET "+p)
		f.urls = append(f.urls, base+p)
	}
	return f
}

func (f *fakeTargeter) Names() []string { return f.names }

func (f *fakeTargeter) Next(tgt *vegeta.Target) (int, error) {
	if f.err != nil {
		return 0, f.err
	}
	i := int((f.n.Add(1) - 1) % uint64(len(f.urls)))
	tgt.Method, tgt.URL = "GET", f.urls[i]
	return i, nil
}

// countingServer counts the requests it receives and answers "ok".
type countingServer struct {
	*httptest.Server
	count atomic.Uint64
}

func newCountingServer(t *testing.T, h http.HandlerFunc) *countingServer {
	t.Helper()
	cs := &countingServer{}
	cs.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		cs.count.Add(1)
		if h != nil {
			h(w, r)
			return
		}
		_, _ = w.Write([]byte("ok"))
	}))
	t.Cleanup(cs.Close)
	return cs
}

func TestRunConstantRateCountsAndRate(t *testing.T) {
	t.Parallel()
	cs := newCountingServer(t, func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/fail" {
			http.Error(w, "no", http.StatusInternalServerError)
			return
		}
		_, _ = w.Write([]byte("hello"))
	})
	f := newFake(cs.URL, "/a", "/b", "/fail")
	// 600 hits at 200/s (3 s); the duration is only a generous bound, so that a loaded
	// machine cannot cut the count
	r, err := Run(context.Background(), Options{
		Targeter: f, Scenario: "test", Target: cs.URL, RatePerSec: 200, Duration: 30 * time.Second, MaxRequests: 600,
		Connections: 10, Seed: 7,
	})
	if err != nil {
		t.Fatal(err)
	}
	if got, want := r.Requests, cs.count.Load(); got != want {
		t.Errorf("requests = %d, server received %d, want equal", got, want)
	}
	if r.Requests != 600 || r.Planned != 600 || r.Sent != 600 {
		t.Errorf("requests %d planned %d sent %d, want 600 each", r.Requests, r.Planned, r.Sent)
	}
	if r.Successes != 400 || r.StatusCodes["200"] != 400 || r.StatusCodes["500"] != 200 {
		t.Errorf("successes %d, status codes %v, want 400 and {200:400 500:200}", r.Successes, r.StatusCodes)
	}
	if len(r.Errors) != 1 || r.Errors[0].Class != "http 500" || r.Errors[0].Count != 200 {
		t.Errorf("errors = %+v, want one class http 500 × 200", r.Errors)
	}
	if r.BytesIn != 400*5+200*3 { // "hello" and "no\n"
		t.Errorf("bytes in = %d, want %d", r.BytesIn, 400*5+200*3)
	}
	checkConsistent(t, r)
	for _, name := range f.names {
		if got := r.ByRequest[name].Requests; got != 200 {
			t.Errorf("by_request[%q].requests = %d, want 200", name, got)
		}
	}
	if r.ByRequest["GET /fail"].SuccessRatio != 0 || r.ByRequest["GET /a"].SuccessRatio != 1 {
		t.Errorf("success ratios /fail %v /a %v, want 0 and 1", r.ByRequest["GET /fail"].SuccessRatio, r.ByRequest["GET /a"].SuccessRatio)
	}
	if r.Scenario != "test" || r.Target != cs.URL || r.RateAsked != 200 || r.Connections != 10 || r.Seed != 7 || r.Schema != results.Schema {
		t.Errorf("header fields = %q %q %v %d %d %q", r.Scenario, r.Target, r.RateAsked, r.Connections, r.Seed, r.Schema)
	}
}

// checkConsistent checks what must hold in every result: the timeline and the histograms add
// up to the request count, and the summaries are ordered.
func checkConsistent(t *testing.T, r *results.Result) {
	t.Helper()
	var sum, succ uint64
	for i, s := range r.Timeline {
		sum += s.Requests
		succ += s.Successes
		if i > 0 && s.Unix != r.Timeline[i-1].Unix+1 {
			t.Errorf("timeline second %d follows %d, want consecutive seconds", s.Unix, r.Timeline[i-1].Unix)
		}
	}
	if sum != r.Requests || succ != r.Successes {
		t.Errorf("timeline sums %d requests %d successes, want %d and %d", sum, succ, r.Requests, r.Successes)
	}
	for _, enc := range []string{r.Histograms.Latency, r.Histograms.ServiceTime} {
		h, err := results.DecodeHistogram(enc)
		if err != nil {
			t.Fatal(err)
		}
		if uint64(h.TotalCount()) != r.Requests {
			t.Errorf("histogram holds %d values, want %d", h.TotalCount(), r.Requests)
		}
	}
	var byName uint64
	for _, rs := range r.ByRequest {
		byName += rs.Requests
	}
	if byName != r.Requests {
		t.Errorf("by_request sums to %d, want %d", byName, r.Requests)
	}
	l := r.LatencyMS
	if !(l.Min <= l.P50 && l.P50 <= l.P99 && l.P99 <= l.Max) {
		t.Errorf("latency summary out of order: %+v", l)
	}
	if r.LatencyMS.P50 < r.ServiceTimeMS.P50 {
		t.Errorf("latency p50 %v < service time p50 %v, want latency ≥ service time", r.LatencyMS.P50, r.ServiceTimeMS.P50)
	}
}

func TestRunStagesRise(t *testing.T) {
	t.Parallel()
	cs := newCountingServer(t, nil)
	// 0→200/s over 1 s (100 hits) then 200/s for 1 s (200 hits); the shape of the ramp is the
	// pacer's schedule (TestStagesPacerQuarters), the run must send all of it and no more
	r, err := Run(context.Background(), Options{
		Targeter: newFake(cs.URL, "/"), Stages: []Stage{{time.Second, 200}, {time.Second, 200}}, Connections: 10,
		MaxRequests: 300,
	})
	if err != nil {
		t.Fatal(err)
	}
	// all of it, or (a loaded machine: the run stops at its duration with hits still due) a
	// shortfall the result declares; never more, never a silent one
	if r.Planned != 300 || r.Requests == 0 || r.Requests > 300 || cs.count.Load() != r.Requests || r.Sent != r.Requests {
		t.Fatalf("requests %d, sent %d, server %d, planned %d, want 300 planned and the requests sent, counted by the server",
			r.Requests, r.Sent, cs.count.Load(), r.Planned)
	}
	if r.Requests < 300 {
		w, ok := results.NotSentWarning(r.Planned, r.Sent, r.DurationS)
		found := false
		for _, got := range r.Warnings {
			found = found || ok && got.Code == w.Code && got.Values["requests"] == w.Values["requests"]
		}
		if !found {
			t.Fatalf("%d of 300 requests sent, warnings %+v: want a not_sent warning for the %d missing", r.Requests, r.Warnings, 300-r.Requests)
		}
		t.Logf("a loaded machine: %d of the 300 hits were still due at the end of the stages (not_sent)", 300-r.Requests)
	}
	if len(r.Stages) != 2 || r.Stages[1].RatePerSec != 200 {
		t.Errorf("result stages = %+v, want the two stages", r.Stages)
	}
	checkConsistent(t, r)
}

func TestRunCoordinatedOmission(t *testing.T) {
	// the server stalls once, for 500 ms, about 1 s into a steady 200/s run: every request
	// arriving meanwhile waits for the stall to end
	var stallUntil atomic.Int64
	cs := newCountingServer(t, func(w http.ResponseWriter, r *http.Request) {
		if until := stallUntil.Load(); until != 0 {
			time.Sleep(time.Until(time.Unix(0, until)))
		}
	})
	var n atomic.Int64
	base := cs.Config.Handler
	cs.Config.Handler = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if n.Add(1) == 200 {
			stallUntil.Store(time.Now().Add(500 * time.Millisecond).UnixNano())
		}
		base.ServeHTTP(w, r)
	})
	r, err := Run(context.Background(), Options{
		Targeter: newFake(cs.URL, "/"), RatePerSec: 200, Duration: 2 * time.Second, Connections: 2,
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("latency p99 %.1f ms, service time p99 %.1f ms", r.LatencyMS.P99, r.ServiceTimeMS.P99)
	if r.LatencyMS.P99 < 400 {
		t.Errorf("latency p99 = %.1f ms, want ≥ 400 ms (the stall)", r.LatencyMS.P99)
	}
	if r.ServiceTimeMS.P99 >= 400 {
		t.Errorf("service time p99 = %.1f ms, want < 400 ms (vegeta's view hides the stall)", r.ServiceTimeMS.P99)
	}
	if r.Requests != cs.count.Load() {
		t.Errorf("requests = %d, server received %d", r.Requests, cs.count.Load())
	}
	if len(r.Warnings) == 0 || r.Warnings[0].Code != "behind_schedule" {
		t.Errorf("warnings = %+v, want behind_schedule", r.Warnings)
	} else if c := r.Warnings[0].Values["cause"]; c != BehindConnections {
		t.Errorf("behind_schedule cause %v (%s), want %d: both connections were held by the stall", c, r.Warnings[0].Message, BehindConnections)
	}
	checkConsistent(t, r)
}

func TestRunDelayLowerBound(t *testing.T) {
	t.Parallel()
	// every answer takes at least 20 ms, so both views of latency must be at least that: a
	// lower bound the server guarantees, not a speed the machine must reach
	cs := newCountingServer(t, func(w http.ResponseWriter, r *http.Request) { time.Sleep(20 * time.Millisecond) })
	r, err := Run(context.Background(), Options{Targeter: newFake(cs.URL, "/delay"), RatePerSec: 100, Duration: 30 * time.Second,
		MaxRequests: 50, Connections: 10})
	if err != nil {
		t.Fatal(err)
	}
	if r.Requests != 50 {
		t.Fatalf("requests = %d, want 50", r.Requests)
	}
	if r.ServiceTimeMS.Min < 20 || r.LatencyMS.P50 < r.ServiceTimeMS.P50 {
		t.Errorf("service time min %.2f ms, latency p50 %.2f ms, service p50 %.2f ms; want min ≥ 20 and latency ≥ service",
			r.ServiceTimeMS.Min, r.LatencyMS.P50, r.ServiceTimeMS.P50)
	}
}

func TestRunDeadTarget(t *testing.T) {
	t.Parallel()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	url := "http://" + ln.Addr().String()
	ln.Close()
	r, err := Run(context.Background(), Options{Targeter: newFake(url, "/"), RatePerSec: 100, Duration: 30 * time.Second, MaxRequests: 50})
	if err != nil {
		t.Fatal(err)
	}
	if r.Requests != 50 || r.Successes != 0 {
		t.Errorf("requests %d successes %d, want 50 and 0", r.Requests, r.Successes)
	}
	if len(r.Errors) != 1 || r.Errors[0].Class != ClassRefused || r.Errors[0].Count != 50 {
		t.Errorf("errors = %+v, want connection refused × 50", r.Errors)
	}
	if r.StatusCodes["0"] != 50 {
		t.Errorf("status codes = %v, want 0 × 50", r.StatusCodes)
	}
	checkConsistent(t, r)
}

func TestRunInterrupted(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	// the server cancels the run when the 70th request reaches it
	cs := newCountingServer(t, nil)
	base := cs.Config.Handler
	var n atomic.Int64
	cs.Config.Handler = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if n.Add(1) == 70 {
			cancel()
		}
		base.ServeHTTP(w, r)
	})
	r, err := Run(ctx, Options{Targeter: newFake(cs.URL, "/"), RatePerSec: 100, Duration: 10 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	if !r.Interrupted {
		t.Error("result not marked interrupted")
	}
	if r.Requests < 70 || r.Requests >= r.Planned || r.Planned != 1000 {
		t.Errorf("requests = %d of %d planned, want at least 70 and fewer than 1000", r.Requests, r.Planned)
	}
	if r.Requests != cs.count.Load() || r.Sent != r.Requests {
		t.Errorf("requests = %d, sent %d, server received %d, want equal", r.Requests, r.Sent, cs.count.Load())
	}
	for _, w := range r.Warnings {
		if w.Code == "not_sent" {
			t.Errorf("interrupted run warns %q, want no not_sent warning (the interruption says why)", w.Message)
		}
	}
	checkConsistent(t, r)
}

func TestRunNotStartedWhenCancelled(t *testing.T) {
	t.Parallel()
	cs := newCountingServer(t, nil)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	r, err := Run(ctx, Options{Targeter: newFake(cs.URL, "/"), RatePerSec: 100, Duration: 10 * time.Second})
	if !errors.Is(err, context.Canceled) || r != nil || cs.count.Load() != 0 {
		t.Errorf("Run = %v, %v with %d requests received; want context.Canceled, no result, none sent", r, err, cs.count.Load())
	}
}

func TestRunOnSecondStops(t *testing.T) {
	t.Parallel()
	cs := newCountingServer(t, nil)
	errAbort := errors.New("abort")
	var calls int
	r, err := Run(context.Background(), Options{
		Targeter: newFake(cs.URL, "/"), RatePerSec: 50, Duration: 10 * time.Second,
		OnSecond: func(p Progress) error {
			calls++
			if p.Duration != 10*time.Second || p.Requests == 0 || p.RatePerSec <= 0 {
				t.Errorf("progress = %+v, want duration 10s and requests counted", p)
			}
			if calls == 2 {
				return errAbort
			}
			return nil
		},
	})
	if !errors.Is(err, errAbort) {
		t.Fatalf("err = %v, want the OnSecond error", err)
	}
	if r == nil || r.Requests == 0 || r.Requests >= r.Planned || r.Requests != cs.count.Load() {
		t.Errorf("result after abort: %d requests of %d planned, server %d, want some, fewer than planned, and equal",
			r.Requests, r.Planned, cs.count.Load())
	}
	if calls != 2 {
		t.Errorf("OnSecond called %d times, want 2 (the run stops at the error)", calls)
	}
}

func TestRunMaxRateAndLimit(t *testing.T) {
	cs := newCountingServer(t, nil)
	r, err := Run(context.Background(), Options{Targeter: newFake(cs.URL, "/x", "/y"), MaxRequests: 500, Connections: 4})
	if err != nil {
		t.Fatal(err)
	}
	if r.Requests != 500 || cs.count.Load() != 500 || r.Successes != 500 {
		t.Errorf("requests %d server %d successes %d, want 500", r.Requests, cs.count.Load(), r.Successes)
	}
	if r.LatencyMS != r.ServiceTimeMS {
		t.Errorf("at max rate latency %+v != service time %+v, want equal", r.LatencyMS, r.ServiceTimeMS)
	}
	checkConsistent(t, r)
}

// TestRunUnbuiltHitIsAFailedRequest: a hit the targeter cannot render is a failed request of
// class build naming the request and the cause, never sent; the run goes on.
func TestRunUnbuiltHitIsAFailedRequest(t *testing.T) {
	cs := newCountingServer(t, nil)
	f := newFake(cs.URL, "/")
	f.err = errors.New(`scenarios: variable uid is "x", not an integer`)
	r, err := Run(context.Background(), Options{Targeter: f, RatePerSec: 200, Duration: time.Second, MaxRequests: 20})
	if err != nil {
		t.Fatalf("Run: %v, want no error", err)
	}
	checkConsistent(t, r)
	if r.Requests != 20 || r.Successes != 0 || cs.count.Load() != 0 {
		t.Fatalf("got %d requests %d successes, server saw %d; want 20, 0, 0", r.Requests, r.Successes, cs.count.Load())
	}
	e := r.ByRequest["GET /"].Errors
	want := `request GET /: cannot build the request: scenarios: variable uid is "x", not an integer`
	if len(e) != 1 || e[0].Class != ClassBuild || e[0].Count != 20 || e[0].Message != want {
		t.Errorf("got errors %+v, want 20 of class build saying %q", e, want)
	}
}

func TestRunBadOptions(t *testing.T) {
	if _, err := Run(context.Background(), Options{}); !errors.Is(err, ErrNoTargeter) {
		t.Errorf("Run without targeter: err = %v, want ErrNoTargeter", err)
	}
	if _, err := Run(context.Background(), Options{Targeter: newFake("http://x", "/"), RatePerSec: -1}); err == nil {
		t.Error("Run with a negative rate: want an error")
	}
	// The engine's bound is the scenario parser's, in the parser's words.
	_, err := Run(context.Background(), Options{Targeter: newFake("http://x", "/"), Connections: 1_000_001})
	if want := "engine: connections 1000001 is out of range, want 1 to 1000000"; err == nil || err.Error() != want {
		t.Errorf("Run with 1000001 connections: err = %v, want %q", err, want)
	}
}

func TestRunHTTP2Cleartext(t *testing.T) {
	var h2 atomic.Uint64
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.ProtoMajor == 2 {
			h2.Add(1)
		}
	}))
	srv.Config.Protocols = new(http.Protocols)
	srv.Config.Protocols.SetHTTP1(true)
	srv.Config.Protocols.SetUnencryptedHTTP2(true)
	srv.Start()
	defer srv.Close()
	r, err := Run(context.Background(), Options{Targeter: newFake(srv.URL, "/"), MaxRequests: 20, Connections: 2, HTTP2: true})
	if err != nil {
		t.Fatal(err)
	}
	if r.Successes != 20 || h2.Load() != 20 {
		t.Errorf("successes %d, HTTP/2 requests %d, want 20 and 20", r.Successes, h2.Load())
	}
}
