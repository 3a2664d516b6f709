package cli

import (
	"fmt"
	"io"

	"github.com/loadtestdev/loadtest/scenarios"
)

// checkFlowScenario compiles a scenario with flows against a placeholder target and prints
// its summary: the flows with their weights and steps.
func checkFlowScenario(w io.Writer, name string, sc *scenarios.Scenario) error {
	if err := compileForCheck(name, sc, func(po scenarios.PlanOptions) error { _, err := sc.FlowPlan(po); return err }); err != nil {
		return err
	}
	load := "rate " + sc.Rate.String() + " iterations"
	if sc.Rate.Freq == 0 {
		load = "as fast as possible"
	}
	if len(sc.Stages) > 0 {
		load = fmt.Sprintf("%d stages", len(sc.Stages))
	}
	sessions := sc.MaxSessions
	if sessions == 0 {
		sessions = scenarios.DefaultMaxSessions
	}
	fmt.Fprintf(w, "ok   %s (%s): %s for %s, %d flow(s), max_sessions %d\n", name, sc.Name, load, sc.Duration, len(sc.Flows), sessions)
	total := 0
	for _, f := range sc.Flows {
		total += f.Weight
	}
	for _, f := range sc.Flows {
		fmt.Fprintf(w, "       %5.1f%%  %s\n", 100*float64(f.Weight)/float64(total), f.Name)
		for _, st := range f.Steps {
			if st.Group != nil {
				fmt.Fprintf(w, "                group %s: %s\n", st.Group.Name, scenarios.DescribeGroup(&st))
				continue
			}
			if st.Think != nil {
				think := st.Think.Min.String()
				if st.Think.Max != st.Think.Min {
					think += ".." + st.Think.Max.String()
				}
				fmt.Fprintf(w, "                think %s\n", think)
				continue
			}
			fmt.Fprintf(w, "                %-7s %-40s %s (%d check(s), %d extraction(s)%s)\n", st.Method, st.Path, st.Name, len(st.Checks), len(st.Extract), scenarios.DescribeControl(&st))
		}
	}
	return nil
}
