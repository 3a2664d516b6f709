package capacity

// Step is one step of a plan's arithmetic, recorded by the function that does it so that
// --explain shows the numbers the plan used rather than a second computation of them.
type Step struct {
	// Formula is the step in symbols: "daily = DAU × requests per user".
	Formula string
	// Text is the step with the numbers put in and its result, each {} standing for the
	// next of Values: "daily = {} × {} = {} requests".
	Text string
	// Values are the numbers put in, then the result (and any further results).
	Values []Value
}

// ValueKind says how a number of a Step is meant: a plain number, a whole count, a ratio
// (shown as a percentage) or a time in seconds.
type ValueKind int

// The kinds of value a step holds.
const (
	KindNumber ValueKind = iota
	KindCount
	KindRatio
	KindSeconds
)

// Value is one number of a step with its kind.
type Value struct {
	Kind ValueKind
	V    float64
}

func num(v float64) Value     { return Value{KindNumber, v} }
func count(n int) Value       { return Value{KindCount, float64(n)} }
func ratio(v float64) Value   { return Value{KindRatio, v} }
func seconds(v float64) Value { return Value{KindSeconds, v} }

func step(formula, text string, values ...Value) Step {
	return Step{Formula: formula, Text: text, Values: values}
}

// Explain is every step of the plan's arithmetic in order: demand, servers, database,
// Little's law and the worker pool.
func (p *Plan) Explain() []Step {
	steps := append([]Step(nil), p.Demand.Steps...)
	if p.Supply != nil {
		steps = append(steps, p.Supply.Steps...)
	}
	if p.Tier != nil {
		steps = append(steps, p.Tier.Steps...)
	}
	if p.Concurrency != nil {
		steps = append(steps, p.Concurrency.Steps...)
	}
	return append(steps, p.WorkerSteps...)
}
