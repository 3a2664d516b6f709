package gate

import (
	"math"

	"github.com/loadtestdev/loadtest/results"
)

// The early-abort rule (--abort-on-fail). A run checked every second stops only when a
// threshold fails and cannot recover: no outcome of the requests still to come can make it
// pass. CanRecover computes the interval of final values a metric can still reach, from what
// the partial result holds and planned, the number of requests the whole run will send
// (rate × duration; 0 when unknown, as in an "as fast as possible" run):
//
//   - requests: never fewer than now, at most planned (unbounded when planned is unknown), so
//     "requests<1000" breaks for good at the 1000th request;
//   - max latency: never lower than now, so "max<1s" breaks for good at the first slower request;
//   - errors and success: with planned known, between (errors so far)/planned and
//     (errors so far + requests to come)/planned; so "errors<1%" with 10000 planned requests
//     breaks for good at the 100th error;
//   - a percentile pQ: with planned known, between its value when every request to come is
//     instantly fast and its value when every one is infinitely slow (read from the histogram);
//   - mean: with planned known, at least (sum so far)/planned;
//   - rps and throughput depend on how long the run lasts: always recoverable.
//
//   - min latency: never higher than now, so "min>1ms" breaks for good at the first faster one.
//
// A threshold on one named request has no planned count of its own (requests are chosen at
// random by weight), so only its monotone metrics (requests, max, min) abort early. In a
// scenario with flows, planned must bound the requests from above (planned iterations times
// the request steps of the longest flow) or be 0: an iteration stopped by a failed check
// sends fewer. The flow metrics follow canRecoverFlow (flows.go).

// CanRecover reports whether threshold th, measured on partial, can still pass by the end
// of a run that sends planned requests in all (0 if unknown). It is true whenever the rule
// above cannot prove otherwise, including when partial has no data for the metric yet.
func CanRecover(th Threshold, partial *results.Result, planned uint64) bool {
	if th.Metric.IsFlow() {
		return canRecoverFlow(th, partial)
	}
	f, ok := figuresOf(partial, th.Request)
	if !ok {
		return true
	}
	if th.Request != "" {
		planned = 0
	}
	lo, hi, ok := reachable(f, th.Metric, planned)
	if !ok {
		return true
	}
	switch th.Op {
	case OpLess:
		return lo < th.Value
	case OpLessEqual:
		return lo <= th.Value
	case OpGreater:
		return hi > th.Value
	case OpGreaterEqual:
		return hi >= th.Value
	case OpEqual:
		return lo <= th.Value && th.Value <= hi
	}
	return true
}

// Unrecoverable evaluates ths on a partial result and returns those that fail and cannot
// recover (see CanRecover): when it returns any, a run with --abort-on-fail stops.
func Unrecoverable(partial *results.Result, ths []Threshold, planned uint64) []results.ThresholdResult {
	var out []results.ThresholdResult
	for i, tr := range Evaluate(partial, ths) {
		if !tr.Passed && !CanRecover(ths[i], partial, planned) {
			out = append(out, tr)
		}
	}
	return out
}

// reachable returns the interval [lo, hi] of final values metric m can still take; ok is
// false when nothing can be said.
func reachable(f figures, m Metric, planned uint64) (lo, hi float64, ok bool) {
	inf := math.Inf(1)
	n := f.requests
	known := planned > 0
	if planned < n {
		planned = n
	}
	toCome := planned - n
	switch m.Kind {
	case KindRequests:
		if !known {
			return float64(n), inf, true
		}
		return float64(n), float64(planned), true
	case KindErrors, KindSuccess:
		if !known || planned == 0 {
			return 0, 0, false
		}
		bad := n - min(f.successes, n)
		if m.Kind == KindSuccess {
			bad = min(f.successes, n)
		}
		return float64(bad) / float64(planned), float64(bad+toCome) / float64(planned), true
	case KindLatency, KindServiceTime:
		if n == 0 {
			return 0, 0, false
		}
		sum, hist := f.latency, f.hists.Latency
		if m.Kind == KindServiceTime {
			sum, hist = f.service, f.hists.ServiceTime
		}
		switch m.Stat {
		case StatMax:
			return sum.Max, inf, true
		case StatMin:
			return 0, sum.Min, true
		case StatMean:
			if !known {
				return 0, 0, false
			}
			return sum.Mean * float64(n) / float64(planned), inf, true
		}
		if !known {
			return 0, 0, false
		}
		return percentileRange(hist, m.Percentile, toCome)
	}
	return 0, 0, false
}

// percentileRange bounds the final pQ when toCome more requests will be added to the
// recorded ones: at best all are faster than any so far, at worst all slower.
func percentileRange(hist string, pct float64, toCome uint64) (lo, hi float64, ok bool) {
	h, err := results.DecodeHistogram(hist)
	if err != nil || h.TotalCount() == 0 {
		return 0, 0, false
	}
	n := float64(h.TotalCount())
	total := n + float64(toCome)
	rank := math.Max(1, math.Floor(pct/100*total+0.5)) // hdrhistogram's rank of pQ
	// Best case: toCome values below everything recorded take the lowest ranks.
	if r := rank - float64(toCome); r >= 1 {
		lo = percentileMS(h, 100*r/n)
	}
	// Worst case: toCome values above everything recorded take the highest ranks.
	hi = math.Inf(1)
	if rank <= n {
		hi = percentileMS(h, 100*rank/n)
	}
	return lo, hi, true
}
