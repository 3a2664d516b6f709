package runner

import (
	"context"
	"time"

	"github.com/loadtestdev/loadtest/engine"
	"github.com/loadtestdev/loadtest/gate"
	"github.com/loadtestdev/loadtest/results"
)

// ProbeOptions describe a capacity probe: gate's search (SLOs, rates, steps, precision) run
// in constant-rate steps of the engine.
type ProbeOptions struct {
	// Engine is the compiled scenario; each step overrides its rate, stages and duration.
	Engine       engine.Options
	Search       gate.ProbeOptions
	StepDuration time.Duration
	// Pause is the idle time before every step but the first, for the server to drain what
	// the previous step left queued.
	Pause time.Duration
	// OnStepStart, when set, is told each step's number (from 1) and rate as it starts.
	OnStepStart func(n int, rate float64)
	// Sampling samples both hosts around every step, as a run does (nil samples nothing):
	// each step then records its host section and the generator's saturation warnings,
	// which tell a step the generator failed from one the server failed.
	Sampling *Sampling
}

// Probe runs gate.Probe with engine steps and returns the result of the sustainable step with
// its probe section (see gate.Probe).
func Probe(ctx context.Context, o ProbeOptions) (*results.Result, error) {
	return gate.Probe(ctx, o.Search, o.step())
}

// step is the probe's gate.StepFunc: one constant-rate run (Run, with the host sampling),
// after the pause.
func (o ProbeOptions) step() gate.StepFunc {
	steps := 0
	return func(ctx context.Context, rate float64) (*results.Result, error) {
		if steps > 0 && o.Pause > 0 {
			t := time.NewTimer(o.Pause)
			select {
			case <-t.C:
			case <-ctx.Done():
				t.Stop()
				return nil, ctx.Err()
			}
		}
		steps++
		if o.OnStepStart != nil {
			o.OnStepStart(steps, rate)
		}
		eo := o.Engine
		eo.RatePerSec, eo.Stages, eo.Duration = rate, nil, o.StepDuration
		out, err := Run(ctx, Options{Engine: eo, Sampling: o.Sampling})
		if out == nil {
			return nil, err
		}
		return out.Result, err
	}
}
