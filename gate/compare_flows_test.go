package gate

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/loadtestdev/loadtest/results"
	"github.com/loadtestdev/loadtest/results/resultstest"
)

func TestCompareFlows(t *testing.T) {
	base := flowFixture(t)
	slower := resultstest.SignupFlows()
	slower[0].Base += 50 * time.Millisecond // login-and-swipe: every step 50 ms slower
	slower[0].Failed = 12                   // and 12 failed iterations instead of 4
	cur := resultstest.FlowResult(t, slower, 5)
	bounds, err := ParseBounds("iteration.p99=10%,checks=0.5%,login-and-swipe/login.p99=10ms,browse.iteration.p99=1%,dropped_iterations=0,login-and-swipe.checks=5%")
	if err != nil {
		t.Fatal(err)
	}
	c, err := Compare(base, cur, bounds)
	if err != nil {
		t.Fatal(err)
	}
	rows := map[string]Row{}
	for _, r := range c.Rows {
		rows[r.Name] = r
	}
	for _, name := range []string{"iteration.p50", "iteration.p99", "iteration.max", "checks", "iterations", "dropped_iterations",
		"browse.iteration.p99", "browse.checks", "login-and-swipe.iteration.p99", "login-and-swipe.checks", "login-and-swipe.dropped_iterations",
		"login-and-swipe/login.p99"} {
		if _, ok := rows[name]; !ok {
			t.Errorf("no row %s", name)
		}
	}
	tests := []struct {
		row       string
		base, cur float64
		broken    bool
	}{
		{"checks", 716.0 / 720, 708.0 / 720, true},                  // -1.1 pp, bound 0.5 pp
		{"login-and-swipe.checks", 296.0 / 300, 288.0 / 300, false}, // -2.7 pp, bound 5 pp
		{"dropped_iterations", 8, 8, false},
		{"browse.iteration.p99", base.Flows["browse"].IterationMS.P99, base.Flows["browse"].IterationMS.P99, false},
		{"login-and-swipe/login.p99", base.ByRequest["login-and-swipe/login"].LatencyMS.P99, cur.ByRequest["login-and-swipe/login"].LatencyMS.P99, true},
		{"iteration.p99", runIterationP99(t, base), runIterationP99(t, cur), true},
	}
	for _, tt := range tests {
		r := rows[tt.row]
		if !r.HasBase || !r.HasCurrent || r.Base != tt.base || r.Current != tt.cur || r.Broken != tt.broken {
			t.Errorf("%s: got base %v current %v broken %v (has %v/%v), want %v %v %v", tt.row, r.Base, r.Current, r.Broken, r.HasBase, r.HasCurrent, tt.base, tt.cur, tt.broken)
		}
	}
	if got := len(c.Broken()); got != 3 {
		t.Errorf("broken: got %d rows, want 3", got)
	}
}

func TestCompareFlowsBadScope(t *testing.T) {
	base := flowFixture(t)
	for _, tt := range []struct{ bound, want string }{
		{"signup.iteration.p99=10%", `the baseline has no flow "signup" (it has: browse, login-and-swipe)`},
		{"nope/x.checks=1%", `the baseline has no flow "nope"`},
		{"login-and-swipe/nope.p99=1%", `the baseline has no request "login-and-swipe/nope"`},
	} {
		bounds, err := ParseBounds(tt.bound)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := Compare(base, base, bounds); !errors.Is(err, ErrNotComparable) || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s: got %v, want ErrNotComparable containing %q", tt.bound, err, tt.want)
		}
	}
	// A comparison of plain runs has no flow rows.
	plain := fabricate(t, 100, 1, 1, linear)
	c, err := Compare(plain, plain, nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range c.Rows {
		if r.Metric.IsFlow() {
			t.Errorf("plain runs: got flow row %s", r.Name)
		}
	}
}

// runIterationP99 is the p99 of every completed iteration of r, from its flows' histograms.
func runIterationP99(t *testing.T, r *results.Result) float64 {
	t.Helper()
	h, _, err := r.IterationHistograms("")
	if err != nil {
		t.Fatal(err)
	}
	return percentileMS(h, 99)
}

func TestCompareFlowDifferences(t *testing.T) {
	base := flowFixture(t)
	renamed := resultstest.SignupFlows()
	renamed[1].Name = "explore"
	plain := fabricate(t, 100, 1, 1, linear)
	tests := []struct {
		name      string
		base, cur *results.Result
		want      []string
	}{
		{"same flows", base, base, nil},
		{"a flow renamed", base, resultstest.FlowResult(t, renamed, 5), []string{`flow "browse" is only in the baseline`, `flow "explore" is only in the current run`}},
		{"flows gone", base, plain, []string{"the baseline ran flows and the current run did not"}},
		{"flows new", plain, base, []string{"the current run ran flows and the baseline did not"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := Compare(tt.base, tt.cur, nil)
			if err != nil {
				t.Fatal(err)
			}
			joined := strings.Join(c.Warnings, "\n")
			for _, w := range tt.want {
				if !strings.Contains(joined, w) {
					t.Errorf("warnings %q, want %q", c.Warnings, w)
				}
			}
			if tt.want == nil && strings.Contains(joined, "flow") {
				t.Errorf("warnings %q, want none about flows", c.Warnings)
			}
		})
	}
}
