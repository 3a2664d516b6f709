package gate

import (
	"context"
	"errors"
	"fmt"
	"math"
	"strings"

	"github.com/loadtestdev/loadtest/results"
)

// The probe's search. Each step runs the scenario at one constant rate and passes when every
// SLO holds and the achieved rate reached MinRateRatio of the rate asked (a server that
// cannot keep up shows it there even when no SLO is about rates). The rate doubles from
// Start until a step fails or Max is reached; then it bisects between the last passing and
// the first failing rate until they are within Precision of each other. MaxSteps bounds the
// number of steps, hence (with the step duration) the time. The answer, SustainableRate, is
// the highest rate that passed; 0 when none did. A step that failed because the load
// generator fell behind is not the server's limit: the search stays below it, and when it is
// what bounds the search the probe says the generator, not the server, was the limit. The
// probe says whether it converged (results.Probe).

// Defaults of ProbeOptions.
const (
	DefaultProbePrecision = 0.05
	DefaultMinRateRatio   = 0.95
	// minProbeRate is the lowest rate bisection goes down to, in req/s.
	minProbeRate = 1.0
)

// StepFunc runs one step of a probe at a constant rate (req/s) and returns its result. On
// cancellation of ctx it returns what it measured with Interrupted set (or an error).
type StepFunc func(ctx context.Context, rate float64) (*results.Result, error)

// ProbeOptions configure Probe.
type ProbeOptions struct {
	SLOs     []Threshold
	Start    float64 // first rate, req/s
	Max      float64 // highest rate tried, req/s
	MaxSteps int
	// Precision ends bisection once first failing − last passing ≤ Precision × first
	// failing (default DefaultProbePrecision).
	Precision float64
	// MinRateRatio is the share of the asked rate a step must achieve to pass (default
	// DefaultMinRateRatio).
	MinRateRatio float64
	// OnStep, when set, is called after each step with its outcome (for progress output).
	OnStep func(n int, s results.ProbeStep)
}

// Probe searches for the highest rate that meets the SLOs. It returns the result of the
// highest passing step (or of the last step, when none passed) with its Probe section set to
// every step taken and to whether the search converged (see results.Probe). A failed step
// that the load generator limited (results.Result.GeneratorLimited) is not the server's
// limit: the search goes no higher than it but does not count it as the server's failure.
// When ctx is cancelled it stops and returns what it found, with Interrupted set; an
// interrupted step is not judged. A step that fails with an error ends the probe with that
// error and what was found so far.
func Probe(ctx context.Context, o ProbeOptions, step StepFunc) (*results.Result, error) {
	if err := o.check(); err != nil {
		return nil, err
	}
	var (
		best, last  *results.Result
		s           = search{fail: math.Inf(1), generator: math.Inf(1)}
		rate        = o.Start
		probe       = &results.Probe{SLOs: sloStrings(o.SLOs), Precision: o.Precision}
		interrupted bool
		done        bool
		stepErr     error
	)
	for n := 1; n <= o.MaxSteps; n++ {
		r, err := step(ctx, rate)
		if ctx.Err() != nil || (r != nil && r.Interrupted) {
			interrupted = true
			break
		}
		if err != nil {
			stepErr = fmt.Errorf("probe step %d at %g/s: %w", n, rate, err)
			break
		}
		ps := o.judge(r, rate)
		probe.Steps = append(probe.Steps, ps)
		if o.OnStep != nil {
			o.OnStep(n, ps)
		}
		last = r
		if ps.Passed {
			best = r
		}
		s.record(ps)
		var next float64
		if next, done = o.nextRate(s.pass, s.ceiling()); done {
			break
		}
		rate = next
	}
	out := best
	if out == nil {
		out = last
	}
	if out == nil {
		if stepErr != nil {
			return nil, stepErr
		}
		out = &results.Result{Schema: results.Schema}
	}
	s.conclude(probe, done, interrupted || stepErr != nil, o.Max)
	out.Probe = probe
	out.Interrupted = out.Interrupted || interrupted
	return out, stepErr
}

// search is where a probe stands: the highest rate that passed, the lowest the server failed
// at, and the lowest the generator failed to deliver (+Inf while none).
type search struct {
	pass, fail, generator float64
}

func (s *search) record(ps results.ProbeStep) {
	switch {
	case ps.Passed:
		s.pass = max(s.pass, ps.RateAsked)
	case ps.FailedBy == results.FailedByGenerator:
		s.generator = min(s.generator, ps.RateAsked)
	default:
		s.fail = min(s.fail, ps.RateAsked)
	}
}

// ceiling is the lowest rate the search must stay under: the server's or the generator's.
func (s *search) ceiling() float64 { return math.Min(s.fail, s.generator) }

// conclude fills the probe's answer: the sustainable rate, the bracket, the precision reached
// and why the search stopped. done says the search ended by itself (not by --max-steps).
func (s *search) conclude(p *results.Probe, done, interrupted bool, maxRate float64) {
	p.SustainableRate = s.pass
	p.Bracket = &results.ProbeBracket{HighestPassed: s.pass}
	if !math.IsInf(s.fail, 1) {
		p.Bracket.LowestFailed = s.fail
		if s.pass > 0 {
			p.PrecisionReached = (s.fail - s.pass) / s.fail
		}
	}
	if !math.IsInf(s.generator, 1) {
		p.GeneratorLimit = s.generator
	}
	switch {
	case interrupted:
		p.Stop = results.ProbeInterrupted
	case !done:
		p.Stop = results.ProbeMaxSteps
	case s.pass == 0:
		p.Stop = results.ProbeNonePassed
	case s.generator < s.fail:
		p.Stop = results.ProbeGenerator
	case math.IsInf(s.fail, 1) && s.pass >= maxRate:
		p.Stop = results.ProbeMaxRate
	default:
		p.Stop, p.Converged = results.ProbeConverged, true
	}
}

func (o *ProbeOptions) check() error {
	switch {
	case len(o.SLOs) == 0:
		return errors.New("gate: probe: no SLOs")
	case !(o.Start > 0):
		return fmt.Errorf("gate: probe: start rate %g, want a positive rate", o.Start)
	case o.Max < o.Start:
		return fmt.Errorf("gate: probe: max rate %g is below the start rate %g", o.Max, o.Start)
	case o.MaxSteps < 1:
		return fmt.Errorf("gate: probe: max steps %d, want 1 or more", o.MaxSteps)
	}
	if o.Precision <= 0 {
		o.Precision = DefaultProbePrecision
	}
	if o.MinRateRatio <= 0 {
		o.MinRateRatio = DefaultMinRateRatio
	}
	return nil
}

// nextRate picks the next rate to try from the last passing and first failing rates, or says
// the search is over.
func (o *ProbeOptions) nextRate(pass, fail float64) (float64, bool) {
	if math.IsInf(fail, 1) { // still doubling
		if pass >= o.Max {
			return 0, true
		}
		return math.Min(pass*2, o.Max), false
	}
	if fail-pass <= o.Precision*fail || fail <= minProbeRate {
		return 0, true
	}
	mid := (pass + fail) / 2
	if mid >= 10 {
		mid = math.Round(mid)
	}
	if mid <= pass || mid >= fail {
		return 0, true
	}
	return mid, false
}

// judge evaluates one step's result against the SLOs and the rate it was asked for. A failed
// step is the generator's (results.FailedByGenerator) when the result says the generator
// limited it and every breach is one a generator that falls behind causes
// (generatorCouldCause); else the server's.
func (o *ProbeOptions) judge(r *results.Result, asked float64) results.ProbeStep {
	s := results.ProbeStep{
		RateAsked:  asked,
		Rate:       r.Rate,
		Throughput: r.Throughput,
		P99MS:      r.LatencyMS.P99,
		Passed:     true,
		DurationS:  r.DurationS, Planned: r.Planned, Sent: r.Sent, Requests: r.Requests, Successes: r.Successes,
		StatusCodes: r.StatusCodes, Errors: r.Errors, Warnings: r.Warnings, Host: r.Host,
	}
	if r.Requests > 0 {
		s.ErrorRatio = float64(r.Requests-min(r.Successes, r.Requests)) / float64(r.Requests)
	}
	var breached []string
	generatorCould := true
	for i, tr := range Evaluate(r, o.SLOs) {
		if !tr.Passed {
			breached = append(breached, tr.Expression)
			generatorCould = generatorCould && generatorCouldCause(r, o.SLOs[i])
		}
	}
	if r.Rate < o.MinRateRatio*asked {
		breached = append(breached, fmt.Sprintf("rate %.0f/s < %g%% of %.0f/s", r.Rate, o.MinRateRatio*100, asked))
	} else if r.Planned > 0 && float64(r.Sent) < o.MinRateRatio*float64(r.Planned) {
		// a step that sent a burst late over a shorter span has the rate but not the load
		breached = append(breached, fmt.Sprintf("sent %d < %g%% of %d planned", r.Sent, o.MinRateRatio*100, r.Planned))
	}
	if len(breached) > 0 {
		s.Passed = false
		s.Breached = strings.Join(breached, ", ")
		s.FailedBy = results.FailedByServer
		if _, gen := r.GeneratorLimited(); gen && generatorCould {
			s.FailedBy = results.FailedByGenerator
		}
	}
	return s
}

// generatorCouldCause reports whether a load generator that falls behind could have made th
// fail on r: it sends fewer requests, later (latencies count from the intended send time) and
// with more errors (timeouts, no file descriptor left), so it pushes latencies, errors and
// dropped iterations up and rates, counts, successes and checks down. A breach the other way
// (more requests than a bound allows, say) is not the generator's doing.
func generatorCouldCause(r *results.Result, th Threshold) bool {
	v, ok := Measure(r, th.Scope(), th.Metric)
	if !ok {
		return true
	}
	switch th.Metric.Kind {
	case KindLatency, KindServiceTime, KindErrors, KindDroppedIterations, KindIteration, KindFailedIteration, KindCompletion, KindAttempts:
		return v > th.Value
	}
	return v < th.Value
}

func sloStrings(ths []Threshold) []string {
	out := make([]string, len(ths))
	for i, th := range ths {
		out[i] = th.Expr
	}
	return out
}
