package gate

import (
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/loadtestdev/loadtest/results"
)

// compareFlowMetrics are the rows a comparison of runs with flows adds for the whole run, and
// compareFlowMetricsEach those it adds for each flow of the baseline. Each step is a request
// ("FLOW/STEP"), bounded like any other: "login-and-swipe/login.p99=10%".
var (
	compareFlowMetrics     = []string{"iteration.p50", "iteration.p90", "iteration.p99", "iteration.max", "checks", "iterations", "dropped_iterations"}
	compareFlowMetricsEach = []string{"iteration.p99", "checks", "dropped_iterations"}
)

// flowRows are the flow rows of a comparison: none unless one of the results has flows.
func flowRows(base, cur *results.Result) []Row {
	if !base.HasFlows() && !cur.HasFlows() {
		return nil
	}
	var rows []Row
	for _, name := range compareFlowMetrics {
		m, _, _ := parseMetric(name)
		rows = append(rows, Row{Name: name, Metric: m})
	}
	for _, flow := range base.FlowNames() {
		for _, name := range compareFlowMetricsEach {
			m, _, _ := parseMetric(name)
			rows = append(rows, Row{Name: metricName(flow, m), Request: flow, Metric: m})
		}
		f := base.Flows[flow]
		if len(f.Skipped) > 0 {
			m, _, _ := parseMetric("skipped")
			rows = append(rows, Row{Name: metricName(flow, m), Request: flow, Metric: m})
		}
		for _, step := range slices.Sorted(maps.Keys(f.Polls)) {
			for _, name := range comparePollMetrics {
				m, _, _ := parseMetric(name)
				rows = append(rows, Row{Name: metricName(flow+"/"+step, m), Request: flow + "/" + step, Metric: m})
			}
		}
	}
	return rows
}

// comparePollMetrics are the rows a comparison adds for each polling step of the baseline.
var comparePollMetrics = []string{"completion.p50", "completion.p99", "attempts.mean", "attempts.max"}

// checkBoundScope refuses a bound scoped to a request, step or flow the baseline does not have.
func checkBoundScope(base *results.Result, b *Bound) error {
	if b.Request == "" {
		return nil
	}
	if request, flow := splitScope(b.Request, b.Metric); flow != "" {
		if f, ok := base.Flows[flow]; !ok || f == nil {
			return fmt.Errorf("%w: bound %q: the baseline has no flow %q (it has: %s)", ErrNotComparable, b.Expr, flow, flowNames(base))
		}
		return nil
	} else if b.Metric.TakesStep() {
		name, _, _ := strings.Cut(request, "/")
		if f, ok := base.Flows[name]; !ok || f == nil {
			return fmt.Errorf("%w: bound %q: the baseline has no flow %q (it has: %s)", ErrNotComparable, b.Expr, name, flowNames(base))
		}
		return nil
	}
	if _, ok := base.ByRequest[b.Request]; !ok {
		return fmt.Errorf("%w: bound %q: the baseline has no request %q (it has: %s)", ErrNotComparable, b.Expr, b.Request, requestNames(base))
	}
	return nil
}

func flowNames(r *results.Result) string {
	if names := r.FlowNames(); len(names) > 0 {
		return strings.Join(names, ", ")
	}
	return "no flows"
}

// flowDifferences says where the flows of two runs differ: one run without flows, or a flow
// that only one of them ran (its rows then have no data on the other side).
func flowDifferences(base, cur *results.Result) []string {
	switch {
	case base.HasFlows() && !cur.HasFlows():
		return []string{"the baseline ran flows and the current run did not"}
	case !base.HasFlows() && cur.HasFlows():
		return []string{"the current run ran flows and the baseline did not"}
	}
	var w []string
	for _, side := range []struct {
		name     string
		has, not *results.Result
	}{{"baseline", base, cur}, {"current run", cur, base}} {
		for _, name := range side.has.FlowNames() {
			if f, ok := side.not.Flows[name]; !ok || f == nil {
				w = append(w, fmt.Sprintf("flow %q is only in the %s", name, side.name))
			}
		}
	}
	return w
}
