package gate

import (
	"errors"
	"fmt"
	"math"
	"slices"
	"strings"

	"github.com/loadtestdev/loadtest/results"
)

// CheckFlows checks, before the run starts, that every threshold scoped to a flow names one of
// the scenario's flows, and that a scenario without flows (flowNames empty but not nil) has no
// flow metric at all. A nil flowNames means the flows are not known: nothing is checked.
func CheckFlows(ths []Threshold, flowNames []string) error {
	if flowNames == nil {
		return nil
	}
	var bad []string
	for _, th := range ths {
		switch {
		case th.Metric.IsFlow() && len(flowNames) == 0:
			bad = append(bad, fmt.Sprintf("threshold %q: %s is measured on flows, and the scenario has none (it has requests:)", th.Expr, th.Metric))
		case th.Flow != "" && !slices.Contains(flowNames, th.Flow):
			bad = append(bad, fmt.Sprintf("threshold %q: unknown flow %q", th.Expr, th.Flow))
		}
	}
	if len(bad) == 0 {
		return nil
	}
	known := "the scenario has no flows"
	if len(flowNames) > 0 {
		names := slices.Clone(flowNames)
		slices.Sort(names)
		known = "known flows: " + strings.Join(names, ", ")
	}
	return fmt.Errorf("%s (%s)", strings.Join(bad, "; "), known)
}

// checkFlowAsRequest refuses a request metric scoped to a flow ("login.p99<1s" where login is
// a flow), saying what would work: a step of it, or the flow's iteration duration.
func checkFlowAsRequest(ths []Threshold, flowNames []string) error {
	var bad []string
	for _, th := range ths {
		if th.Request != "" && !th.Metric.IsFlow() && slices.Contains(flowNames, th.Request) {
			bad = append(bad, fmt.Sprintf("threshold %q: %q is a flow, and %s is measured per request: scope it to a step (%s/STEP.%s), or use a flow metric (%s.iteration.p99, %s.checks)",
				th.Expr, th.Request, th.Metric, th.Request, th.Metric, th.Request, th.Request))
		}
	}
	if len(bad) == 0 {
		return nil
	}
	return errors.New(strings.Join(bad, "; "))
}

// flowFigures are the figures of the flows of a run (or of one flow) that flow metrics are
// measured on.
type flowFigures struct {
	iterations, dropped uint64
	checks              results.Checks
	hasChecks           bool
	completed, failed   uint64
	// iteration and failedIteration summarise the durations; their histograms decode lazily.
	iteration, failedIteration results.Latency
	hist                       func(failed bool) (string, error)
}

// flowFiguresOf returns the figures of r's flows, of the flow named scope, or for checks of the
// step "FLOW/STEP"; ok is false when r has no flows or no such flow.
func flowFiguresOf(r *results.Result, scope string) (flowFigures, bool) {
	if !r.HasFlows() {
		return flowFigures{}, false
	}
	if scope == "" {
		f := flowFigures{iterations: r.Iterations, dropped: r.DroppedIterations, completed: r.IterationsCompleted, failed: r.IterationsFailed}
		var completed, failed uint64 // the durations' counts are the flows' own, whatever the totals say
		for _, name := range r.FlowNames() {
			completed += r.Flows[name].Completed
			failed += r.Flows[name].Failed
		}
		f.completed, f.failed = max(f.completed, completed), max(f.failed, failed)
		if r.Checks != nil {
			f.checks, f.hasChecks = *r.Checks, r.Checks.Passes+r.Checks.Fails > 0
		}
		f.hist = func(failed bool) (string, error) {
			c, fl, err := r.IterationHistograms("")
			if err != nil {
				return "", err
			}
			if failed {
				c = fl
			}
			return results.EncodeHistogram(c)
		}
		var err error
		if f.iteration, f.failedIteration, err = r.IterationSummary(); err != nil {
			return flowFigures{}, false
		}
		return f, true
	}
	name, step, isStep := strings.Cut(scope, "/")
	fs, ok := r.Flows[name]
	if !ok || fs == nil {
		return flowFigures{}, false
	}
	f := flowFigures{iterations: fs.Iterations, dropped: fs.Dropped, completed: fs.Completed, failed: fs.Failed,
		iteration: fs.IterationMS, failedIteration: fs.FailedIterationMS}
	f.checks = fs.CheckTotals()
	if isStep {
		f.checks, _ = fs.StepChecks(step)
	}
	f.hasChecks = f.checks.Passes+f.checks.Fails > 0
	f.hist = func(failed bool) (string, error) {
		if failed {
			return fs.Histograms.FailedIteration, nil
		}
		return fs.Histograms.Iteration, nil
	}
	return f, true
}

// measureFlow is Measure for the flow metrics. Checks over no check run, and durations over no
// iteration, have no data.
func measureFlow(r *results.Result, scope string, m Metric) (float64, bool) {
	switch m.Kind {
	case KindSkipped:
		return skippedOf(r, scope)
	case KindCompletion, KindAttempts:
		return measurePolls(r, scope, m)
	}
	f, ok := flowFiguresOf(r, scope)
	if !ok {
		return 0, false
	}
	switch m.Kind {
	case KindChecks:
		if !f.hasChecks {
			return 0, false
		}
		return results.ChecksRatio(f.checks.Passes, f.checks.Fails), true
	case KindIterations:
		return float64(f.iterations), true
	case KindDroppedIterations:
		return float64(f.dropped), true
	case KindIteration, KindFailedIteration:
		failed := m.Kind == KindFailedIteration
		sum, n := f.iteration, f.completed
		if failed {
			sum, n = f.failedIteration, f.failed
		}
		if n == 0 || (sum.Max == 0 && sum.Min == 0) {
			return 0, false
		}
		if _, inSummary := summaryPercentile(sum, m.Percentile); m.Stat != StatPercentile || inSummary {
			return latencyStat(sum, "", n, m)
		}
		hist, err := f.hist(failed)
		if err != nil {
			return 0, false
		}
		return latencyStat(sum, hist, n, m)
	}
	return 0, false
}

// canRecoverFlow is CanRecover for the flow metrics. How many iterations and checks are still
// to come is not known (an iteration stopped by a failed check runs fewer checks, and the
// watcher's planned count is of requests), so only what only moves one way aborts a run:
//
//   - iterations and dropped_iterations never decrease: "dropped_iterations<10" breaks for
//     good at the 10th drop, "iterations>N" never before the end;
//   - checks: one failed check keeps the ratio below 100% for good, one passed check keeps it
//     above 0%, and any ratio in between stays reachable: "checks==100%" breaks at the first
//     failure, "checks>99%" only at the end;
//   - iteration max never decreases and iteration min never increases; the other statistics
//     can still move either way.
func canRecoverFlow(th Threshold, partial *results.Result) bool {
	if ok, decided := canRecoverControl(th, partial); decided {
		return ok
	}
	f, ok := flowFiguresOf(partial, th.Scope())
	if !ok {
		return true
	}
	inf := math.Inf(1)
	switch th.Metric.Kind {
	case KindIterations:
		return reachableHolds(th.Op, th.Value, interval{lo: float64(f.iterations), hi: inf})
	case KindDroppedIterations:
		return reachableHolds(th.Op, th.Value, interval{lo: float64(f.dropped), hi: inf})
	case KindChecks:
		if !f.hasChecks {
			return true
		}
		return reachableHolds(th.Op, th.Value, interval{lo: 0, hi: 1, loOpen: f.checks.Passes > 0, hiOpen: f.checks.Fails > 0})
	}
	sum, n := f.iteration, f.completed
	if th.Metric.Kind == KindFailedIteration {
		sum, n = f.failedIteration, f.failed
	}
	if n == 0 {
		return true
	}
	switch th.Metric.Stat {
	case StatMax:
		return reachableHolds(th.Op, th.Value, interval{lo: sum.Max, hi: inf})
	case StatMin:
		return reachableHolds(th.Op, th.Value, interval{lo: 0, hi: sum.Min})
	}
	return true
}

// interval is a range of values a metric can still end at; an open end is approached but not
// reached.
type interval struct {
	lo, hi         float64
	loOpen, hiOpen bool
}

// reachableHolds reports whether some value in iv satisfies "value op bound".
func reachableHolds(op Op, bound float64, iv interval) bool {
	switch op {
	case OpLess:
		return iv.lo < bound
	case OpLessEqual:
		return iv.lo < bound || (iv.lo == bound && !iv.loOpen)
	case OpGreater:
		return iv.hi > bound
	case OpGreaterEqual:
		return iv.hi > bound || (iv.hi == bound && !iv.hiOpen)
	case OpEqual:
		return reachableHolds(OpGreaterEqual, bound, iv) && reachableHolds(OpLessEqual, bound, iv)
	}
	return true
}
