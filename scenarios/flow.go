package scenarios

import (
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

// Step is a request of a flow, or a pause (Think set, every other field empty).
type Step struct {
	// Request is the step's request; its Name is the step's name, unique in the flow.
	Request
	Think   *Think
	Checks  []Check
	Extract []Extract
	// OnFailure overrides the flow's; empty keeps it.
	OnFailure OnFailure
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
			if st.Think == nil {
				if n := f.Name + "/" + st.Name; !seen[n] {
					seen[n] = true
					names = append(names, n)
				}
			}
		}
	}
	return names
}
