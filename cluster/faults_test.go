package cluster

import (
	"encoding/json"
	"maps"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/loadtestdev/loadtest/results"
)

// TestIntervalAppliedAllOrNothing: an interval whose latency histogram is good and whose
// service-time histogram is corrupt is refused whole (400, nothing applied), so that resending
// the good interval counts it once: requests and both histograms agree.
func TestIntervalAppliedAllOrNothing(t *testing.T) {
	tests := []struct {
		name  string
		spoil func(*IntervalRequest)
	}{
		{"service time", func(r *IntervalRequest) { r.Figures.Histograms.ServiceTime = "not-a-histogram" }},
		{"request service time", func(r *IntervalRequest) {
			r.Figures.ByRequest["GET /"].Histograms.ServiceTime = "not-a-histogram"
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, addr := startCoordinator(t, CoordinatorOptions{Count: 1, StartDelay: time.Millisecond})
			s := &rawShard{t: t, base: "http://" + addr}
			s.post(PathJoin, joinRequest(0, 1), http.StatusOK)
			s.post(PathReady, ReadyRequest{Index: 0}, http.StatusOK)
			s.post(PathInterval, IntervalRequest{Index: 0, Seq: 1, Figures: namedFigures(t, 700)}, http.StatusOK)
			bad := IntervalRequest{Index: 0, Seq: 2, Base: 1, Figures: namedFigures(t, 300)}
			tt.spoil(&bad)
			if body := s.post(PathInterval, bad, http.StatusBadRequest); !strings.Contains(body, "service time") {
				t.Errorf("got %s, want the refusal to name the service-time histogram", body)
			}
			body := s.post(PathInterval, IntervalRequest{Index: 0, Seq: 3, Base: 1, Figures: namedFigures(t, 300)}, http.StatusOK)
			var resp IntervalResponse
			if err := json.Unmarshal([]byte(body), &resp); err != nil || resp.Applied != 3 {
				t.Fatalf("got %s (%v), want applied 3", body, err)
			}
			r, err := c.Snapshot()
			if err != nil {
				t.Fatal(err)
			}
			c.mu.Lock()
			sum := c.shards[0].sum.figures
			c.mu.Unlock()
			for _, got := range []struct {
				what string
				n    int64
			}{
				{"run requests", int64(r.Requests)}, {"run latency histogram", histCount(t, r.Histograms.Latency)},
				{"run service-time histogram", histCount(t, r.Histograms.ServiceTime)},
				{"run GET / service-time histogram", histCount(t, r.ByRequest["GET /"].Histograms.ServiceTime)},
				{"shard requests", int64(sum.requests)}, {"shard latency histogram", sum.lat.TotalCount()},
				{"shard service-time histogram", sum.svc.TotalCount()},
			} {
				if got.n != 1000 {
					t.Errorf("%s: got %d, want 1000 (700 + 300, the refused interval applied nowhere)", got.what, got.n)
				}
			}
		})
	}
}

// namedFigures is fakeFigures with its requests under one name, "GET /".
func namedFigures(t *testing.T, n int) *results.Result {
	f := fakeFigures(t, n)
	f.ByRequest = map[string]*results.RequestStats{"GET /": {Requests: f.Requests, Successes: f.Successes,
		StatusCodes: maps.Clone(f.StatusCodes), Histograms: f.Histograms}}
	return f
}

func histCount(t *testing.T, enc string) int64 {
	t.Helper()
	h, err := results.DecodeHistogram(enc)
	if err != nil {
		t.Fatal(err)
	}
	return h.TotalCount()
}
