package metrics

import (
	"testing"
	"time"

	dto "github.com/prometheus/client_model/go"

	"github.com/loadtestdev/loadtest/results"
)

// encodeMicros returns the encoded histogram of the given values in µs.
func encodeMicros(t *testing.T, values ...int64) string {
	t.Helper()
	h := results.NewHistogram()
	for _, v := range values {
		if err := h.RecordValue(v); err != nil {
			t.Fatal(err)
		}
	}
	s, err := results.EncodeHistogram(h)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// handBuilt is a result of two requests and one flow with known figures: request "login"
// has 12 requests (10×200, 2×500, two errors "http 500"), "search" 3 (2×200, one code 0
// "timeout"); the flow "shop" has two checks and three completed iterations.
func handBuilt(t *testing.T) *results.Result {
	t.Helper()
	login := []int64{50, 50, 50, 100, 100, 300, 300, 300, 300, 5000, 70_000, 2_000_000}
	search := []int64{800, 900, 30_000_000}
	return &results.Result{
		Schema: results.Schema, Version: "v9.9.9", Scenario: "shop", Target: "http://127.0.0.1:9000",
		Started: time.Date(2026, 12, 2, 1, 0, 0, 0, time.UTC), Seed: 42,
		Requests: 15, Successes: 12,
		ByRequest: map[string]*results.RequestStats{
			"login": {
				Requests: 12, Successes: 10, StatusCodes: map[string]uint64{"200": 10, "500": 2},
				Errors:     []results.ErrorCount{{Class: "http 500", Message: "500 Internal Server Error", Count: 2}},
				Histograms: results.Histograms{Latency: encodeMicros(t, login...), ServiceTime: encodeMicros(t, halves(login)...)},
			},
			"search": {
				Requests: 3, Successes: 2, StatusCodes: map[string]uint64{"200": 2, "0": 1},
				Errors:     []results.ErrorCount{{Class: "timeout", Message: "context deadline exceeded", Count: 1}},
				Histograms: results.Histograms{Latency: encodeMicros(t, search...), ServiceTime: encodeMicros(t, search...)},
			},
		},
		Iterations: 4, IterationsCompleted: 3, IterationsFailed: 1, DroppedIterations: 7,
		Checks: &results.Checks{Passes: 5, Fails: 1},
		Flows: map[string]*results.FlowStats{
			"shop": {
				Iterations: 4, Completed: 3, Failed: 1, Dropped: 7, Steps: []string{"login", "search"},
				Checks: []results.CheckStats{
					{Name: "status 200", Step: "login", Passes: 3, Fails: 1},
					{Name: "has items", Step: "search", Passes: 2},
				},
				Histograms: results.FlowHistograms{Iteration: encodeMicros(t, 1_500_000, 2_000_000, 3_000_000)},
			},
		},
	}
}

// halves returns each value halved: service times shorter than the latencies.
func halves(values []int64) []int64 {
	out := make([]int64, len(values))
	for i, v := range values {
		out[i] = max(v/2, 1)
	}
	return out
}

// family finds the named family in a Gather's output.
func family(t *testing.T, fams []*dto.MetricFamily, name string) *dto.MetricFamily {
	t.Helper()
	for _, f := range fams {
		if f.GetName() == name {
			return f
		}
	}
	t.Fatalf("no family %s in the exposition", name)
	return nil
}

// labels returns a metric's labels as a map.
func labels(m *dto.Metric) map[string]string {
	out := map[string]string{}
	for _, l := range m.GetLabel() {
		out[l.GetName()] = l.GetValue()
	}
	return out
}

// find returns the metric of f whose labels include want.
func find(t *testing.T, f *dto.MetricFamily, want map[string]string) *dto.Metric {
	t.Helper()
next:
	for _, m := range f.GetMetric() {
		got := labels(m)
		for k, v := range want {
			if got[k] != v {
				continue next
			}
		}
		return m
	}
	t.Fatalf("%s: no series with labels %v", f.GetName(), want)
	return nil
}
