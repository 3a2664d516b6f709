package engine

import (
	"fmt"
	"time"

	"github.com/loadtestdev/loadtest/results"
)

// result renders the aggregated figures as a results.Result.
func (a *aggregator) result(bytesIn uint64) (*results.Result, error) {
	r, err := a.figures(a.last)
	r.BytesIn = bytesIn
	if err != nil {
		return r, err
	}
	if r.Timeline, err = a.timeline.finish(); err != nil {
		return r, err
	}
	if w, ok := a.lateWarning(); ok {
		r.Warnings = append(r.Warnings, w)
	}
	return r, nil
}

// figures renders the counters and histograms of the run and of each request, measured until
// end, without the timeline and the warnings: the whole of a partial result (Partial.Result)
// and the bulk of the final one.
func (a *aggregator) figures(end time.Time) (*results.Result, error) {
	p := a.p
	seconds := end.Sub(a.began).Seconds()
	r := &results.Result{
		Schema:       results.Schema,
		Scenario:     p.Scenario,
		Target:       p.Target,
		Started:      a.began.Round(0),
		Ended:        end.Round(0),
		DurationS:    seconds,
		RateAsked:    p.RatePerSec,
		Connections:  p.Connections,
		Seed:         p.Seed,
		TimerSlackMS: float64(a.slack) / 1e6,
		Requests:     a.total.requests,
		Successes:    a.total.successes,
		SuccessRatio: results.Ratio(a.total.successes, a.total.requests),
		Rate:         results.PerSecond(a.total.requests, seconds),
		Throughput:   results.PerSecond(a.total.successes, seconds),
		LatencyMS:    results.Summarize(a.total.latency),
		StatusCodes:  a.total.statusCodes(),
		Errors:       a.total.errorList(),
		ByRequest:    make(map[string]*results.RequestStats, len(a.byName)),
	}
	r.ServiceTimeMS = results.Summarize(a.total.service)
	r.BytesOut = a.bytesOut
	for _, s := range p.Stages {
		r.Stages = append(r.Stages, results.Stage{DurationS: s.Duration.Seconds(), RatePerSec: s.RatePerSec})
	}
	if len(p.Stages) > 0 {
		r.RateAsked = 0
	}
	if p.Shard.Sharded() {
		// the shard's part of the rate, as its Connections are its part: merged shards add
		// up to the whole run's (the stages stay the whole run's, as all shards share them)
		r.RateAsked /= float64(p.Shard.Count)
	}
	var err error
	if r.Histograms, err = a.total.histograms(); err != nil {
		return r, err
	}
	if a.flows != nil {
		a.flows.fill(r, seconds)
	}
	names := a.names
	for i, s := range a.byName {
		if s.requests == 0 && len(names) > 1 {
			continue
		}
		rs, err := s.requestStats(seconds)
		if err != nil {
			return r, err
		}
		r.ByRequest[names[i]] = rs
	}
	return r, nil
}

// Causes of a run behind schedule, as Values["cause"] of its behind_schedule warning.
const (
	// BehindConnections: every worker was busy (requests in flight reached Connections).
	BehindConnections = 1
	// BehindGenerator: workers were free, so the generator itself (its CPU, or the timer)
	// could not send on time; the host sampling says whether its CPU was saturated.
	BehindGenerator = 2
)

// lateWarning reports a run that could not keep to the schedule: more than 1% of the hits left
// more than lateAfter behind their send time. It says which cause the figures point to: all
// connections busy, or connections to spare (the generator's CPU or timer).
func (a *aggregator) lateWarning() (results.Warning, bool) {
	n := a.total.requests
	if n == 0 || float64(a.late)/float64(n) <= 0.01 {
		return results.Warning{}, false
	}
	late := fmt.Sprintf("%.1f%% of the requests left more than %s late (up to %s)",
		100*float64(a.late)/float64(n), lateAfter, a.maxLag.Round(time.Millisecond))
	w := results.Warning{
		Code: "behind_schedule",
		Values: map[string]float64{"late_ratio": float64(a.late) / float64(n), "max_lag_ms": float64(a.maxLag) / 1e6,
			"peak_in_flight": float64(a.peakInFlight), "connections": float64(a.p.Connections)},
	}
	if a.peakInFlight >= uint64(a.p.Connections) {
		w.Values["cause"] = BehindConnections
		w.Message = fmt.Sprintf("%s because all %d connections were busy: "+
			"latency_ms counts that wait, service_time_ms does not; raise --connections to keep to the rate", late, a.p.Connections)
	} else {
		w.Values["cause"] = BehindGenerator
		w.Message = fmt.Sprintf("%s with connections to spare (at most %d of %d in flight), so the generator itself could not send on time "+
			"(its CPU or its timer; see the host warnings): latency_ms counts that wait, service_time_ms does not; "+
			"more connections will not help, a lower rate or more generators will", late, a.peakInFlight, a.p.Connections)
	}
	return w, true
}
