package gate

import (
	"fmt"
	"slices"
	"strings"

	hdrhistogram "github.com/HdrHistogram/hdrhistogram-go"

	"github.com/loadtestdev/loadtest/results"
)

// CheckRequests is the evaluation setup: it checks that every scoped threshold names one of
// the scenario's requests, before the run starts. The error lists the known names.
func CheckRequests(ths []Threshold, requestNames []string) error {
	var unknown []string
	for _, th := range ths {
		if th.Request != "" && !slices.Contains(requestNames, th.Request) {
			unknown = append(unknown, fmt.Sprintf("threshold %q: unknown request %q", th.Expr, th.Request))
		}
	}
	if len(unknown) == 0 {
		return nil
	}
	known := "the scenario has no named requests"
	if len(requestNames) > 0 {
		names := slices.Clone(requestNames)
		slices.Sort(names)
		known = "known: " + strings.Join(names, ", ")
	}
	return fmt.Errorf("%s (%s)", strings.Join(unknown, "; "), known)
}

// Evaluate measures each threshold on r and says whether it holds. Measured values are in the
// metric's Unit: ms, % (errors and success), req/s, or a count. A threshold whose metric has
// no data (a latency or a ratio over zero requests, a request name absent from r) fails,
// marked NoData with a measured value of 0: a gate passes only on evidence.
func Evaluate(r *results.Result, ths []Threshold) []results.ThresholdResult {
	out := make([]results.ThresholdResult, 0, len(ths))
	for _, th := range ths {
		v, ok := Measure(r, th.Scope(), th.Metric)
		tr := results.ThresholdResult{
			Expression: th.Expr,
			Unit:       th.Metric.Unit(),
			Source:     th.Source,
		}
		if ok {
			tr.Measured = displayValue(th.Metric, v)
			tr.Passed = th.Op.Holds(v, th.Value)
		} else {
			tr.NoData = true
		}
		out = append(out, tr)
	}
	return out
}

// AllPassed reports whether every evaluated threshold passed.
func AllPassed(trs []results.ThresholdResult) bool {
	for _, tr := range trs {
		if !tr.Passed {
			return false
		}
	}
	return true
}

// figures is the part of a result (whole run or one request) that metrics are measured on.
type figures struct {
	requests, successes uint64
	rate, throughput    float64
	latency, service    results.Latency
	hists               results.Histograms
}

// figuresOf returns the run's figures, or those of the named request; ok is false when r has
// no request of that name.
func figuresOf(r *results.Result, request string) (figures, bool) {
	if request == "" {
		return figures{r.Requests, r.Successes, r.Rate, r.Throughput, r.LatencyMS, r.ServiceTimeMS, r.Histograms}, true
	}
	s, ok := r.ByRequest[request]
	if !ok || s == nil {
		return figures{}, false
	}
	return figures{s.Requests, s.Successes, s.Rate, s.Throughput, s.LatencyMS, s.ServiceTimeMS, s.Histograms}, true
}

// Measure returns the value of metric m on r (or on its request, step or flow named scope) in
// the metric's base unit: ms, a 0..1 fraction, req/s or a count. ok is false when there is no
// data to measure it on.
func Measure(r *results.Result, scope string, m Metric) (float64, bool) {
	if m.IsFlow() {
		return measureFlow(r, scope, m)
	}
	f, ok := figuresOf(r, scope)
	if !ok {
		return 0, false
	}
	switch m.Kind {
	case KindRequests:
		return float64(f.requests), true
	case KindRPS:
		return f.rate, true
	case KindThroughput:
		return f.throughput, true
	case KindErrors, KindSuccess:
		if f.requests == 0 {
			return 0, false
		}
		if m.Kind == KindErrors {
			return float64(f.requests-min(f.successes, f.requests)) / float64(f.requests), true
		}
		return float64(min(f.successes, f.requests)) / float64(f.requests), true
	case KindLatency:
		return latencyStat(f.latency, f.hists.Latency, f.requests, m)
	case KindServiceTime:
		return latencyStat(f.service, f.hists.ServiceTime, f.requests, m)
	}
	return 0, false
}

// latencyStat reads a statistic from the summary, or from the encoded histogram for a
// percentile the summary does not hold.
func latencyStat(sum results.Latency, hist string, requests uint64, m Metric) (float64, bool) {
	if requests == 0 {
		return 0, false
	}
	switch m.Stat {
	case StatMean:
		return sum.Mean, true
	case StatMax:
		return sum.Max, true
	case StatMin:
		return sum.Min, true
	}
	if v, ok := summaryPercentile(sum, m.Percentile); ok && sum.Max > 0 {
		return v, true
	}
	h, err := results.DecodeHistogram(hist)
	if err != nil || h.TotalCount() == 0 {
		return 0, false
	}
	return percentileMS(h, m.Percentile), true
}

// percentileMS is the percentile of a microsecond histogram in ms, as results.Summarize
// computes it.
func percentileMS(h *hdrhistogram.Histogram, pct float64) float64 {
	return float64(h.ValueAtQuantile(pct)) / 1000
}

func summaryPercentile(sum results.Latency, pct float64) (float64, bool) {
	switch pct {
	case 0:
		return sum.Min, true
	case 50:
		return sum.P50, true
	case 90:
		return sum.P90, true
	case 95:
		return sum.P95, true
	case 99:
		return sum.P99, true
	case 99.9:
		return sum.P999, true
	case 99.99:
		return sum.P9999, true
	case 100:
		return sum.Max, true
	}
	return 0, false
}
