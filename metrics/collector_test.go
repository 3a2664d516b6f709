package metrics

import (
	"bytes"
	"errors"
	"math"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"slices"
	"testing"

	hdrhistogram "github.com/HdrHistogram/hdrhistogram-go"
	dto "github.com/prometheus/client_model/go"

	"github.com/loadtestdev/loadtest/internal/golden"
	"github.com/loadtestdev/loadtest/results"
)

func gather(t *testing.T, e *Exporter) []*dto.MetricFamily {
	t.Helper()
	fams, err := e.Registry().Gather()
	if err != nil {
		t.Fatal(err)
	}
	return fams
}

func TestCountersEqualTheResult(t *testing.T) {
	e := New(Options{})
	e.Final(handBuilt(t))
	fams := gather(t, e)
	tests := []struct {
		name   string
		family string
		labels map[string]string
		want   float64
	}{
		{"login 200", "loadtest_requests_total", map[string]string{"scenario": "shop", "request": "login", "code": "200"}, 10},
		{"login 500", "loadtest_requests_total", map[string]string{"request": "login", "code": "500"}, 2},
		{"search no response", "loadtest_requests_total", map[string]string{"request": "search", "code": "0"}, 1},
		{"login errors", "loadtest_errors_total", map[string]string{"scenario": "shop", "request": "login", "class": "http 500"}, 2},
		{"search timeouts", "loadtest_errors_total", map[string]string{"request": "search", "class": "timeout"}, 1},
		{"dropped", "loadtest_dropped_iterations_total", nil, 7},
		{"check passes", "loadtest_checks_total", map[string]string{"flow": "shop", "step": "login", "check": "status 200", "result": "pass"}, 3},
		{"check fails", "loadtest_checks_total", map[string]string{"flow": "shop", "step": "login", "check": "status 200", "result": "fail"}, 1},
		{"check never failed", "loadtest_checks_total", map[string]string{"step": "search", "check": "has items", "result": "fail"}, 0},
		{"run info", "loadtest_run_info", map[string]string{"scenario": "shop", "target": "http://127.0.0.1:9000", "version": "v9.9.9", "seed": "42"}, 1},
		{"rate after the run", "loadtest_rate_target", nil, 0},
		{"in flight after the run", "loadtest_in_flight", nil, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := find(t, family(t, fams, tt.family), tt.labels)
			got := m.GetCounter().GetValue() + m.GetGauge().GetValue()
			if got != tt.want {
				t.Errorf("got %v, want %v", got, tt.want)
			}
		})
	}
	var sum float64
	for _, m := range family(t, fams, "loadtest_requests_total").GetMetric() {
		sum += m.GetCounter().GetValue()
	}
	if sum != 15 {
		t.Errorf("sum of loadtest_requests_total: got %v, want the result's 15 requests", sum)
	}
}

func TestClassicBucketsFromTheHdrHistogram(t *testing.T) {
	e := New(Options{})
	e.Final(handBuilt(t))
	fams := gather(t, e)
	tests := []struct {
		name    string
		family  string
		labels  map[string]string
		count   uint64
		sumS    float64
		buckets map[float64]uint64 // le → cumulative count; bounds not listed are checked by monotony
	}{
		{
			name: "login latency", family: "loadtest_request_duration_seconds",
			labels: map[string]string{"request": "login", "kind": "latency"}, count: 12,
			// 50 ×3, 100 ×2, 300 ×4, 5000, 70 000 (69 984 median-equivalent), 2 000 000 (2 000 384)
			sumS:    (150 + 200 + 1200 + 5002 + 69_984 + 2_000_384) / 1e6,
			buckets: map[float64]uint64{0.0001: 5, 0.00025: 5, 0.0005: 9, 0.0025: 9, 0.005: 10, 0.05: 10, 0.1: 11, 1: 11, 2.5: 12, 60: 12},
		},
		{
			name: "login service time", family: "loadtest_request_duration_seconds",
			labels: map[string]string{"request": "login", "kind": "service_time"}, count: 12,
			buckets: map[float64]uint64{0.0001: 5, 0.00025: 9, 0.0025: 10, 0.005: 10, 0.05: 11, 1: 12},
		},
		{
			name: "search latency", family: "loadtest_request_duration_seconds",
			labels: map[string]string{"request": "search", "kind": "latency"}, count: 3,
			buckets: map[float64]uint64{0.0005: 0, 0.001: 2, 25: 2, 60: 3},
		},
		{
			name: "shop iterations", family: "loadtest_iteration_duration_seconds",
			labels: map[string]string{"flow": "shop"}, count: 3,
			buckets: map[float64]uint64{1: 0, 2.5: 2, 5: 3},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := find(t, family(t, fams, tt.family), tt.labels).GetHistogram()
			if h.GetSampleCount() != tt.count {
				t.Errorf("count: got %d, want %d", h.GetSampleCount(), tt.count)
			}
			if tt.sumS != 0 && math.Abs(h.GetSampleSum()-tt.sumS) > 1e-9 {
				t.Errorf("sum: got %v s, want %v s", h.GetSampleSum(), tt.sumS)
			}
			if len(h.GetBucket()) != len(BucketBoundsMicros) {
				t.Fatalf("got %d classic buckets, want %d", len(h.GetBucket()), len(BucketBoundsMicros))
			}
			var prev uint64
			for _, b := range h.GetBucket() {
				if b.GetCumulativeCount() < prev || b.GetCumulativeCount() > tt.count {
					t.Errorf("le=%v: count %d is not between the previous bucket's %d and the total %d", b.GetUpperBound(), b.GetCumulativeCount(), prev, tt.count)
				}
				prev = b.GetCumulativeCount()
				if want, ok := tt.buckets[b.GetUpperBound()]; ok && b.GetCumulativeCount() != want {
					t.Errorf("le=%v: got %d, want %d", b.GetUpperBound(), b.GetCumulativeCount(), want)
				}
			}
		})
	}
}

// nativeCounts expands a native histogram's spans and deltas into index → count.
func nativeCounts(h *dto.Histogram) map[int]int64 {
	out := map[int]int64{}
	idx, d := int32(0), 0
	var count int64
	for _, s := range h.GetPositiveSpan() {
		idx += s.GetOffset()
		for range s.GetLength() {
			count += h.GetPositiveDelta()[d]
			d++
			if count != 0 {
				out[int(idx)] = count
			}
			idx++
		}
	}
	return out
}

func TestNativeBucketsHoldEachValue(t *testing.T) {
	e := New(Options{})
	e.Final(handBuilt(t))
	h := find(t, family(t, gather(t, e), "loadtest_request_duration_seconds"), map[string]string{"request": "search", "kind": "latency"}).GetHistogram()
	if h.GetSchema() != NativeSchema {
		t.Fatalf("schema: got %d, want %d", h.GetSchema(), NativeSchema)
	}
	got := nativeCounts(h)
	// 800 µs, 900 µs and 30 s (29 999 104 µs, its HdrHistogram bar's lowest value)
	want := map[int]int64{nativeIndex(0.0008): 1, nativeIndex(0.0009): 1, nativeIndex(29.999104): 1}
	if len(got) != len(want) {
		t.Fatalf("native buckets: got %v, want %v", got, want)
	}
	for i, n := range want {
		if got[i] != n {
			t.Errorf("native bucket %d: got %d, want %d (all: %v)", i, got[i], n, got)
		}
	}
}

func TestNativeIndex(t *testing.T) {
	tests := []struct {
		name string
		v    float64
		want int
	}{
		{"one", 1, 0},
		{"two is the top of bucket 8", 2, 8},
		{"just over one", 1.05, 1},
		{"a half", 0.5, -8},
		{"just over a half", 0.51, -7},
		{"100 µs", 0.0001, -106}, // log2(1e-4)·8 = -106.3
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := nativeIndex(tt.v)
			if got != tt.want {
				t.Errorf("got %d, want %d", got, tt.want)
			}
			lo, hi := math.Exp2(float64(got-1)/8), math.Exp2(float64(got)/8)
			if !(lo < tt.v && tt.v <= hi) {
				t.Errorf("bucket %d is (%v, %v], which does not hold %v", got, lo, hi, tt.v)
			}
		})
	}
}

func TestTextExposition(t *testing.T) {
	e := New(Options{Info: RunInfo{Version: "v1.0.0"}})
	e.Final(handBuilt(t))
	srv := httptest.NewServer(e.Handler())
	defer srv.Close()
	resp, err := http.Get(srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var b bytes.Buffer
	if _, err := b.ReadFrom(resp.Body); err != nil {
		t.Fatal(err)
	}
	golden.Assert(t, "testdata/exposition.txt", b.Bytes())
}

func TestSnapshotRenderedOncePerUpdate(t *testing.T) {
	e := New(Options{Info: RunInfo{Scenario: "given"}})
	calls := 0
	r := handBuilt(t)
	e.Update(func() (*results.Result, error) { calls++; return r, nil }, Live{RateTargetPerSec: 100, InFlight: 3})
	if calls != 0 {
		t.Fatalf("Update called the snapshot %d times, want 0 (it is rendered on a scrape)", calls)
	}
	gather(t, e)
	fams := gather(t, e)
	if calls != 1 {
		t.Errorf("two scrapes called the snapshot %d times, want 1", calls)
	}
	if got := find(t, family(t, fams, "loadtest_rate_target"), nil).GetGauge().GetValue(); got != 100 {
		t.Errorf("loadtest_rate_target: got %v, want 100", got)
	}
	if got := find(t, family(t, fams, "loadtest_in_flight"), nil).GetGauge().GetValue(); got != 3 {
		t.Errorf("loadtest_in_flight: got %v, want 3", got)
	}
	find(t, family(t, fams, "loadtest_run_info"), map[string]string{"scenario": "given", "version": "v9.9.9"})
}

func TestFailedSnapshotKeepsThePrevious(t *testing.T) {
	e := New(Options{})
	e.Final(handBuilt(t))
	gather(t, e)
	e.Update(func() (*results.Result, error) { return nil, errors.New("boom") }, Live{InFlight: 1})
	if _, err := e.Registry().Gather(); err == nil {
		t.Error("a failed snapshot gathered no error")
	}
	srv := httptest.NewServer(e.Handler())
	defer srv.Close()
	resp, err := http.Get(srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var b bytes.Buffer
	_, _ = b.ReadFrom(resp.Body)
	if resp.StatusCode != http.StatusOK || !bytes.Contains(b.Bytes(), []byte(`loadtest_requests_total{code="200",request="login",scenario="shop"} 10`)) {
		t.Errorf("after a failed snapshot: status %d, body:\n%s\nwant 200 with the previous snapshot's series", resp.StatusCode, b.String())
	}
}

func TestBeforeTheFirstSnapshot(t *testing.T) {
	e := New(Options{Info: RunInfo{Scenario: "echo", Target: "http://127.0.0.1:1", Version: "dev", Seed: 0, SeedSet: true}})
	fams := gather(t, e)
	find(t, family(t, fams, "loadtest_run_info"), map[string]string{"scenario": "echo", "seed": "0"})
	for _, f := range fams {
		if f.GetName() == "loadtest_requests_total" {
			t.Errorf("loadtest_requests_total before any snapshot: %v", f)
		}
	}
}

// BenchmarkScrape renders a new snapshot of the hand-built result and gathers it, as each
// scrape after an Update does.
func BenchmarkScrape(b *testing.B) {
	t := &testing.T{}
	r := handBuilt(t)
	e := New(Options{})
	for b.Loop() {
		e.Final(r)
		if _, err := e.Registry().Gather(); err != nil {
			b.Fatal(err)
		}
	}
}

// TestEachBarMatchesDistribution checks the walk of the counts against HdrHistogram's own
// Distribution on histograms of many shapes, and the fallback on a histogram of other bounds.
func TestEachBarMatchesDistribution(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	tests := []struct {
		name string
		h    *hdrhistogram.Histogram
		n    int
		max  int64
	}{
		{"empty", results.NewHistogram(), 0, 1},
		{"small values", results.NewHistogram(), 1000, 3000},
		{"spread", results.NewHistogram(), 5000, results.HistogramMaxMicros},
		{"the extremes", results.NewHistogram(), 0, 1},
		{"other bounds", hdrhistogram.New(1, 1_000_000, 2), 2000, 1_000_000},
	}
	_ = tests[3].h.RecordValue(results.HistogramMinMicros)
	_ = tests[3].h.RecordValue(results.HistogramMaxMicros)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for range tt.n {
				// log-uniform values, so that every magnitude gets some
				v := int64(math.Exp(rng.Float64() * math.Log(float64(tt.max))))
				if err := tt.h.RecordValue(max(v, 1)); err != nil {
					t.Fatal(err)
				}
			}
			var want, got [][2]int64
			for _, b := range tt.h.Distribution() {
				if b.Count != 0 {
					want = append(want, [2]int64{b.From, b.Count})
				}
			}
			var sum float64
			eachBar(tt.h, func(from, median, count int64) {
				got = append(got, [2]int64{from, count})
				sum += float64(median) * float64(count)
			})
			if !slices.Equal(got, want) {
				t.Errorf("got %d bars, want %d; first difference in\ngot  %v\nwant %v", len(got), len(want), head(got), head(want))
			}
			if mean := tt.h.Mean() * float64(tt.h.TotalCount()); math.Abs(sum-mean) > 1e-9*max(mean, 1) {
				t.Errorf("sum of the middle values: got %v, want HdrHistogram's mean × count %v", sum, mean)
			}
		})
	}
}

// head is the first bars of a list, for a message.
func head(bars [][2]int64) [][2]int64 { return bars[:min(len(bars), 8)] }
