package engine

import (
	"context"
	"errors"
	"fmt"
	"github.com/loadtestdev/loadtest/scenarios"
	"time"

	vegeta "github.com/tsenart/vegeta/v12/lib"
)

// MaxShards is the most parts a run may be split into.
const MaxShards = 1024

// ErrShard is wrapped by every error about Options.Shard: an index out of range, or a shard
// that would send nothing (no hits or no connections of its own). It is bad input, found
// before anything is sent.
var ErrShard = errors.New("engine: bad shard")

// Sharded reports whether s is a part of a run split in more than one.
func (s Shard) Sharded() bool { return s.Count > 1 }

// Check says whether s is a valid part: Count 0 or 1 (the whole run), or 2..MaxShards with
// Index in 0..Count-1.
func (s Shard) Check() error {
	switch {
	case s.Count < 0 || s.Count > MaxShards:
		return fmt.Errorf("%w: count %d is not allowed, want 1 to %d", ErrShard, s.Count, MaxShards)
	case s.Count <= 1 && s.Index != 0:
		return fmt.Errorf("%w: index %d of a run in one part, want 0", ErrShard, s.Index)
	case s.Count > 1 && (s.Index < 0 || s.Index >= s.Count):
		return fmt.Errorf("%w: %d/%d: index must be 0..%d", ErrShard, s.Index, s.Count, s.Count-1)
	}
	return nil
}

// Global is the whole run's number of the shard's k-th hit (both 0-based): k·Count + Index.
// A whole run's hit k is its own.
func (s Shard) Global(k uint64) uint64 {
	if !s.Sharded() {
		return k
	}
	return k*uint64(s.Count) + uint64(s.Index)
}

// Share is how many of the whole run's first total hits belong to the shard: the n < total
// with n mod Count = Index. The shares of the Count shards add up to total.
func (s Shard) Share(total uint64) uint64 {
	if !s.Sharded() {
		return total
	}
	i, c := uint64(s.Index), uint64(s.Count)
	if total <= i {
		return 0
	}
	return (total-i-1)/c + 1
}

// Part is the shard's part of an integer the shards divide between them, such as connections
// or a flow's max_sessions: total/Count, one more for the first total mod Count shards, so
// that the parts add up to total.
func (s Shard) Part(total int) int {
	if !s.Sharded() {
		return total
	}
	n := total / s.Count
	if s.Index < total%s.Count {
		n++
	}
	return n
}

// CheckShard reports, before anything is sent, whether o's shard is valid and has something
// to do: connections of its own and, when the whole run's hits are known, hits of its own.
// Run makes the same check; the CLI calls it first so as to report bad input as such.
func (o Options) CheckShard() error {
	s := o.Shard
	if err := s.Check(); err != nil {
		return err
	}
	if !s.Sharded() {
		return nil
	}
	conns, what := o.Connections, "connection"
	switch {
	case o.FlowPlan != nil:
		conns, what = o.MaxSessions, "session"
		if conns <= 0 {
			conns = scenarios.DefaultMaxSessions
		}
	case conns <= 0:
		conns = DefaultConnections
	}
	if s.Part(conns) == 0 {
		return fmt.Errorf("%w: shard %d/%d has no %s of its own: %d %ss split %d ways, want at least %d",
			ErrShard, s.Index, s.Count, what, conns, what, s.Count, s.Count)
	}
	starts, unit := o.wholePlannedStarts(), "request"
	if o.FlowPlan != nil {
		unit = "iteration"
	}
	if starts > 0 && s.Share(starts) == 0 {
		return fmt.Errorf("%w: shard %d/%d has no %s of its own: the run plans %d %s(s) in all, want at least %d",
			ErrShard, s.Index, s.Count, unit, starts, unit, s.Count)
	}
	return nil
}

// Stripe makes a pacer of the whole run into the pacer of shard s: the shard's k-th hit is
// the whole run's hit s.Global(k), due at the whole run's SendTime of it, and the whole run's
// pacer decides when it stops (at its duration, after MaxRequests of the whole run, ...). So
// the union of the shards' schedules is the whole schedule, hit for hit. It returns p itself
// for a whole run. Whatever a pacer paces (hits, flow iterations) is striped the same way.
func Stripe(p Pacer, s Shard) Pacer {
	if !s.Sharded() {
		return p
	}
	return stripedSchedule{stripedPacer{p, s}, p}
}

// stripePacer is Stripe for a pacer without a schedule (the maximum rate, or a limit).
func stripePacer(p vegeta.Pacer, s Shard) vegeta.Pacer {
	if !s.Sharded() {
		return p
	}
	return stripedPacer{p, s}
}

type stripedPacer struct {
	whole vegeta.Pacer
	shard Shard
}

func (p stripedPacer) Pace(elapsed time.Duration, hits uint64) (time.Duration, bool) {
	return p.whole.Pace(elapsed, p.shard.Global(hits))
}

// Rate is the shard's part of the whole run's rate.
func (p stripedPacer) Rate(elapsed time.Duration) float64 {
	return p.whole.Rate(elapsed) / float64(p.shard.Count)
}

type stripedSchedule struct {
	stripedPacer
	schedule Pacer
}

func (p stripedSchedule) SendTime(k uint64) time.Duration {
	return p.schedule.SendTime(p.shard.Global(k))
}

// cutPacer ends a schedule at cut: the hits due at or after it are not sent (vegeta's own
// duration checks the time before waiting for a hit, so it would still send the first hit due
// after the cut). PlannedRequests counts the hits due before it.
type cutPacer struct {
	Pacer
	cut time.Duration
}

func (p cutPacer) Pace(elapsed time.Duration, hits uint64) (time.Duration, bool) {
	if p.SendTime(hits) >= p.cut || elapsed >= p.cut+lateAfter {
		return 0, true
	}
	return p.Pacer.Pace(elapsed, hits)
}

// startPacer counts the time from zero, the schedule's start (Options.StartAt), rather than
// from the instant vegeta's attack began, which is a little later.
type startPacer struct {
	vegeta.Pacer
	zero time.Time
}

func (p startPacer) Pace(_ time.Duration, hits uint64) (time.Duration, bool) {
	return p.Pacer.Pace(time.Since(p.zero), hits)
}

// waitUntil sleeps until t, or until ctx is done (then it returns ctx's error).
func waitUntil(ctx context.Context, t time.Time) error {
	d := time.Until(t)
	if d <= 0 {
		return ctx.Err()
	}
	timer := time.NewTimer(d)
	defer timer.Stop()
	select {
	case <-timer.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// HoldState is Options.Hold's answer for the next hit.
type HoldState int

// The answers of Options.Hold.
const (
	// HoldSend lets the hit leave.
	HoldSend HoldState = iota
	// HoldWait keeps it back: Hold is asked again every holdPoll.
	HoldWait
	// HoldStop sends no more hits.
	HoldStop
)

// holdPoll is how often a held hit asks again.
const holdPoll = 5 * time.Millisecond

// heldPacer asks Options.Hold before each hit: the pacer is called (with the elapsed time
// moved on by the wait) only once the hit may leave. Holding in Pace keeps the hit back:
// vegeta sends a hit as soon as Pace returns.
type heldPacer struct {
	vegeta.Pacer
	hold func() HoldState
}

func (p heldPacer) Pace(elapsed time.Duration, hits uint64) (time.Duration, bool) {
	began := time.Now()
	for {
		now := elapsed + time.Since(began)
		switch p.hold() {
		case HoldSend:
			return p.Pacer.Pace(now, hits)
		case HoldStop:
			return 0, true
		}
		if _, over := p.Pacer.Pace(now, hits); over { // a hold ends with the run's schedule
			return 0, true
		}
		time.Sleep(holdPoll)
	}
}
