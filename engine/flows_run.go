package engine

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	"github.com/loadtestdev/loadtest/results"
	"github.com/loadtestdev/loadtest/scenarios"
)

// A run of flows: the run's pacer gives the start time of each iteration (hit n of the pacer
// is iteration n, so stages, every pacer and a sharded schedule apply to iterations as they do
// to hits); a dispatcher starts each on a session, at most MaxSessions in progress at once,
// and drops and counts a start that finds them all in progress (never queued: a queue would
// hide the overload that dropped_iterations reports). A session runs the iteration's steps in
// order over the run's one HTTP client transport (h1Transport for plain http, the tuned
// http.Transport for https and HTTP/2), with a cookie jar of its own, and records every step
// into the same aggregator, histograms and timeline as a run of requests. Sessions are not
// goroutines: flows_sched.go runs them on runners and parks them in their think times.

// flowRun is the shared state of one run of flows. mu guards agg, which sessions, the
// dispatcher and the progress ticker all write.
type flowRun struct {
	p         *plan
	sessions  int
	transport http.RoundTripper // the run's one client transport, shared by the sessions
	redirects *redirectPolicy   // where the steps that follow redirects may go

	slots   chan struct{}  // one per iteration in progress: at most sessions
	work    chan *session  // a session with a step to run, to an idle runner
	quit    chan struct{}  // closed when every iteration is over: the runners end
	iters   sync.WaitGroup // the iterations in progress
	runners sync.WaitGroup
	idle    atomic.Int32 // runners waiting for a session
	all     []*session   // every session made (dispatcher only, then await)
	freeMu  sync.Mutex
	free    []*session // the sessions whose iteration ended

	mu  sync.Mutex
	agg *aggregator

	sentRequests atomic.Uint64
	busy         atomic.Int64 // iterations in progress

	// sessCtx ends every step and think time when the grace after the stop is over; watch
	// ends the runners' requests on HTTP/1.1 then (cut)
	sessCtx  context.Context
	watch    cutWatch
	cutShort atomic.Uint64 // iterations the end of the grace cut short
}

// flowJob is one iteration start: its number (the pacer's hit count) and intended start.
type flowJob struct {
	n        uint64
	intended time.Time
}

func runFlows(ctx context.Context, p *plan) (*results.Result, error) {
	sessions := p.MaxSessions
	if sessions <= 0 {
		sessions = scenarios.DefaultMaxSessions
	}
	sessions = p.Shard.Part(sessions) // the shards' sessions add up to max_sessions
	if sessions > MaxConnections {
		return nil, fmt.Errorf("engine: max_sessions %d is out of range, want 1 to %d", sessions, MaxConnections)
	}
	p.Connections = sessions // a session has one request in flight: the connection bound
	var procs *procTuner
	if p.TuneProcess {
		// the rate counts iterations: the processors are sized for their mean request steps,
		// and given back as soon as a second's starts leave late (checks, extractions and
		// loops make an iteration's CPU only estimated)
		defer tuneGC()()
		if !p.FlowPlan.Parks() {
			// sessions that park (think times, polls) cost timers and a wake-up each on top
			// of their requests: 10,000 iterations/s of one request and a 5 s think fell
			// seconds behind on one processor
			procs = tuneProcs(p, p.FlowPlan.RequestsPerIteration())
			defer procs.restore()
		}
	}
	var bytesIn atomic.Uint64
	client := newClient(&p.Options, &bytesIn)
	defer client.CloseIdleConnections()
	if !p.StartAt.IsZero() {
		if err := sleepCtx(ctx, time.Until(p.StartAt)); err != nil {
			return nil, fmt.Errorf("engine: not started: %w", err)
		}
	}
	began := time.Now()
	if !p.StartAt.IsZero() {
		began = p.StartAt
	}
	agg := newAggregator(p, began)
	agg.attackBegan = began
	agg.flows = newFlowFigures(p.FlowPlan.Flows(), p.FlowPlan.Names())
	agg.procs = procs
	sessCtx, cutAll := context.WithCancel(context.WithoutCancel(ctx))
	defer cutAll()
	r := &flowRun{p: p, sessions: sessions, transport: traced(client.Transport, p.Trace), agg: agg, sessCtx: sessCtx,
		redirects: newRedirectPolicy(nil, p.FlowPlan.Origins()),
		slots:     make(chan struct{}, sessions), work: make(chan *session), quit: make(chan struct{})}
	agg.sent = &r.sentRequests

	cut := func() {
		cutAll()
		r.watch.fire()
	}
	stopErr := r.run(ctx, began, cut)
	if p.OnEnd != nil {
		r.mu.Lock()
		end := agg.progress(agg.last)
		r.withFlows(&end)
		r.mu.Unlock()
		p.OnEnd(end)
	}
	res, err := r.result(bytesIn.Load())
	res.Interrupted = ctx.Err() != nil
	if p.Shard.Sharded() {
		res.Shard = &results.Shard{Index: p.Shard.Index, Count: p.Shard.Count}
	}
	return res, errors.Join(err, stopErr, agg.targetErr)
}

// run dispatches the iterations with the progress ticker beside, then waits for the sessions
// (cutting them short when the grace is over). It returns OnSecond's error, if any.
func (r *flowRun) run(ctx context.Context, began time.Time, cut func()) error {
	dispatchCtx, stopDispatch := context.WithCancel(ctx)
	defer stopDispatch()
	var stopErr error
	tickDone := make(chan struct{})
	go func() {
		defer close(tickDone)
		if stopErr = r.tick(dispatchCtx); stopErr != nil {
			stopDispatch()
		}
	}()
	if r.p.planned > 0 {
		// the hard stop, as for requests: the pacer may wait for a start due before the end
		t := time.AfterFunc(time.Until(began.Add(r.p.planned+lateAfter)), stopDispatch)
		defer t.Stop()
	}
	r.dispatch(dispatchCtx, began)
	stopDispatch()
	<-tickDone
	r.await(r.p.Grace, cut)
	return stopErr
}

// result renders the run's figures with its warnings about dropped and cut-short iterations.
func (r *flowRun) result(bytesIn uint64) (*results.Result, error) {
	res, err := r.agg.result(bytesIn)
	res.Sent = r.sentRequests.Load()
	res.Warnings = r.lateStarts(res.Warnings)
	if w, ok := droppedWarning(res.DroppedIterations, r.p.Options.plannedStarts(), r.sessions); ok {
		res.Warnings = append(res.Warnings, w)
	}
	if n := r.cutShort.Load(); n > 0 {
		res.Warnings = append(res.Warnings, results.Warning{
			Code: "iterations_cut_short",
			Message: fmt.Sprintf("%d iteration(s) still running %s after the stop were cut short: they count as failed, their last step is not counted",
				n, r.p.Grace),
			Values: map[string]float64{"iterations": float64(n)},
		})
	}
	return res, err
}

// lateStarts replaces the aggregator's behind_schedule warning, which is about hits waiting for
// a connection, by the one of a run of flows: more than 1% of the iterations' first steps left
// more than lateAfter after their intended start. A start never waits for a session (it is
// dropped instead), so that is the generator's own delay (its CPU or its timer).
func (r *flowRun) lateStarts(ws []results.Warning) []results.Warning {
	out := ws[:0]
	for _, w := range ws {
		if w.Code != "behind_schedule" {
			out = append(out, w)
		}
	}
	a := r.agg
	n := a.flows.iterations
	if n == 0 || float64(a.late)/float64(n) <= 0.01 {
		return out
	}
	ratio := float64(a.late) / float64(n)
	return append(out, results.Warning{
		Code: "behind_schedule",
		Message: fmt.Sprintf("%.1f%% of the iterations' first steps left more than %s after their intended start (up to %s): "+
			"the generator itself (its CPU or its timer; see the host warnings) could not start them on time, "+
			"since a start that finds every session busy is dropped, not delayed; latency_ms counts that wait, service_time_ms does not",
			100*ratio, lateAfter, a.maxLag.Round(time.Millisecond)),
		Values: map[string]float64{"late_ratio": ratio, "max_lag_ms": float64(a.maxLag) / 1e6, "cause": BehindGenerator,
			"peak_in_flight": float64(a.peakInFlight), "connections": float64(a.p.Connections)},
	})
}

// dispatch starts iterations on the pacer's schedule until the pacer or ctx ends the run.
func (r *flowRun) dispatch(ctx context.Context, began time.Time) {
	timer := time.NewTimer(time.Hour)
	defer timer.Stop()
	fp := r.p.FlowPlan
	for hit := uint64(0); ; hit++ {
		wait, stop := r.p.pacer.Pace(time.Since(began), hit)
		if stop || ctx.Err() != nil {
			return
		}
		if wait > 0 {
			timer.Reset(wait)
			select {
			case <-timer.C:
			case <-ctx.Done():
				return
			}
		}
		// the pacer is already the shard's stripe of the whole run's (Stripe, in newPlan): its
		// hit-th start is the whole run's iteration Global(hit), due at the whole run's time of it
		n := r.p.Shard.Global(hit)
		job := flowJob{n: n, intended: time.Now()}
		if r.p.schedule != nil {
			job.intended = began.Add(r.p.schedule.SendTime(hit))
		}
		if r.begin(ctx, job) {
			continue
		}
		flow := fp.FlowOf(n)
		r.mu.Lock()
		r.agg.flows.drop(flow)
		r.agg.timeline.at(time.Now().Unix()).dropped++
		r.mu.Unlock()
	}
}

// await waits for the sessions to finish their iterations, cutting them short when grace is
// over.
func (r *flowRun) await(grace time.Duration, cut func()) {
	done := make(chan struct{})
	go func() {
		r.iters.Wait()
		close(done)
	}()
	t := time.NewTimer(grace)
	defer t.Stop()
	select {
	case <-done:
	case <-t.C:
		cut()
		r.cutParked()
		<-done
	}
	close(r.quit)
	r.runners.Wait()
}

// tick reports progress once a second until ctx ends; an OnSecond error stops the run.
func (r *flowRun) tick(ctx context.Context) error {
	t := time.NewTicker(time.Second)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return nil
		case now := <-t.C:
			r.mu.Lock()
			// late starts, as for requests (a start dropped because every session was busy
			// is not counted: max_sessions, not the generator's CPU, bounds those)
			r.agg.procsSecond()
			pr := r.agg.progress(now)
			r.withFlows(&pr)
			r.agg.withPartial(&pr, now)
			r.mu.Unlock()
			if r.p.OnSecond != nil {
				if err := r.p.OnSecond(pr); err != nil {
					return err
				}
			}
		}
	}
}

// withFlows adds the iteration figures to a progress report; r.mu is held.
func (r *flowRun) withFlows(pr *Progress) {
	f := r.agg.flows
	pr.Iterations, pr.IterationsCompleted, pr.IterationsFailed, pr.DroppedIterations = f.iterations, f.completed, f.failed, f.dropped
	pr.InFlight = uint64(max(r.busy.Load(), 0))
}

// sleepCtx sleeps for d, or until ctx ends (then its error).
func sleepCtx(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return ctx.Err()
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}
