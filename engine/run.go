package engine

import (
	"context"
	"errors"
	"fmt"
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
// the targeter fails (Run then also returns that error).
func Run(ctx context.Context, o Options) (*results.Result, error) {
	p, err := newPlan(o)
	if err != nil {
		return nil, err
	}
	defer tuneGC()()
	procs := tuneProcs(p)
	defer procs.restore()
	var bytesIn atomic.Uint64
	client := newClient(&p.Options, &bytesIn)
	defer client.CloseIdleConnections()
	workers := uint64(p.Connections)
	atk := vegeta.NewAttacker(
		vegeta.Client(client),
		vegeta.Workers(workers),
		vegeta.MaxWorkers(workers),
		vegeta.MaxBody(0),
	)
	tg := newTagger(p.Targeter)
	began := time.Now()
	agg := newAggregator(p, began)
	agg.procs = procs
	ch := atk.Attack(tg.target, clockPacer{Pacer: p.pacer, began: &agg.attackBegan}, p.attackDu, "")

	stopErr, interrupted, abandoned := agg.consume(ctx, atk, ch)

	r, err := agg.result(bytesIn.Load())
	r.Interrupted = interrupted
	if abandoned {
		lost := tg.sent.Load() - r.Requests
		r.Warnings = append(r.Warnings, results.Warning{
			Code: "in_flight_abandoned",
			Message: fmt.Sprintf("%d request(s) still in flight %s after the stop were not waited for and are not counted",
				lost, p.Grace),
			Values: map[string]float64{"requests": float64(lost)},
		})
	}
	return r, errors.Join(err, stopErr, agg.targetErr)
}

// aggregator turns vegeta's results into the run's figures. Only its consume goroutine
// touches it.
type aggregator struct {
	p     *plan
	began time.Time
	// attackBegan is vegeta's own start instant, set by clockPacer at the first Pace call;
	// intended send times count from it.
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

	// the progress window since the last OnSecond
	window      *hdrhistogram.Histogram
	windowCount uint64
	windowStart time.Time

	targetErr error
}

func newAggregator(p *plan, began time.Time) *aggregator {
	a := &aggregator{
		p: p, began: began, last: began, total: newStats(), timeline: newTimeline(), slack: TimerSlack(),
		window: results.NewHistogram(), windowStart: began,
	}
	for range p.Targeter.Names() {
		a.byName = append(a.byName, newStats())
	}
	return a
}

// consume reads results until the attack ends or, after an early stop, until the grace
// period is over; then it hands the channel to a goroutine that discards what is left.
func (a *aggregator) consume(ctx context.Context, atk *vegeta.Attacker, ch <-chan *vegeta.Result) (stopErr error, interrupted, abandoned bool) {
	tick := time.NewTicker(time.Second)
	defer tick.Stop()
	done := ctx.Done()
	var grace <-chan time.Time
	stop := func() {
		atk.Stop()
		if grace == nil {
			grace = time.After(a.p.Grace)
		}
	}
	for {
		select {
		case res, ok := <-ch:
			if !ok {
				return stopErr, interrupted, false
			}
			a.add(res)
		case now := <-tick.C:
			if a.procs != nil {
				a.procs.second(a.late, a.total.requests)
			}
			pr := a.progress(now)
			if a.p.OnSecond != nil && stopErr == nil {
				if err := a.p.OnSecond(pr); err != nil {
					stopErr = err
					stop()
				}
			}
		case <-done:
			done, interrupted = nil, true
			stop()
		case <-grace:
			// keep reading so that vegeta's workers can finish and exit
			go func() {
				for range ch {
				}
			}()
			return stopErr, interrupted, true
		}
	}
}

// add counts one hit.
func (a *aggregator) add(res *vegeta.Result) {
	if res.URL == "" && res.Error != "" {
		// the targeter failed (vegeta stops the attack): no request was sent
		if a.targetErr == nil {
			a.targetErr = fmt.Errorf("engine: targeter: %s", res.Error)
		}
		return
	}
	service := res.Latency
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
	class := ""
	if !ok {
		class = classify(res.Code, res.Error)
	}
	a.total.add(res.Code, ok, latency, service, class, res.Error)
	if i := untag(res.URL); i >= 0 && i < len(a.byName) {
		a.byName[i].add(res.Code, ok, latency, service, class, res.Error)
	}
	a.bytesOut += res.BytesOut
	a.timeline.add(done.Unix(), ok, latency)
	results.RecordDuration(a.window, latency)
	a.windowCount++
	if done.After(a.last) {
		a.last = done
	}
}

func (a *aggregator) progress(now time.Time) Progress {
	pr := Progress{
		Elapsed:   now.Sub(a.began),
		Duration:  a.p.planned,
		Requests:  a.total.requests,
		Successes: a.total.successes,
		Errors:    a.total.requests - a.total.successes,
		P99MS:     float64(a.window.ValueAtQuantile(99)) / 1000,
		Partial:   func() *Partial { return a.partial(now) },
	}
	if d := now.Sub(a.windowStart).Seconds(); d > 0 {
		pr.RatePerSec = float64(a.windowCount) / d
	}
	a.window.Reset()
	a.windowCount, a.windowStart = 0, now
	return pr
}
