package runner

import (
	"context"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/loadtestdev/loadtest/engine"
	"github.com/loadtestdev/loadtest/gate"
	"github.com/loadtestdev/loadtest/scenarios"
)

// Options describe a whole run.
type Options struct {
	// Scenario is the scenario to run, loaded by LoadScenario from Source.
	Scenario *scenarios.Scenario
	// Source is what the scenario was loaded from and with: seed, secret, shard, overrides.
	Source *ScenarioOptions
	// Thresholds are evaluated on the result (LoadThresholds); with AbortOnFail they are also
	// checked every second and the run stops as soon as one can no longer pass.
	Thresholds  []gate.Threshold
	AbortOnFail bool
	// SampleInterval is how often both hosts are sampled; NoServerStats sends no GET /stats.
	SampleInterval time.Duration
	NoServerStats  bool
	Metrics        MetricsOptions
	// Cluster makes the run one shard of a coordinated run (zero: not coordinated).
	Cluster ClusterOptions
	// Debug, when set, makes the run a single traced one (Debug).
	Debug *Debug
	// Progress, when set, shows the run's progress every second (Update) and is cleared
	// (Done) before the outcome is reported.
	Progress Progress
	// ProgressLog, when set, takes a coordinator's progress line every few seconds
	// (cluster.CoordinatorOptions.ProgressLog): where there is no terminal to redraw a status
	// line on (a pod's log, a CI log), a `cluster run` relays these.
	ProgressLog io.Writer
	// ErrOut takes the run's remarks: notes, where metrics are served, the coordinator's
	// address, a shard's delivery.
	ErrOut io.Writer
	// Version is loadtest's version, recorded in the result and the user agent.
	Version string
	// Exe is the binary the bundled server is started from (empty: this one).
	Exe string
	// Report, when set, is called once with the run's outcome and error, before the live
	// metrics linger and the bundled server stops: the caller writes files and renders there.
	// Its error is Run's (without it, the run's own error is).
	Report func(*Outcome, error) error
}

// Progress is a live view of a run.
type Progress interface {
	Update(engine.Progress)
	Done()
}

// Run runs a whole run by its role: a debug run, one shard of a coordinated run (the
// coordinator or a shard that joins it), or a single (perhaps standalone-shard) run. It
// returns the outcome it reported (the merged run's on the coordinator; nil when nothing was
// measured) with Report's error, or the run's error when it never got that far: an
// *InputError for bad input, an error wrapping context.Canceled when interrupted before the
// start.
func Run(ctx context.Context, o Options) (*Outcome, error) {
	var reported *Outcome
	report := o.Report
	o.Report = func(oc *Outcome, err error) error {
		reported = oc
		if report == nil {
			return err
		}
		return report(oc, err)
	}
	if o.ErrOut == nil {
		o.ErrOut = io.Discard
	}
	err := run(ctx, o)
	return reported, err
}

func run(ctx context.Context, o Options) (err error) {
	switch {
	case o.Debug != nil:
		return runDebug(ctx, o)
	case o.Cluster.Active():
		return runCoordinated(ctx, o)
	}
	mx, err := bindMetrics(o.Metrics, o.ErrOut)
	if err != nil {
		return err
	}
	defer func() { err = errors.Join(err, mx.stop()) }()
	tgt, eo, err := prepare(ctx, o.Scenario, o.Source, o.Exe, o.userAgent())
	if err != nil {
		return err
	}
	defer func() { err = errors.Join(err, tgt.Stop()) }()
	mx.serve(eo, o.Version)
	oc, runErr := Attack(ctx, AttackOptions{
		Engine: eo, Thresholds: o.Thresholds, AbortOnFail: o.AbortOnFail,
		Sampling:  o.sampling(tgt),
		Observers: mx.observers(o.progressObserver()...),
	})
	o.progressDone()
	if oc == nil {
		return runErr
	}
	o.finishAttack(oc)
	mx.final(oc.Result)
	return mx.lingerThenStop(ctx, o.report(oc, runErr))
}

func (o *Options) userAgent() string { return "loadtest/" + o.Version }

func (o *Options) sampling(t *Target) *Sampling {
	return &Sampling{ServerPID: t.ServerPID, Interval: o.SampleInterval, NoServerStats: o.NoServerStats}
}

// progressObserver is the Progress's Update as an observer, if there is one.
func (o *Options) progressObserver() []Observer {
	if o.Progress == nil {
		return nil
	}
	return []Observer{func(p engine.Progress) error { o.Progress.Update(p); return nil }}
}

func (o *Options) progressDone() {
	if o.Progress != nil {
		o.Progress.Done()
	}
}

// finishAttack says the attack's notes and records the version on its result.
func (o *Options) finishAttack(oc *Outcome) {
	for _, n := range oc.Notes {
		fmt.Fprintf(o.ErrOut, "note: %s\n", n)
	}
	oc.Result.Version = o.Version
}

// report hands the outcome to Report.
func (o *Options) report(oc *Outcome, runErr error) error { return o.Report(oc, runErr) }
