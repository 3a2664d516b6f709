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
// the highest rate that passed; 0 when none did.

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
// every step taken. When ctx is cancelled it stops and returns what it found, with
// Interrupted set; an interrupted step is not judged. A step that fails with an error ends
// the probe with that error and what was found so far.
func Probe(ctx context.Context, o ProbeOptions, step StepFunc) (*results.Result, error) {
	if err := o.check(); err != nil {
		return nil, err
	}
	var (
		best, last  *results.Result
		pass, fail  = 0.0, math.Inf(1)
		rate        = o.Start
		probe       = &results.Probe{SLOs: sloStrings(o.SLOs)}
		interrupted bool
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
		s := o.judge(r, rate)
		probe.Steps = append(probe.Steps, s)
		if o.OnStep != nil {
			o.OnStep(n, s)
		}
		last = r
		if s.Passed {
			pass, best = rate, r
		} else {
			fail = rate
		}
		next, done := o.nextRate(pass, fail)
		if done {
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
	probe.SustainableRate = pass
	out.Probe = probe
	out.Interrupted = out.Interrupted || interrupted
	return out, stepErr
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

// judge evaluates one step's result against the SLOs and the rate it was asked for.
func (o *ProbeOptions) judge(r *results.Result, asked float64) results.ProbeStep {
	s := results.ProbeStep{
		RateAsked:  asked,
		Rate:       r.Rate,
		Throughput: r.Throughput,
		P99MS:      r.LatencyMS.P99,
		Passed:     true,
	}
	if r.Requests > 0 {
		s.ErrorRatio = float64(r.Requests-min(r.Successes, r.Requests)) / float64(r.Requests)
	}
	var breached []string
	for _, tr := range Evaluate(r, o.SLOs) {
		if !tr.Passed {
			breached = append(breached, tr.Expression)
		}
	}
	if r.Rate < o.MinRateRatio*asked {
		breached = append(breached, fmt.Sprintf("rate %.0f/s < %g%% of %.0f/s", r.Rate, o.MinRateRatio*100, asked))
	}
	if len(breached) > 0 {
		s.Passed = false
		s.Breached = strings.Join(breached, ", ")
	}
	return s
}

func sloStrings(ths []Threshold) []string {
	out := make([]string, len(ths))
	for i, th := range ths {
		out[i] = th.Expr
	}
	return out
}
