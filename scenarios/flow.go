package scenarios

import (
	"fmt"
	"strings"
	"time"
)

// Flow is one weighted user journey of a scenario with flows: its steps run in order, each
// iteration with its own variables, extracted values and cookies.
type Flow struct {
	Name   string
	Weight int
	Steps  []Step
	// OnFailure is what a failed step does to the iteration unless the step says otherwise:
	// OnFailureStop (the default) or OnFailureContinue.
	OnFailure OnFailure
}

// Step is a request of a flow, a pause (Think set, every other field empty), or the start of a
// group of steps (Group set): Flow.Steps is flat, a group's steps are the Group.Len steps
// after it (the steps of the groups inside it included).
type Step struct {
	// Request is the step's request; its Name is the step's name, unique in the flow.
	Request
	Think   *Think
	Checks  []Check
	Extract []Extract
	// OnFailure overrides the flow's; empty keeps it.
	OnFailure OnFailure
	// When, when set, is the condition the step (or the group it starts) runs under; a step
	// it skips is counted as skipped, not sent.
	When *Expr
	// Poll, on a request step, re-sends it until a condition holds or a timeout passes.
	Poll  *Poll
	Group *Group
}

// IsRequest reports whether the step sends a request (it is neither a think time nor a group).
func (st *Step) IsRequest() bool { return st.Think == nil && st.Group == nil }

// Group is a group of steps that runs under a condition (Step.When), a number of times
// (Repeat or RepeatTemplate) or while a condition holds (While, at most Max passes).
type Group struct {
	Name string
	// Len is how many of the steps after the group's own belong to it.
	Len int
	// Repeat is the number of passes; RepeatTemplate, when set, is a template rendered at the
	// group's start instead (e.g. {{ randInt 1 5 }}). Without either (and without While) the
	// group runs once.
	Repeat         int
	RepeatTemplate string
	// While is checked before each pass; Max bounds the passes (required with While).
	While *Expr
	Max   int
	// Index names the variable that holds the pass number (0, 1, ...) inside the group.
	Index string
}

// Loops reports whether the group may run more than once (repeat or while).
func (g *Group) Loops() bool { return g.While != nil || g.RepeatTemplate != "" || g.Repeat != 1 }

// Poll re-sends a step every Interval (from the end of one attempt to the start of the next)
// until Until holds after an attempt, or until the next attempt would start more than Timeout
// after the first attempt's intended start (the step then fails with class timeout).
type Poll struct {
	Interval, Timeout time.Duration
	Until             *Expr
}

// Think is a pause between steps: Min when Min == Max, else uniform in [Min, Max] (drawn from
// the iteration's seed).
type Think struct{ Min, Max time.Duration }

// OnFailure is what a failed step (its request failed, or a check or an extraction) does.
type OnFailure string

// The values of on_failure.
const (
	// OnFailureStop ends the iteration: the steps after the failed one are not sent.
	OnFailureStop OnFailure = "stop"
	// OnFailureContinue goes on with the next step; the iteration still counts as failed.
	OnFailureContinue OnFailure = "continue"
)

// ExtractSource is where an extraction reads its value.
type ExtractSource string

// The sources of an extraction.
const (
	FromJSON   ExtractSource = "json"   // a JSONPath into the body
	FromHeader ExtractSource = "header" // a response header
	FromRegex  ExtractSource = "regex"  // group 1 of a regular expression over the body
	FromCookie ExtractSource = "cookie" // a cookie the response sets
	FromStatus ExtractSource = "status" // the status code
)

// Extract saves a value of a step's response in variable Var for the later steps.
type Extract struct {
	Var    string
	Source ExtractSource
	// Expr is the JSONPath, header name, regular expression or cookie name (empty for status).
	Expr string
}

// Name is how the extraction is named among the flow's checks: "extract VAR (SOURCE EXPR)".
func (e Extract) Name() string {
	if e.Source == FromStatus {
		return "extract " + e.Var + " (status)"
	}
	return "extract " + e.Var + " (" + string(e.Source) + " " + e.Expr + ")"
}

// CheckKind is the condition a check tests.
type CheckKind string

// The kinds of check.
const (
	CheckStatus       CheckKind = "status"
	CheckJSON         CheckKind = "json"
	CheckBodyContains CheckKind = "body_contains"
	CheckHeader       CheckKind = "header"
	CheckMaxLatency   CheckKind = "max_latency"
)

// Check is one condition on a step's response.
type Check struct {
	// Name names the check in the results; it defaults to the check written out.
	Name string
	Kind CheckKind
	// Status lists the codes a status check accepts.
	Status []int
	// Path is the JSONPath of a json check; Header the header of a header check; Text the
	// text body_contains looks for.
	Path, Header, Text string
	// Test is what a json or header check asks of the value: TestEquals (Value, a template
	// rendered with the iteration's values), TestExists (Exists) or TestMatches (Value is a
	// regular expression).
	Test   CheckTest
	Value  string
	Exists bool
	// MaxLatency bounds the step's latency.
	MaxLatency time.Duration
}

// CheckTest is the test a json or header check applies.
type CheckTest string

// The tests of json and header checks.
const (
	TestEquals  CheckTest = "equals"
	TestExists  CheckTest = "exists"
	TestMatches CheckTest = "matches"
)

// FlowNames lists the flows' names in scenario order (nil for a scenario of requests).
func (s *Scenario) FlowNames() []string {
	names := []string{} // never nil: "no flows" rejects flow thresholds (gate.ThresholdSet.Flows)
	for _, f := range s.Flows {
		names = append(names, f.Name)
	}
	return names
}

// flowRequestNames are the "FLOW/STEP" names of the request steps, in scenario order.
func (s *Scenario) flowRequestNames() []string {
	var names []string
	seen := map[string]bool{}
	for _, f := range s.Flows {
		for _, st := range f.Steps {
			if st.IsRequest() {
				if n := f.Name + "/" + st.Name; !seen[n] {
					seen[n] = true
					names = append(names, n)
				}
			}
		}
	}
	return names
}

// DescribeGroup says how the group step st runs, for listings: "when COND, repeat N, index i,
// 2 step(s)".
func DescribeGroup(st *Step) string {
	g := st.Group
	var parts []string
	if st.When != nil {
		parts = append(parts, "when "+st.When.Source)
	}
	switch {
	case g.While != nil:
		parts = append(parts, fmt.Sprintf("while %s (max %d)", g.While.Source, g.Max))
	case g.RepeatTemplate != "":
		parts = append(parts, "repeat "+g.RepeatTemplate)
	default:
		parts = append(parts, fmt.Sprintf("repeat %d", g.Repeat))
	}
	if g.Index != "" {
		parts = append(parts, "index "+g.Index)
	}
	return strings.Join(append(parts, fmt.Sprintf("%d step(s)", g.Len)), ", ")
}

// DescribeControl says when a request step runs and how it polls, for listings: "", or
// ", when COND" and ", poll every 200ms until COND (timeout 10s)".
func DescribeControl(st *Step) string {
	var b strings.Builder
	if st.When != nil {
		b.WriteString(", when " + st.When.Source)
	}
	if p := st.Poll; p != nil {
		fmt.Fprintf(&b, ", poll every %s until %s (timeout %s)", p.Interval, p.Until.Source, p.Timeout)
	}
	return b.String()
}
