package gate

import (
	"math"
	"strings"

	"github.com/loadtestdev/loadtest/results"
)

// The metrics of the flows' control flow: skipped steps, and the polls' completion times and
// attempts, of the run (scope ""), of a flow ("FLOW") or of a step ("FLOW/STEP").

// skippedOf counts the request steps a when skipped in scope; ok is false when r has no flows
// or no such flow.
func skippedOf(r *results.Result, scope string) (float64, bool) {
	if !r.HasFlows() {
		return 0, false
	}
	if scope == "" {
		return float64(r.Skipped), true
	}
	flow, step, isStep := strings.Cut(scope, "/")
	f, ok := r.Flows[flow]
	if !ok || f == nil {
		return 0, false
	}
	if isStep {
		return float64(f.Skipped[step]), true
	}
	var n uint64
	for _, c := range f.Skipped {
		n += c
	}
	return float64(n), true
}

// pollsOf returns the polls of scope: every polling step of the run, of a flow, or one step.
func pollsOf(r *results.Result, scope string) []*results.PollStats {
	flow, step, isStep := strings.Cut(scope, "/")
	var out []*results.PollStats
	for _, name := range r.FlowNames() {
		if scope != "" && name != flow {
			continue
		}
		for s, p := range r.Flows[name].Polls {
			if p != nil && (!isStep || s == step) {
				out = append(out, p)
			}
		}
	}
	return out
}

// measurePolls measures completion.* or attempts.* over the polls of scope; no poll (or, for
// completion, no poll that succeeded) is no data.
func measurePolls(r *results.Result, scope string, m Metric) (float64, bool) {
	polls := pollsOf(r, scope)
	var n, attempts, most, succeeded uint64
	for _, p := range polls {
		n += p.Polls
		attempts += p.Attempts
		most = max(most, p.AttemptsMax)
		succeeded += p.Succeeded
	}
	if m.Kind == KindAttempts {
		if n == 0 {
			return 0, false
		}
		if m.Stat == StatMax {
			return float64(most), true
		}
		return float64(attempts) / float64(n), true
	}
	if succeeded == 0 {
		return 0, false
	}
	if len(polls) == 1 {
		return latencyStat(polls[0].CompletionMS, polls[0].Histogram, succeeded, m)
	}
	h := results.NewHistogram()
	for _, p := range polls {
		ph, err := results.DecodeHistogram(p.Histogram)
		if err != nil {
			return 0, false
		}
		h.Merge(ph)
	}
	enc, err := results.EncodeHistogram(h)
	if err != nil {
		return 0, false
	}
	return latencyStat(results.Summarize(h), enc, succeeded, m)
}

// canRecoverControl is canRecoverFlow for the control-flow metrics (decided true); skipped and
// attempts.max never decrease, nor does completion.max, and completion.min never increases;
// the others can still move either way.
func canRecoverControl(th Threshold, partial *results.Result) (ok, decided bool) {
	m := th.Metric
	if m.Kind != KindSkipped && m.Kind != KindCompletion && m.Kind != KindAttempts {
		return false, false
	}
	v, measured := Measure(partial, th.Scope(), m)
	if !measured {
		return true, true
	}
	inf := math.Inf(1)
	switch {
	case m.Kind == KindSkipped, m.Stat == StatMax:
		return reachableHolds(th.Op, th.Value, interval{lo: v, hi: inf}), true
	case m.Kind == KindCompletion && m.Stat == StatMin:
		return reachableHolds(th.Op, th.Value, interval{lo: 0, hi: v}), true
	}
	return true, true
}
