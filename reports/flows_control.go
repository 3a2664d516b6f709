package reports

import (
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/loadtestdev/loadtest/results"
)

// The control flow of a flow as the table formats show it: its polls (completion time and
// attempts) and the steps its conditions skipped, with the while groups stopped at their max.
// A flow without polls or skips adds no table.

// controlTables are the polls and skips tables of flow name.
func controlTables(name string, f *results.FlowStats) []flowTable {
	var tables []flowTable
	if len(f.Polls) > 0 {
		rows, fail := pollRows(f)
		tables = append(tables, flowTable{
			Title: fmt.Sprintf("Flow %s: polls (completion time)", name),
			Note: "Completion time runs from a poll's first attempt's intended start to the end of the attempt that saw until hold; " +
				"each attempt is one of the step's requests above.",
			Header: []string{"step", "polls", "succeeded", "timed out", "failed", "attempts mean", "attempts max", "p50", "p90", "p99", "max"},
			Rows:   rows, Aligns: "lrrrrrrrrrr", Fail: fail,
		})
	}
	if len(f.Skipped) > 0 || len(f.LoopsAtMax) > 0 {
		t := flowTable{Title: fmt.Sprintf("Flow %s: skipped steps (when)", name), Header: []string{"step", "skipped"}, Aligns: "lr"}
		for _, step := range orderedSteps(f, f.Skipped) {
			t.Rows = append(t.Rows, []string{step, formatCount(f.Skipped[step])})
		}
		var notes []string
		for _, g := range slices.Sorted(maps.Keys(f.LoopsAtMax)) {
			notes = append(notes, fmt.Sprintf("while group %s stopped at its max %s time(s) with its condition still holding", g, formatCount(f.LoopsAtMax[g])))
		}
		t.Note = strings.Join(notes, "; ")
		if t.Note != "" {
			t.Note += "."
		}
		tables = append(tables, t)
	}
	return tables
}

// pollRows are a flow's polling steps in flow order; fail marks those with a timed-out or
// failed poll.
func pollRows(f *results.FlowStats) (rows [][]string, fail []bool) {
	for _, step := range orderedSteps(f, f.Polls) {
		p := f.Polls[step]
		if p == nil {
			continue
		}
		c := p.CompletionMS
		rows = append(rows, []string{step, formatCount(p.Polls), formatCount(p.Succeeded), formatCount(p.TimedOut), formatCount(p.Failed),
			fmt.Sprintf("%.2f", p.AttemptsMean()), formatCount(p.AttemptsMax),
			iterationMS(c.P50, p.Succeeded), iterationMS(c.P90, p.Succeeded), iterationMS(c.P99, p.Succeeded), iterationMS(c.Max, p.Succeeded)})
		fail = append(fail, p.TimedOut+p.Failed > 0)
	}
	return rows, fail
}

// orderedSteps are the keys of m in the flow's step order (any unknown to Steps after, sorted).
func orderedSteps[V any](f *results.FlowStats, m map[string]V) []string {
	var out []string
	for _, s := range f.Steps {
		if _, ok := m[s]; ok {
			out = append(out, s)
		}
	}
	for _, s := range slices.Sorted(maps.Keys(m)) {
		if !slices.Contains(f.Steps, s) {
			out = append(out, s)
		}
	}
	return out
}

// junitPollCases are one testcase per polling step of every flow (classname
// loadtest.SCENARIO.polls.FLOW), failing when a poll timed out or failed.
func junitPollCases(r *results.Result, class string) []junitCase {
	var cases []junitCase
	for _, flow := range r.FlowNames() {
		f := r.Flows[flow]
		for _, step := range orderedSteps(f, f.Polls) {
			p := f.Polls[step]
			if p == nil {
				continue
			}
			jc := junitCase{Name: step + ": poll", Classname: class + ".polls." + flow, TimeS: "0"}
			if bad := p.TimedOut + p.Failed; bad > 0 {
				jc.Failure = &junitFailure{
					Type: "poll",
					Message: fmt.Sprintf("poll %s/%s: %s of %s polls timed out, %s failed", flow, step,
						formatCount(p.TimedOut), formatCount(p.Polls), formatCount(p.Failed)),
					Text: fmt.Sprintf("flow: %s\nstep: %s\npolls: %d\nsucceeded: %d\ntimed_out: %d\nfailed: %d\nattempts: %d\nattempts_max: %d\ncompletion_p99: %s\n",
						flow, step, p.Polls, p.Succeeded, p.TimedOut, p.Failed, p.Attempts, p.AttemptsMax, iterationMS(p.CompletionMS.P99, p.Succeeded)),
				}
			}
			cases = append(cases, jc)
		}
	}
	return cases
}
