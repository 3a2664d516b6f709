package reports

import (
	"fmt"
	"io"
	"text/tabwriter"

	"github.com/loadtestdev/loadtest/scenarios"
)

// WriteScenarioList writes the table of `loadtest scenarios list`: each scenario's name, rate,
// duration and description, in the order given.
func WriteScenarioList(w io.Writer, names []string, scs []*scenarios.Scenario) error {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "NAME\tRATE\tDURATION\tDESCRIPTION")
	for i, sc := range scs {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", names[i], sc.Rate, sc.Duration, sc.Description)
	}
	return tw.Flush()
}

// WriteScenarioCheck writes the summary `loadtest scenarios check` prints for a scenario that
// passed: its load and duration, then its request mix (each request's share, method, path and
// name), or for flows each flow's share and steps.
func WriteScenarioCheck(w io.Writer, name string, sc *scenarios.Scenario) error {
	if len(sc.Flows) > 0 {
		return writeFlowScenarioCheck(w, name, sc)
	}
	_, err := fmt.Fprintf(w, "ok   %s (%s): %s for %s, %d request(s)\n", name, sc.Name, scenarioLoad(sc, ""), sc.Duration, len(sc.Requests))
	total := 0
	for _, r := range sc.Requests {
		total += r.Weight
	}
	for _, r := range sc.Requests {
		fmt.Fprintf(w, "       %5.1f%%  %-7s %-40s %s\n", 100*float64(r.Weight)/float64(total), r.Method, r.Path, r.Name)
	}
	return err
}

// scenarioLoad says how a scenario sends: its rate (of what), as fast as possible, or its
// stages.
func scenarioLoad(sc *scenarios.Scenario, of string) string {
	switch {
	case len(sc.Stages) > 0:
		return fmt.Sprintf("%d stages", len(sc.Stages))
	case sc.Rate.Freq == 0:
		return "as fast as possible"
	}
	return "rate " + sc.Rate.String() + of
}

func writeFlowScenarioCheck(w io.Writer, name string, sc *scenarios.Scenario) error {
	sessions := sc.MaxSessions
	if sessions == 0 {
		sessions = scenarios.DefaultMaxSessions
	}
	_, err := fmt.Fprintf(w, "ok   %s (%s): %s for %s, %d flow(s), max_sessions %d\n", name, sc.Name, scenarioLoad(sc, " iterations"), sc.Duration, len(sc.Flows), sessions)
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
	return err
}
