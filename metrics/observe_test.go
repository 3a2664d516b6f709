package metrics

import (
	"context"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"

	vegeta "github.com/tsenart/vegeta/v12/lib"

	"github.com/loadtestdev/loadtest/engine"
)

// oneURL is a targeter of one request name.
type oneURL struct{ url string }

func (o oneURL) Names() []string { return []string{"ping"} }

func (o oneURL) Next(tgt *vegeta.Target) (int, error) {
	tgt.Method, tgt.URL = http.MethodGet, o.url
	return 0, nil
}

// TestObserveARun exports a real run's progress, then its final result: every scrape's count
// is at most the final, and after Final the exported counts are the result's.
func TestObserveARun(t *testing.T) {
	var served atomic.Uint64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if served.Add(1)%10 == 0 {
			w.WriteHeader(http.StatusTeapot)
		}
	}))
	defer srv.Close()
	e := New(Options{RateTarget: engine.ConstantPacer{RatePerSec: 100}.Rate})
	var seen []float64
	observed := 0
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	r, err := engine.Run(ctx, engine.Options{
		Targeter: oneURL{srv.URL + "/ping"}, Scenario: "t", Target: srv.URL,
		RatePerSec: 100, Duration: 2500 * time.Millisecond, MaxRequests: 250, Connections: 4,
		OnSecond: func(p engine.Progress) error {
			observed++
			if err := e.Observe(p); err != nil {
				return err
			}
			seen = append(seen, requestsTotal(t, e))
			return nil
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	if observed == 0 {
		t.Fatal("the run called OnSecond no time")
	}
	for i, n := range seen {
		if n > float64(r.Requests) || (i > 0 && n < seen[i-1]) {
			t.Errorf("scrape %d saw %v requests (all: %v), want a count that only grows up to the result's %d", i, n, seen, r.Requests)
		}
	}
	e.Final(r)
	fams := gather(t, e)
	if got := requestsTotal(t, e); got != float64(r.Requests) {
		t.Errorf("after Final: loadtest_requests_total sums to %v, want the result's %d", got, r.Requests)
	}
	teapots := find(t, family(t, fams, "loadtest_requests_total"), map[string]string{"code": "418"}).GetCounter().GetValue()
	if teapots != float64(r.StatusCodes["418"]) || teapots == 0 {
		t.Errorf("code 418: got %v, want the result's %d (and some)", teapots, r.StatusCodes["418"])
	}
	h := find(t, family(t, fams, "loadtest_request_duration_seconds"), map[string]string{"kind": "latency"}).GetHistogram()
	if h.GetSampleCount() != r.Requests {
		t.Errorf("latency histogram count: got %d, want %d", h.GetSampleCount(), r.Requests)
	}
}

func requestsTotal(t *testing.T, e *Exporter) float64 {
	t.Helper()
	var sum float64
	for _, f := range gather(t, e) {
		if f.GetName() == "loadtest_requests_total" {
			for _, m := range f.GetMetric() {
				sum += m.GetCounter().GetValue()
			}
		}
	}
	return sum
}
