package engine

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	hdrhistogram "github.com/HdrHistogram/hdrhistogram-go"
	"github.com/loadtestdev/loadtest/results"
	vegeta "github.com/tsenart/vegeta/v12/lib"
)

// lateAfter is how late a hit may leave before it counts as sent behind schedule.
const lateAfter = 10 * time.Millisecond

// Run attacks with o and returns what it measured. It always returns the result measured so
// far, also when ctx is cancelled (sending stops, in-flight requests get up to o.Grace to
// finish, and the result is marked Interrupted), when the target is dead, or when OnSecond or
// the targeter fails (Run then also returns that error). A run with a duration stops sending
// when it is over, whatever the rate (the hits not sent by then are reported as not_sent),
// and waits up to o.Grace for the requests in flight.
func Run(ctx context.Context, o Options) (*results.Result, error) {
	p, err := newPlan(o)
	if err != nil {
		return nil, err
	}
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("engine: not started: %w", err)
	}
	if !p.StartAt.IsZero() {
		if err := waitUntil(ctx, p.StartAt); err != nil {
			return nil, fmt.Errorf("engine: not started: waiting for the start at %s: %w", p.StartAt.Format(time.RFC3339Nano), err)
		}
	}
	if p.FlowPlan != nil {
		return runFlows(ctx, p)
	}
	var procs *procTuner
	if p.TuneProcess {
		defer tuneGC()()
		procs = tuneProcs(p, 1)
		defer procs.restore()
	}
	var bytesIn atomic.Uint64
	client := newClient(&p.Options, &bytesIn)
	defer client.CloseIdleConnections()
	var redirects *redirectTransport
	client.Transport, redirects = wrapRedirects(traced(client.Transport, p.Trace), p.Targeter)
	tg := newTagger(p.Targeter)
	began := time.Now()
	pacer := p.pacer
	if !p.StartAt.IsZero() {
		// the schedule's zero is StartAt, also when Run was called after it: the hits due
		// before now leave late, and their latency counts from their intended times
		began = p.StartAt
		pacer = startPacer{Pacer: pacer, zero: began}
	}
	agg := newAggregator(p, began)
	agg.procs, agg.sent, agg.redirects = procs, &tg.sent, redirects
	if !p.StartAt.IsZero() {
		agg.attackBegan = began // else the attack's own start (attacker.start)
	}
	atk := newAttacker(client, redirects, tg, pacer, p.attackDu, agg, p.Connections)
	atk.start(initialWorkers)

	stopErr, interrupted, abandoned := agg.consume(ctx, atk)

	if p.OnEnd != nil {
		p.OnEnd(agg.progress(agg.last))
	}
	r, err := agg.result(bytesIn.Load())
	r.Interrupted = interrupted
	r.Planned, r.Sent = p.plannedHits, tg.sent.Load()
	if p.Shard.Sharded() {
		r.Shard = &results.Shard{Index: p.Shard.Index, Count: p.Shard.Count}
	}
	// A run stopped early (interrupted, or stopped by OnSecond) did not run its whole
	// course: that stop, not the schedule, explains the hits it did not send.
	if w, ok := results.NotSentWarning(r.Planned, r.Sent, r.DurationS); ok && !interrupted && stopErr == nil {
		r.Warnings = append(r.Warnings, w)
	}
	if abandoned {
		lost := r.Sent - agg.received // hits, not requests: a hit's redirects are requests too
		r.Warnings = append(r.Warnings, results.Warning{
			Code: "in_flight_abandoned",
			Message: fmt.Sprintf("%d request(s) still in flight %s after the stop were not waited for and are not counted",
				lost, p.Grace),
			Values: map[string]float64{"requests": float64(lost)},
		})
	}
	return r, errors.Join(err, stopErr, agg.targetErr)
}

// procsSecond gives the processor tuner, if any, the run's late hits and requests once a
// second; a.mu is held.
func (a *aggregator) procsSecond() {
	if a.procs != nil {
		a.procs.second(a.late, a.total.requests)
	}
}

// aggregator turns the hits' results into the run's figures. The workers record into it
// and the consume goroutine reports its progress, each holding mu; once the run is over (its
// workers done, or closed) only the goroutine of Run reads it.
type aggregator struct {
	mu     sync.Mutex
	closed bool // after the grace period: results still to come are not counted

	p     *plan
	began time.Time
	// attackBegan is the attack's start instant (attacker.start), or StartAt; intended send
	// times count from it.
	attackBegan time.Time
	// slack is the timer resolution corrected latencies forgive (TimerSlack).
	slack    time.Duration
	last     time.Time // the latest completion seen
	total    *stats
	byName   []*stats
	timeline *timeline

	bytesOut uint64
	late     uint64
	procs    *procTuner // may give processors back when hits leave late
	maxLag   time.Duration

	// sent counts the hits handed to vegeta's workers (the tagger's count); received the
	// results read, so sent − received is the number in flight.
	sent         *atomic.Uint64
	received     uint64
	peakInFlight uint64

	// the progress window since the last OnSecond
	window      *hdrhistogram.Histogram
	windowCount uint64
	windowStart time.Time

	targetErr error
	// flows are the figures of a run of flows (nil otherwise)
	flows *flowFigures

	// names are the request names byName is indexed by: the targeter's, then the hops'
	// (see hopStats); nameIdx finds them
	names    []string
	nameIdx  map[string]int
	ownNames int // the targeter's names, the first of names
	// redirects files the hops of the hits that followed redirects (nil when none may)
	redirects *redirectTransport
}

func newAggregator(p *plan, began time.Time) *aggregator {
	a := &aggregator{
		p: p, began: began, last: began, total: newStats(), timeline: newTimeline(), slack: TimerSlack(),
		window: results.NewHistogram(), windowStart: began,
	}
	a.names = p.Targeter.Names()
	a.ownNames = len(a.names)
	for range a.names {
		a.byName = append(a.byName, newStats())
	}
	return a
}

// consume watches the attack until its workers are done or, after an early stop, until the
// grace period is over (then the results still to come are not counted), reporting progress
// once a second.
func (a *aggregator) consume(ctx context.Context, atk *attacker) (stopErr error, interrupted, abandoned bool) {
	tick := time.NewTicker(time.Second)
	defer tick.Stop()
	done := ctx.Done()
	var grace, deadline <-chan time.Time
	if a.p.planned > 0 {
		// the hard stop: no hit is paced after it (a pacer that runs on would be cut here);
		// a hit already paced leaves, and in-flight requests go on, for up to Grace
		t := time.NewTimer(time.Until(a.attackBegan.Add(a.p.planned + lateAfter)))
		defer t.Stop()
		deadline = t.C
	}
	stop := func() {
		atk.Stop()
		if grace == nil {
			grace = time.After(a.p.Grace)
		}
	}
	for {
		select {
		case <-atk.finished:
			return stopErr, interrupted, false
		case now := <-tick.C:
			a.mu.Lock()
			a.procsSecond()
			pr := a.progress(now)
			a.withPartial(&pr, now)
			a.mu.Unlock()
			if a.p.OnSecond != nil && stopErr == nil {
				if err := a.p.OnSecond(pr); err != nil {
					stopErr = err
					stop()
				}
			}
		case <-done:
			done, interrupted = nil, true
			stop()
		case <-deadline:
			deadline = nil
			atk.end()
			if grace == nil {
				grace = time.After(a.p.Grace)
			}
		case <-grace:
			// the workers still waiting for a response finish on their own; what they
			// measure is no longer counted
			a.mu.Lock()
			a.closed = true
			a.mu.Unlock()
			return stopErr, interrupted, true
		}
	}
}

// record counts one hit, from the worker that sent it; nothing once the run's figures are
// closed (the grace period after a stop is over).
func (a *aggregator) record(res *vegeta.Result) {
	a.mu.Lock()
	if !a.closed {
		a.add(res)
	}
	a.mu.Unlock()
}

// add counts one hit.
func (a *aggregator) add(res *vegeta.Result) {
	if a.sent != nil {
		// a worker may already have taken its next hit when its result is read: at most
		// Connections are ever in flight
		a.peakInFlight = max(a.peakInFlight, min(a.sent.Load()-a.received, uint64(a.p.Connections)))
	}
	a.received++
	if res.URL == "" && res.Error != "" {
		// the targeter failed (vegeta stops the attack): no request was sent
		if a.targetErr == nil {
			a.targetErr = fmt.Errorf("engine: targeter: %s", res.Error)
		}
		return
	}
	service := res.Latency
	var c *chain
	if a.redirects != nil && res.Code >= 300 && res.Code < 400 {
		if c = a.redirects.take(res.Seq); c != nil {
			service = max(service-c.elapsed, 0) // the hit's own exchange; the hops count apart
		}
	}
	done := res.Timestamp.Add(service)
	latency := service
	if a.p.schedule != nil {
		intended := a.attackBegan.Add(a.p.schedule.SendTime(res.Seq))
		lag := res.Timestamp.Sub(intended)
		latency = correctedLatency(service, lag, a.slack)
		if lag > lateAfter {
			a.late++
			a.maxLag = max(a.maxLag, lag)
		}
	}
	ok := res.Error == "" && res.Code >= 200 && res.Code < 400
	class, msg := "", res.Error
	i := untag(res.URL)
	if c != nil && c.class != "" {
		ok, class, msg = false, c.class, c.msg
	} else if !ok {
		class = classify(res.Code, res.Error)
		if class == ClassBuild {
			msg = a.buildMessage(i, res)
		}
	}
	a.total.add(res.Code, ok, latency, service, class, msg, res.Headers)
	if i >= 0 && i < len(a.byName) {
		a.byName[i].add(res.Code, ok, latency, service, class, msg, res.Headers)
	}
	a.bytesOut += res.BytesOut
	a.timeline.add(done.Unix(), ok, latency)
	results.RecordDuration(a.window, latency)
	a.windowCount++
	if done.After(a.last) {
		a.last = done
	}
	if c != nil {
		a.addHops(c.hops)
	}
}

// buildMessage is the sample of a hit of request i that could not be built: it names the
// request, and the cause, which quotes the value.
func (a *aggregator) buildMessage(i int, res *vegeta.Result) string {
	name := "?"
	if i >= 0 && i < a.ownNames {
		name = a.names[i]
	}
	cause := res.Error
	if strings.HasPrefix(res.URL, unbuilt) {
		cause = stripTag(res.URL[len(unbuilt):]) // the targeter's error
	}
	if !strings.Contains(cause, buildFailure) {
		cause = buildFailure + ": " + cause
	}
	return "request " + name + ": " + cause
}

func (a *aggregator) progress(now time.Time) Progress {
	pr := Progress{
		Elapsed:      now.Sub(a.began),
		Duration:     a.p.planned,
		Requests:     a.total.requests,
		Successes:    a.total.successes,
		Errors:       a.total.requests - a.total.successes,
		Planned:      a.p.plannedHits,
		Shard:        a.p.Shard,
		PeakInFlight: a.peakInFlight,
		P99MS:        float64(a.window.ValueAtQuantile(99)) / 1000,
	}
	if a.sent != nil {
		pr.Sent = a.sent.Load()
		pr.InFlight = pr.Sent - a.received
	}
	if d := now.Sub(a.windowStart).Seconds(); d > 0 {
		pr.RatePerSec = float64(a.windowCount) / d
	}
	a.window.Reset()
	a.windowCount, a.windowStart = 0, now
	return pr
}
