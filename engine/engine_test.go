package engine

import (
	"context"
	"errors"
	"math"
	"net"
	"net/http"
	"net/http/httptest"
	"sync"
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
	r, err := Run(context.Background(), Options{
		Targeter: f, Scenario: "test", Target: cs.URL, RatePerSec: 200, Duration: 3 * time.Second, Connections: 10, Seed: 7,
	})
	if err != nil {
		t.Fatal(err)
	}
	if got, want := r.Requests, cs.count.Load(); got != want {
		t.Errorf("requests = %d, server received %d, want equal", got, want)
	}
	if r.Requests != 600 {
		t.Errorf("requests = %d, want 600 (200/s for 3 s)", r.Requests)
	}
	if math.Abs(r.Rate-200)/200 > 0.02 {
		t.Errorf("achieved rate = %.2f/s, want within 2%% of 200/s", r.Rate)
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
	var mu sync.Mutex
	var arrivals []time.Time
	cs := newCountingServer(t, func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		arrivals = append(arrivals, time.Now())
		mu.Unlock()
	})
	// 0→200/s over 1 s (100 hits) then 200/s for 1 s (200 hits)
	start := time.Now()
	r, err := Run(context.Background(), Options{
		Targeter: newFake(cs.URL, "/"), Stages: []Stage{{time.Second, 200}, {time.Second, 200}}, Connections: 10,
	})
	if err != nil {
		t.Fatal(err)
	}
	if r.Requests != 300 || cs.count.Load() != 300 {
		t.Fatalf("requests %d, server %d, want 300", r.Requests, cs.count.Load())
	}
	var quarter [8]int // arrivals per 250 ms
	for _, a := range arrivals {
		if q := int(a.Sub(start) / (250 * time.Millisecond)); q < len(quarter) {
			quarter[q]++
		}
	}
	// closed form: N(t) = 100t² in the ramp → 6.25, 18.75, 31.25, 43.75 per quarter, then 50
	want := []float64{6.25, 18.75, 31.25, 43.75, 50, 50, 50, 50}
	for i, w := range want {
		if math.Abs(float64(quarter[i])-w) > 6 {
			t.Errorf("quarter %d got %d arrivals, want %.2f ± 6 (all: %v)", i, quarter[i], w, quarter)
		}
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
	}
	checkConsistent(t, r)
}

func TestRunDelayMedian(t *testing.T) {
	cs := newCountingServer(t, func(w http.ResponseWriter, r *http.Request) { time.Sleep(20 * time.Millisecond) })
	r, err := Run(context.Background(), Options{Targeter: newFake(cs.URL, "/delay"), RatePerSec: 100, Duration: time.Second, Connections: 10})
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("latency p50 %.2f ms, service time p50 %.2f ms", r.LatencyMS.P50, r.ServiceTimeMS.P50)
	if p50 := r.LatencyMS.P50; p50 < 20 || p50 > 25 {
		t.Errorf("latency p50 = %.2f ms, want within 20–25 ms", p50)
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
	r, err := Run(context.Background(), Options{Targeter: newFake(url, "/"), RatePerSec: 100, Duration: 500 * time.Millisecond})
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
	cs := newCountingServer(t, nil)
	ctx, cancel := context.WithCancel(context.Background())
	time.AfterFunc(700*time.Millisecond, cancel)
	r, err := Run(ctx, Options{Targeter: newFake(cs.URL, "/"), RatePerSec: 100, Duration: 10 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	if !r.Interrupted {
		t.Error("result not marked interrupted")
	}
	if r.Requests < 50 || r.Requests > 90 {
		t.Errorf("requests = %d, want about 70 (100/s for 0.7 s)", r.Requests)
	}
	if r.Requests != cs.count.Load() {
		t.Errorf("requests = %d, server received %d, want equal", r.Requests, cs.count.Load())
	}
	checkConsistent(t, r)
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
	if r == nil || r.Requests < 80 || r.Requests > 130 || r.Requests != cs.count.Load() {
		t.Errorf("result after abort: %d requests, server %d, want about 100 and equal", r.Requests, cs.count.Load())
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

func TestRunTargeterError(t *testing.T) {
	cs := newCountingServer(t, nil)
	f := newFake(cs.URL, "/")
	f.err = errors.New("feeder exhausted")
	r, err := Run(context.Background(), Options{Targeter: f, RatePerSec: 100, Duration: time.Second})
	if err == nil || r == nil || r.Requests != 0 {
		t.Errorf("Run = %v, %v; want the targeter's error and an empty result", r, err)
	}
}

func TestRunBadOptions(t *testing.T) {
	if _, err := Run(context.Background(), Options{}); !errors.Is(err, ErrNoTargeter) {
		t.Errorf("Run without targeter: err = %v, want ErrNoTargeter", err)
	}
	if _, err := Run(context.Background(), Options{Targeter: newFake("http://x", "/"), RatePerSec: -1}); err == nil {
		t.Error("Run with a negative rate: want an error")
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
