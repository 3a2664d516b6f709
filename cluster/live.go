package cluster

import (
	"fmt"
	"math"
	"time"

	"github.com/loadtestdev/loadtest/engine"
	"github.com/loadtestdev/loadtest/gate"
	"github.com/loadtestdev/loadtest/results"
)

// second is the coordinator's once-a-second work: the merged live progress, and the gate of
// --abort-on-fail on the merged figures.
func (c *Coordinator) second(now time.Time) {
	c.mu.Lock()
	pr := engine.Progress{Elapsed: now.Sub(c.startAt), Duration: c.o.Duration,
		Requests: c.run.figures.requests, Successes: c.run.figures.successes}
	alive := 0
	for _, s := range c.shards {
		if !s.lost {
			alive++
		}
		pr.Planned += s.planned
		pr.Sent += s.sent
		if !s.inLive {
			continue
		}
		if now.Sub(s.lastAt) < 2*time.Second {
			pr.RatePerSec += s.lastRate
		} else { // its latest interval is too old for the live view
			c.live.sub(s.lastLat)
			s.inLive = false
		}
	}
	pr.P99MS = liveP99(c.live)
	c.mu.Unlock()
	pr.Errors = pr.Requests - pr.Successes
	c.progress.observe(pr, alive, len(c.shards))
	if c.o.OnSecond != nil {
		c.o.OnSecond(pr)
	}
	if c.watcher == nil {
		return
	}
	tick := gate.Tick{Elapsed: pr.Elapsed, Requests: pr.Requests, Partial: func() gate.Partial {
		c.mu.Lock()
		defer c.mu.Unlock()
		return c.run.clone() // rendered on the gate's goroutine
	}}
	if err := c.watcher.Observe(tick); err != nil {
		c.mu.Lock()
		c.stopLocked("a threshold can no longer pass on the whole run (--abort-on-fail)")
		c.mu.Unlock()
	}
}

// liveP99 is the p99 of the shards' latest per-second latency histograms merged (exactly:
// their counts add), in milliseconds.
func liveP99(live *bucketCounts) float64 {
	if live.total == 0 {
		return 0
	}
	return float64(live.histogram().ValueAtQuantile(99)) / 1000
}

// merge merges the shards' results (a lost shard's figures as last reported) into the run's
// result, with the coordination section, the warnings of lost shards and of clock spread, and
// the thresholds evaluated on the whole.
func (c *Coordinator) merge() (*Outcome, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	parts := make([]*results.Result, len(c.shards))
	names := make([]string, len(c.shards))
	co := &results.Coordination{}
	var lost []int
	var warnings []results.Warning
	var planned uint64
	for i, s := range c.shards {
		parts[i], names[i] = c.partLocked(i, s), fmt.Sprintf("shard %d", i)
		switch {
		case s.node != "" && s.node != s.host:
			names[i] += " (" + s.host + " on " + s.node + ")"
		case s.host != "":
			names[i] += " (" + s.host + ")"
		}
		planned += s.planned
		co.Shards = append(co.Shards, results.ShardInfo{Index: i, Host: s.host, Node: s.node, OffsetMS: ms(s.offset), RTTMS: ms(s.rtt), Lost: s.lost})
		if s.lost {
			lost = append(lost, i)
			warnings = append(warnings, lostWarning(i, s, parts[i]))
		}
		if s.back {
			warnings = append(warnings, backWarning(i, s, parts[i]))
		}
	}
	m, err := results.MergeWith(results.MergeOptions{Names: names}, parts...)
	if err != nil {
		return nil, fmt.Errorf("cluster: merge the shards' results: %w", err)
	}
	m.Shard, m.Coordination = nil, co
	// interrupted is the whole run's: the coordinator's Ctrl-C or SIGTERM; a shard interrupted
	// on its own is lost instead (see handleResult)
	m.Interrupted = c.interrupted
	if w, ok := clockSpread(co.Shards); ok {
		warnings = append(warnings, w)
	}
	m.Warnings = append(m.Warnings, warnings...)
	if m.Planned == 0 {
		m.Planned = planned
	}
	gate.RecordThresholds(m, c.o.Thresholds, c.aborted, planned)
	return &Outcome{Result: m, Verdict: gate.Verdict(m, c.aborted), Aborted: c.aborted, Lost: lost}, nil
}

// partLocked is shard i's part of the merged result: its final result, else the sum of its
// intervals, else an empty result; each carries the shard's place in the run.
func (c *Coordinator) partLocked(i int, s *shardState) *results.Result {
	var r results.Result
	switch {
	case s.final != nil:
		r = *s.final
	case s.sum != nil:
		if sum, err := s.sum.result(); err == nil {
			r = *sum
		}
		r.Planned, r.Sent = s.planned, s.sent
		r.Seed = c.o.Seed // the run's, which every shard draws from (the intervals do not carry it)
		if len(s.hosts) > 0 {
			r.Host = &results.Host{Generator: results.NewHostSeries("local", true, s.hosts)}
		}
	default:
		r = results.Result{Schema: results.Schema, Scenario: c.o.Scenario, Seed: c.o.Seed, Started: c.startAt, Ended: c.startAt,
			Planned: s.planned, StatusCodes: map[string]uint64{}}
	}
	sh := results.Shard{Index: i, Count: c.o.Count}
	if r.Shard != nil {
		sh = *r.Shard
	}
	sh.Start, sh.RunID = c.startAt, c.runID
	r.Shard = &sh
	return &r
}

// lostWarning names a lost shard, what it reported and the hits it was due to send.
func lostWarning(i int, s *shardState, part *results.Result) results.Warning {
	what := fmt.Sprintf("stopped reporting %.1fs into the run; its last reported figures", s.lostAt.Seconds())
	if s.early {
		what = fmt.Sprintf("was interrupted on its own %.1fs into the run (a SIGTERM to it, or its pod deleted); the result it delivered", s.lostAt.Seconds())
	}
	return results.Warning{
		Code: WarnShardLost,
		Message: fmt.Sprintf("shard %d (%s) %s, %d requests, stay in the merged result; it was due to send %d hits",
			i, s.host, what, part.Requests, s.planned),
		Values: map[string]float64{"shard": float64(i), "requests": float64(part.Requests), "planned": float64(s.planned),
			"lost_at_s": s.lostAt.Seconds()},
	}
}

// backWarning counts what a shard counted lost sent beyond what it had reported: the hits its
// send counter shows beyond the count it had reported when it was counted lost (the hits of
// its last unreported second, and any that left after; a shard holds its hits while it waits
// for the coordinator's answer, so after a freeze it sends no backlog), and the requests its late
// intervals or its final result hold beyond its merged figures. The target saw those requests;
// the merged result does not hold them.
func backWarning(i int, s *shardState, part *results.Result) results.Warning {
	sentAfter := s.sent - min(s.sent, s.sentAtLost)
	unmerged, from := s.unmerged, "its late intervals"
	if s.late != nil {
		unmerged, from = s.late.Requests-min(s.late.Requests, part.Requests), "its own result"
	}
	return results.Warning{
		Code: WarnShardBack,
		Message: fmt.Sprintf("shard %d (%s) spoke again after it was counted lost %.1fs into the run, and was told to stop: it sent %d hits after its last report before that, and %s holds %d requests that are not in the merged result (the target saw them)",
			i, s.host, s.lostAt.Seconds(), sentAfter, from, unmerged),
		Values: map[string]float64{"shard": float64(i), "sent_after_last_report": float64(sentAfter), "requests_not_merged": float64(unmerged)},
	}
}

// clockSpread warns when the shards' clock offsets spread over more than ClockSpreadLimit:
// their start instants, hence their schedules, differ by up to that much.
func clockSpread(shards []results.ShardInfo) (results.Warning, bool) {
	lo, hi := math.Inf(1), math.Inf(-1)
	for _, s := range shards {
		lo, hi = min(lo, s.OffsetMS), max(hi, s.OffsetMS)
	}
	if len(shards) == 0 || hi-lo <= ms(ClockSpreadLimit) {
		return results.Warning{}, false
	}
	return results.Warning{
		Code: WarnClockSpread,
		Message: fmt.Sprintf("the shards' clock offsets to the coordinator spread over %.1f ms (more than %s): the shards started that far apart; synchronise their clocks (NTP)",
			hi-lo, ClockSpreadLimit),
		Values: map[string]float64{"spread_ms": hi - lo},
	}, true
}

func ms(d time.Duration) float64 { return float64(d) / 1e6 }

// Snapshot renders the merged figures of the whole run so far (the shards' intervals added
// up): what the coordinator's live metrics export. It may be called on any goroutine.
func (c *Coordinator) Snapshot() (*results.Result, error) {
	c.mu.Lock()
	a := c.run.clone()
	c.mu.Unlock()
	return a.result()
}
