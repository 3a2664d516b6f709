// Package gate is loadtest's performance gate: thresholds (a small expression language such as
// "p99<200ms" or "profile.errors<0.1%"), their evaluation against a result, the early-abort
// rule for runs that can no longer pass, the comparison of a run with a baseline, and the
// capacity probe's search.
//
// The threshold grammar, in BNF (whitespace is allowed only around OP and at either end):
//
//	threshold   ::= [ name "." ] metric op value
//	name        ::= request name from the scenario (any characters but space, "<", ">", "=", "!"),
//	                in a scenario with flows a step "FLOW/STEP" or, for the flow metrics, a flow
//	metric      ::= latency | "service_time." latency | "errors" | "success"
//	              | "rps" | "throughput" | "requests"
//	              | "checks" | "iterations" | "dropped_iterations"
//	              | "iteration." latency | "failed_iteration." latency
//	              | "completion." latency | "attempts." ( "max" | "mean" ) | "skipped"
//	latency     ::= percentile | "mean" | "min" | "max"
//	percentile  ::= "p" number | "p(" number ")"        (0 to 100: p50, p99.9, p(99.99))
//	op          ::= "<" | "<=" | ">" | ">=" | "=="
//	value       ::= duration | ratio | rate | count     (which one is set by the metric)
//	duration    ::= number ( "ns" | "us" | "µs" | "ms" | "s" | "m" )
//	ratio       ::= number "%" | number                 (0% to 100%, or a fraction 0 to 1)
//	rate        ::= number [ "/s" ]
//	count       ::= digits
//	number      ::= digits [ "." digits ] | "." digits
//
// Latency metrics (corrected for coordinated omission) and service_time ones take durations,
// errors and success take ratios, rps and throughput take rates in requests per second, and
// requests takes a count.
//
// The flow metrics (scenarios with flows): checks is the ratio of passed checks (a ratio, of
// the run, of one flow "FLOW.checks" or of one step "FLOW/STEP.checks"); iterations and
// dropped_iterations count iterations started and starts dropped at max_sessions; iteration.*
// is the duration of completed iterations and failed_iteration.* that of failed ones, from
// the intended start to the end of the last step (durations; of every flow, or of one:
// "login-and-swipe.iteration.p99<2s"). These four take a flow name, not a step.
//
// The metrics of a flow's control flow take a flow or a step: completion.* is the completion
// time of the polls that succeeded, from the first attempt's intended start to the end of the
// attempt that saw the condition hold (durations: "async/wait.completion.p99<5s");
// attempts.max and attempts.mean are the attempts per poll (numbers); skipped counts the
// request steps a when skipped (a count: "async/like.skipped<100").
package gate

import (
	"strconv"
	"strings"
)

// Kind is what a metric measures.
type Kind int

// The kinds of metric a threshold or a regression bound can name.
const (
	KindLatency           Kind = iota + 1 // latency from the intended send time, in ms
	KindServiceTime                       // latency from the actual send time (vegeta's view), in ms
	KindErrors                            // ratio of failed requests, 0..1
	KindSuccess                           // ratio of successful requests, 0..1
	KindRPS                               // achieved request rate, req/s
	KindThroughput                        // rate of successful requests, req/s
	KindRequests                          // count of requests sent
	KindChecks                            // ratio of passed checks, 0..1 (flows)
	KindIterations                        // count of iterations started (flows)
	KindDroppedIterations                 // count of iteration starts dropped at max_sessions (flows)
	KindIteration                         // duration of completed iterations, in ms (flows)
	KindFailedIteration                   // duration of failed iterations, in ms (flows)
	KindCompletion                        // completion time of polls that succeeded, in ms (flows)
	KindAttempts                          // attempts per poll, max or mean (flows)
	KindSkipped                           // count of request steps a when skipped (flows)
)

// Stat is the statistic of a latency distribution a latency metric takes.
type Stat int

// The statistics of a latency distribution.
const (
	StatPercentile Stat = iota + 1
	StatMean
	StatMax
	StatMin
)

// Metric is one measurable figure of a result: a kind and, for latencies, a statistic.
type Metric struct {
	Kind Kind
	Stat Stat // latency and service time only
	// Percentile is 0..100 for StatPercentile (99.9 for p99.9).
	Percentile float64
}

// IsLatency reports whether m is a duration metric (valued in ms): latency, service time, or
// the duration of iterations.
func (m Metric) IsLatency() bool {
	return m.Kind == KindLatency || m.Kind == KindServiceTime || m.IsIteration() || m.Kind == KindCompletion
}

// IsIteration reports whether m is a duration of iterations (completed or failed).
func (m Metric) IsIteration() bool { return m.Kind == KindIteration || m.Kind == KindFailedIteration }

// IsRatio reports whether m is valued as a 0..1 fraction: errors, success, checks.
func (m Metric) IsRatio() bool {
	return m.Kind == KindErrors || m.Kind == KindSuccess || m.Kind == KindChecks
}

// IsFlow reports whether m is a metric of the flows of a run, measured on flows rather than on
// requests: checks, iterations, dropped_iterations and the iteration durations.
func (m Metric) IsFlow() bool { return m.Kind >= KindChecks && m.Kind <= KindSkipped }

// TakesStep reports whether m may be scoped to a step ("FLOW/STEP") as well as to a flow:
// checks, completion, attempts and skipped.
func (m Metric) TakesStep() bool {
	return m.Kind == KindChecks || m.Kind == KindCompletion || m.Kind == KindAttempts || m.Kind == KindSkipped
}

// HigherIsWorse reports whether an increase of m is a regression: true for latencies, errors
// and dropped iterations, false for success, checks, rates and counts.
func (m Metric) HigherIsWorse() bool {
	return m.IsLatency() || m.Kind == KindErrors || m.Kind == KindDroppedIterations || m.Kind == KindAttempts
}

// String is the metric's canonical name: "p99", "p99.9", "mean", "service_time.max", "errors".
func (m Metric) String() string {
	switch m.Kind {
	case KindLatency:
		return m.statName()
	case KindServiceTime:
		return "service_time." + m.statName()
	case KindErrors:
		return "errors"
	case KindSuccess:
		return "success"
	case KindRPS:
		return "rps"
	case KindThroughput:
		return "throughput"
	case KindRequests:
		return "requests"
	case KindChecks:
		return "checks"
	case KindIterations:
		return "iterations"
	case KindDroppedIterations:
		return "dropped_iterations"
	case KindIteration:
		return "iteration." + m.statName()
	case KindFailedIteration:
		return "failed_iteration." + m.statName()
	case KindCompletion:
		return "completion." + m.statName()
	case KindAttempts:
		return "attempts." + m.statName()
	case KindSkipped:
		return "skipped"
	}
	return "unknown"
}

func (m Metric) statName() string {
	switch m.Stat {
	case StatMean:
		return "mean"
	case StatMax:
		return "max"
	case StatMin:
		return "min"
	}
	return "p" + strconv.FormatFloat(m.Percentile, 'f', -1, 64)
}

// Unit is the unit of a measured value as results record it: "ms" for latencies, "%" for
// ratios (recorded as percentages), "req/s" for rates, "" for counts.
func (m Metric) Unit() string {
	switch {
	case m.IsLatency():
		return "ms"
	case m.IsRatio():
		return "%"
	case m.Kind == KindRPS || m.Kind == KindThroughput:
		return "req/s"
	}
	return ""
}

// Op is a comparison operator.
type Op string

// The operators of the threshold grammar.
const (
	OpLess         Op = "<"
	OpLessEqual    Op = "<="
	OpGreater      Op = ">"
	OpGreaterEqual Op = ">="
	OpEqual        Op = "=="
)

// Holds reports whether "measured op bound" is true.
func (o Op) Holds(measured, bound float64) bool {
	switch o {
	case OpLess:
		return measured < bound
	case OpLessEqual:
		return measured <= bound
	case OpGreater:
		return measured > bound
	case OpGreaterEqual:
		return measured >= bound
	case OpEqual:
		return measured == bound
	}
	return false
}

// Source values of a Threshold: where its expression came from. SourceDefault marks the
// thresholds a run gets when it has none of its own (DefaultThresholds).
const (
	SourceFlag     = "flag"
	SourceScenario = "scenario"
	SourceDefault  = "default"
)

// Threshold is one parsed threshold expression.
type Threshold struct {
	// Expr is the expression as written, without surrounding space.
	Expr string
	// Source is SourceFlag, SourceScenario or SourceDefault (empty from Parse).
	Source string
	// Request scopes the threshold to one named request of the scenario (in a scenario with
	// flows, a step "FLOW/STEP"); Flow scopes a flow metric to one flow. At most one is set;
	// both are empty for the whole run.
	Request string
	Flow    string
	Metric  Metric
	Op      Op
	// Value is the bound in the metric's base unit: ms for latencies, a 0..1 fraction for
	// errors and success, req/s for rates, a count for requests.
	Value float64
}

// String returns the expression as written.
func (t Threshold) String() string { return t.Expr }

// Canonical returns the threshold in a normal form: two thresholds with the same canonical
// form test the same thing ("p(95) < 0.2s" and "p95<200ms"). It parses back to t.
func (t Threshold) Canonical() string {
	var b strings.Builder
	if scope := t.Scope(); scope != "" {
		b.WriteString(scope)
		b.WriteByte('.')
	}
	b.WriteString(t.Metric.String())
	b.WriteString(string(t.Op))
	v := strconv.FormatFloat(t.Value, 'f', -1, 64)
	switch {
	case t.Metric.IsLatency():
		v += "ms"
	case t.Metric.Kind == KindRPS || t.Metric.Kind == KindThroughput:
		v += "/s"
	}
	b.WriteString(v)
	return b.String()
}

// Scope is the name the threshold is scoped to: its request (or step), its flow, or "" for the
// whole run.
func (t Threshold) Scope() string { return t.Request + t.Flow }

// displayValue converts a value in the metric's base unit to the unit results record.
func displayValue(m Metric, v float64) float64 {
	if m.IsRatio() {
		return v * 100
	}
	return v
}

// splitScope says whether the scope of a metric names a request (or step) or a flow: the flow
// metrics take a flow, except checks, which also takes a step ("FLOW/STEP").
func splitScope(scope string, m Metric) (request, flow string) {
	if m.IsFlow() && !(m.TakesStep() && strings.Contains(scope, "/")) {
		return "", scope
	}
	return scope, ""
}
