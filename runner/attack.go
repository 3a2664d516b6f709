package runner

import (
	"context"
	"errors"
	"strings"
	"time"

	"github.com/loadtestdev/loadtest/collector"
	"github.com/loadtestdev/loadtest/engine"
	"github.com/loadtestdev/loadtest/gate"
	"github.com/loadtestdev/loadtest/results"
	"github.com/loadtestdev/loadtest/scenarios"
)

// Observer is told the run's progress once a second (engine.Options.OnSecond), on the
// goroutine that aggregates results, so it must be quick. A non-nil error stops the run.
type Observer func(engine.Progress) error

// Sampling says how the host sampling of a run samples (collector.SessionOptions without the
// target, which is the engine's).
type Sampling struct {
	// ServerPID is the pid of the server the run started, 0 if none.
	ServerPID int
	Interval  time.Duration
	// ReadyWait bounds the wait for the first samples (default collector.DefaultReadyWait).
	ReadyWait time.Duration
	// NoServerStats sends no GET /stats to the target (collector.SessionOptions).
	NoServerStats bool
}

// AttackOptions describe one attack: the engine's run of a compiled scenario with the host
// sampling around it, its observers and its gate. Run prepares them; a probe makes one per
// step.
type AttackOptions struct {
	// Engine is the compiled scenario and the engine's options. Its OnSecond and OnEnd are
	// the runner's: add observers with Observers.
	Engine engine.Options
	// Thresholds are evaluated on the result (gate.LoadThresholds makes them); with
	// AbortOnFail they are also checked every second and the run stops as soon as one can no
	// longer pass.
	Thresholds  []gate.Threshold
	AbortOnFail bool
	// Sampling samples both hosts around the run; nil samples nothing.
	Sampling *Sampling
	// Observers see the progress every second, before the gate.
	Observers []Observer
	// BeforeStart, when set, is called once the host sampling has started and just before
	// the engine runs, with the engine's options to adjust: a coordinated shard waits there
	// for the common start and sets StartAt. An error ends the run before anything is sent
	// (Attack returns it with a nil outcome).
	BeforeStart func(context.Context, *engine.Options) error
}

// Outcome is what a run produced: the result (with its thresholds, host section and
// warnings) and the gate's verdict.
type Outcome struct {
	Result *results.Result
	// Verdict is nil when every threshold passed (or there were none), else a
	// *gate.BreachError: a threshold breached at the end, or the run stopped by --abort-on-fail.
	Verdict error
	// Aborted records the early stop of --abort-on-fail, nil if none.
	Aborted *gate.Abort
	// Notes are one-line remarks for the user about the run, such as a server side that
	// could not be sampled.
	Notes []string

	// Role is the run's part in a coordinated run (RoleSingle when not coordinated).
	Role Role
	// Lost are the shards the coordinator lost (RoleCoordinator): the result keeps what they
	// reported.
	Lost []int
	// Undelivered is why a shard's result did not reach the coordinator (RoleShard; nil once
	// delivered): the shard then reports its own result, kept in KeptOwn when that is set.
	Undelivered error
	KeptOwn     string
	// Coordinator is the address a shard delivered its result to.
	Coordinator string
}

// Role is a run's part in a coordinated run.
type Role int

// The roles of a run.
const (
	RoleSingle      Role = iota // a run of its own, perhaps a standalone shard
	RoleShard                   // a shard that joined a coordinator
	RoleCoordinator             // the coordinator (and its own shard): the outcome is the merged run
)

// ErrAbortNeedsThresholds is returned by Attack for AbortOnFail without thresholds.
var ErrAbortNeedsThresholds = errors.New("runner: --abort-on-fail needs thresholds: give --threshold EXPR or use a scenario with thresholds")

// Attack runs the engine once, with the host sampling, the observers and the gate. It returns
// the outcome whenever the engine measured something, also when the run was interrupted
// (Result.Interrupted) or failed halfway (then with the error too); a nil outcome only when
// the run could not start.
func Attack(ctx context.Context, o AttackOptions) (*Outcome, error) {
	if o.AbortOnFail && len(o.Thresholds) == 0 {
		return nil, ErrAbortNeedsThresholds
	}
	var notes []string
	var session *collector.Session
	if o.Sampling != nil {
		session = collector.StartSession(ctx, collector.SessionOptions{
			Target: o.Engine.Target, OtherHosts: otherHosts(o.Engine), ServerPID: o.Sampling.ServerPID, Interval: o.Sampling.Interval, ReadyWait: o.Sampling.ReadyWait,
			NoServerStats: o.Sampling.NoServerStats, UserAgent: o.Engine.UserAgent,
			Client: o.Engine.TLS.SideClient(), // an https target's /stats verifies as the load does
		})
	}
	eo := o.Engine
	if o.BeforeStart != nil {
		if err := o.BeforeStart(ctx, &eo); err != nil {
			if session != nil {
				session.Finish(collector.EngineFigures{})
			}
			return nil, err
		}
	}
	var watcher *gate.Watcher
	if o.AbortOnFail {
		watcher = gate.NewWatcher(o.Thresholds, eo.PlannedRequests())
	}
	eo.OnSecond = observe(o.Observers, watcher)
	var final engine.Progress
	eo.OnEnd = func(p engine.Progress) { final = p }

	r, runErr := engine.Run(ctx, eo)
	if watcher != nil {
		watcher.Stop()
	}
	if session != nil {
		rep := session.Finish(collector.EngineFigures{
			ConnectionCap: connectionCap(eo), Sessions: eo.FlowPlan != nil, PeakInFlight: int(final.PeakInFlight), FDErrors: fdErrors(r),
			BehindSchedule: r != nil && hasWarning(r, "behind_schedule"),
		})
		if rep.Note != "" {
			notes = append(notes, rep.Note)
		}
		if r != nil {
			recordHost(r, rep)
		}
	}
	if r == nil {
		return nil, runErr
	}
	out := &Outcome{Result: r, Notes: notes}
	if watcher != nil {
		out.Aborted = watcher.Aborted()
	}
	runErr = withoutAbort(runErr) // the gate stopped the run on purpose; its verdict says so
	var planned uint64
	if watcher != nil {
		planned = watcher.Planned()
	}
	gate.RecordThresholds(r, o.Thresholds, out.Aborted, planned)
	out.Verdict = gate.Verdict(r, out.Aborted)
	return out, runErr
}

// observe chains the observers and the watcher into the engine's OnSecond.
func observe(obs []Observer, w *gate.Watcher) func(engine.Progress) error {
	if len(obs) == 0 && w == nil {
		return nil
	}
	return func(p engine.Progress) error {
		for _, ob := range obs {
			if err := ob(p); err != nil {
				return err
			}
		}
		if w == nil {
			return nil
		}
		tick := gate.Tick{Elapsed: p.Elapsed, Requests: p.Requests}
		if p.Partial != nil {
			tick.Partial = func() gate.Partial { return p.Partial() }
		}
		return w.Observe(tick)
	}
}

// withoutAbort removes the gate's own stop (gate.ErrAbortOnFail) from the error engine.Run
// returned, keeping any other (engine.Run joins them).
func withoutAbort(err error) error {
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		var rest []error
		for _, e := range j.Unwrap() {
			if !errors.Is(e, gate.ErrAbortOnFail) {
				rest = append(rest, e)
			}
		}
		return errors.Join(rest...)
	}
	if errors.Is(err, gate.ErrAbortOnFail) {
		return nil
	}
	return err
}

// connectionCap is the most connections the engine may open: one per session in a run of
// flows, one per worker otherwise (a shard's part of them).
func connectionCap(eo engine.Options) int {
	if eo.FlowPlan != nil {
		if eo.MaxSessions <= 0 {
			return eo.Shard.Part(scenarios.DefaultMaxSessions)
		}
		return eo.Shard.Part(eo.MaxSessions)
	}
	if eo.Connections <= 0 {
		return eo.Shard.Part(engine.DefaultConnections)
	}
	return eo.Shard.Part(eo.Connections)
}

// fdErrors counts the failed requests whose error says the generator ran out of file
// descriptors.
func fdErrors(r *results.Result) uint64 {
	if r == nil {
		return 0
	}
	var n uint64
	for _, e := range r.Errors {
		if strings.Contains(e.Message, "too many open files") {
			n += e.Count
		}
	}
	return n
}

func hasWarning(r *results.Result, code string) bool {
	for _, w := range r.Warnings {
		if w.Code == code {
			return true
		}
	}
	return false
}
