package reports

import (
	"fmt"

	"github.com/loadtestdev/loadtest/results"
)

// The flows of a run (scenarios with flows:) as every table-shaped format shows them: an
// overview of the flows, then per flow its steps with their latencies, the duration of its
// iterations (completed and failed), and its checks with passes, fails and a failure sample.
// Text, Markdown and HTML render the same flowTable values.

// flowTable is one titled table of the flows part of a report.
type flowTable struct {
	Title, Note string
	Header      []string
	Rows        [][]string
	Aligns      string
	// Fail marks rows to highlight: checks that failed.
	Fail []bool
}

// flowStepsHeader heads a flow's steps table.
var flowStepsHeader = []string{"step", "requests", "success", "p50", "p90", "p99", "max"}

// flowTables are the flows tables of r, none for a run without flows.
func flowTables(r *results.Result) []flowTable {
	if !r.HasFlows() {
		return nil
	}
	tables := []flowTable{flowsOverview(r)}
	for _, name := range r.FlowNames() {
		f := r.Flows[name]
		tables = append(tables, flowTable{
			Title:  fmt.Sprintf("Flow %s: steps (latency)", name),
			Note:   flowLine(f),
			Header: flowStepsHeader, Rows: flowStepRows(r, name, f), Aligns: "lrrrrrr",
		})
		if f.Completed+f.Failed > 0 {
			tables = append(tables, flowTable{
				Title:  fmt.Sprintf("Flow %s: iteration duration", name),
				Note:   "From each iteration's intended start to the end of its last step, think time included.",
				Header: []string{"", "completed", "failed"}, Rows: iterationRows(f.IterationMS, f.Completed, f.FailedIterationMS, f.Failed),
				Aligns: "lrr",
			})
		}
		if len(f.Checks) > 0 {
			rows, fail := checkRows(f.Checks)
			tables = append(tables, flowTable{
				Title:  fmt.Sprintf("Flow %s: checks", name),
				Header: []string{"step", "check", "passes", "fails", "sample"}, Rows: rows, Aligns: "llrrl", Fail: fail,
			})
		}
		tables = append(tables, controlTables(name, f)...)
	}
	return tables
}

// flowsOverview is one row per flow and one for the run: iterations, checks, iteration p50/p99.
func flowsOverview(r *results.Result) flowTable {
	t := flowTable{Title: "Flows (iterations)",
		Header: []string{"flow", "iterations", "completed", "failed", "dropped", "checks passed", "p50", "p99"}, Aligns: "lrrrrrrr"}
	for _, name := range r.FlowNames() {
		f := r.Flows[name]
		t.Rows = append(t.Rows, []string{name, formatCount(f.Iterations), formatCount(f.Completed), formatCount(f.Failed), formatCount(f.Dropped),
			checksCell(f.CheckTotals()), iterationMS(f.IterationMS.P50, f.Completed), iterationMS(f.IterationMS.P99, f.Completed)})
	}
	checks := results.Checks{Ratio: 1}
	if r.Checks != nil {
		checks = *r.Checks
	}
	completed, _, err := r.IterationSummary()
	p50, p99 := "-", "-"
	if err == nil {
		p50, p99 = iterationMS(completed.P50, r.IterationsCompleted), iterationMS(completed.P99, r.IterationsCompleted)
	}
	t.Rows = append(t.Rows, []string{"all", formatCount(r.Iterations), formatCount(r.IterationsCompleted), formatCount(r.IterationsFailed),
		formatCount(r.DroppedIterations), checksCell(checks), p50, p99})
	return t
}

// flowLine says how a flow's iterations went, in words.
func flowLine(f *results.FlowStats) string {
	return fmt.Sprintf("%s iterations: %s completed, %s failed, %s dropped (max_sessions busy).",
		formatCount(f.Iterations), formatCount(f.Completed), formatCount(f.Failed), formatCount(f.Dropped))
}

// flowStepRows are a flow's steps in flow order with their requests' figures ("FLOW/STEP" in
// by_request); a step never sent shows dashes.
func flowStepRows(r *results.Result, flow string, f *results.FlowStats) [][]string {
	rows := make([][]string, 0, len(f.Steps))
	for _, step := range f.Steps {
		s := r.ByRequest[flow+"/"+step]
		if s == nil || s.Requests == 0 {
			rows = append(rows, []string{step, "0", "-", "-", "-", "-", "-"})
			continue
		}
		rows = append(rows, []string{step, formatCount(s.Requests), formatPercent(s.SuccessRatio),
			formatMS(s.LatencyMS.P50), formatMS(s.LatencyMS.P90), formatMS(s.LatencyMS.P99), formatMS(s.LatencyMS.Max)})
	}
	return rows
}

// iterationRows are the statistics of the iteration durations, completed and failed side by
// side; a side without iterations shows dashes.
func iterationRows(completed results.Latency, nCompleted uint64, failed results.Latency, nFailed uint64) [][]string {
	rows := make([][]string, 0, len(latencyRows)+1)
	rows = append(rows, []string{"iterations", formatCount(nCompleted), formatCount(nFailed)})
	for _, lr := range latencyRows {
		rows = append(rows, []string{lr.Label, iterationMS(lr.Get(completed), nCompleted), iterationMS(lr.Get(failed), nFailed)})
	}
	return rows
}

// iterationMS formats a duration of n iterations, a dash when there were none.
func iterationMS(ms float64, n uint64) string {
	if n == 0 {
		return "-"
	}
	return formatMS(ms)
}

// checkRows are a flow's checks in step order; fail marks those that failed at least once.
func checkRows(checks []results.CheckStats) (rows [][]string, fail []bool) {
	for _, c := range checks {
		rows = append(rows, []string{c.Step, c.Name, formatCount(c.Passes), formatCount(c.Fails), truncate(c.Sample, 120)})
		fail = append(fail, c.Fails > 0)
	}
	return rows, fail
}

// checksCell is "passes / total (ratio)", or a dash when no check ran.
func checksCell(c results.Checks) string {
	total := c.Passes + c.Fails
	if total == 0 {
		return "-"
	}
	return fmt.Sprintf("%s / %s (%s)", formatCount(c.Passes), formatCount(total), formatPercent(results.ChecksRatio(c.Passes, c.Fails)))
}
