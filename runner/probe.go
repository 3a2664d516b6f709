package runner

import (
	"context"
	"errors"
	"time"

	"github.com/loadtestdev/loadtest/gate"
	"github.com/loadtestdev/loadtest/results"
	"github.com/loadtestdev/loadtest/scenarios"
)

// ProbeOptions describe a capacity probe: gate's search (SLOs, rates, steps, precision) run
// in constant-rate steps, one attack each.
type ProbeOptions struct {
	// Scenario and Source are as Run's; each step overrides the rate, stages and duration.
	Scenario *scenarios.Scenario
	Source   *ScenarioOptions
	Search   gate.ProbeOptions
	// StepDuration is the length of each step.
	StepDuration time.Duration
	// Pause is the idle time before every step but the first, for the server to drain what
	// the previous step left queued.
	Pause time.Duration
	// OnStepStart, when set, is told each step's number (from 1) and rate as it starts.
	OnStepStart func(n int, rate float64)
	// SampleInterval samples both hosts around every step, as a run does: each step then
	// records its host section and the generator's saturation warnings, which tell a step the
	// generator failed from one the server failed.
	SampleInterval time.Duration
	Version, Exe   string
}

// Probe prepares the target as Run does, runs gate.Probe with one attack per step and returns
// the result of the sustainable step with its probe section (see gate.Probe).
func Probe(ctx context.Context, o ProbeOptions) (r *results.Result, err error) {
	ro := Options{Source: o.Source, Version: o.Version, SampleInterval: o.SampleInterval}
	tgt, eo, err := prepare(ctx, o.Scenario, o.Source, o.Exe, ro.userAgent())
	if err != nil {
		return nil, err
	}
	defer func() { err = errors.Join(err, tgt.Stop()) }()
	ao := AttackOptions{Engine: eo, Sampling: &Sampling{ServerPID: tgt.ServerPID, Interval: o.SampleInterval}}
	r, err = gate.Probe(ctx, o.Search, o.step(ao))
	if r != nil {
		r.Version = o.Version
	}
	return r, err
}

// step is the probe's gate.StepFunc: one constant-rate attack, after the pause.
func (o ProbeOptions) step(ao AttackOptions) gate.StepFunc {
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
		step := ao
		step.Engine.RatePerSec, step.Engine.Stages, step.Engine.Duration = rate, nil, o.StepDuration
		out, err := Attack(ctx, step)
		if out == nil {
			return nil, err
		}
		return out.Result, err
	}
}
