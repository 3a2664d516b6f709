package engine

import (
	"math"
	"sort"
)

// PlannedRequests is how many requests a run with o is to send in all: ceil(rate × duration)
// at a constant rate, the hits of the ramp with stages (cut at o.Duration), at most
// MaxRequests; 0 when unknown (as fast as possible, or no end). A run never sends more: it
// stops at its duration even when it sent fewer (see ConstantPacer), so PlannedRequests is the
// bound the gate's early-abort rule (gate.Unrecoverable) may count on. For a run of flows it
// is the same bound on requests: the planned starts times the request steps of the longest
// flow. For a shard it is the shard's share of the whole run's (the shards' add up to the
// whole run's).
func (o Options) PlannedRequests() uint64 { return o.perStart(o.plannedStarts()) }

// WholePlannedRequests is PlannedRequests of the whole run, of which o.Shard is a part: what
// a coordinator of the shards plans.
func (o Options) WholePlannedRequests() uint64 { return o.perStart(o.wholePlannedStarts()) }

// perStart turns planned starts into planned requests: one each, or for flows a bound (an
// iteration sends at most every request step of the longest flow; fewer when a step fails,
// or another flow is shorter).
func (o Options) perStart(starts uint64) uint64 {
	if o.FlowPlan != nil {
		return starts * uint64(o.FlowPlan.MostRequestSteps())
	}
	return starts
}

// plannedStarts is how many hits, or flow iterations, the pacer of o gives in all: a shard's
// share of the whole run's.
func (o Options) plannedStarts() uint64 { return o.Shard.Share(o.wholePlannedStarts()) }

// wholePlannedStarts is plannedStarts of the whole run.
func (o Options) wholePlannedStarts() uint64 {
	var n uint64
	switch {
	case len(o.Stages) > 0:
		sp, err := NewStagesPacer(o.Stages)
		if err != nil {
			return 0
		}
		n = uint64(math.Ceil(sp.Hits()))
		if o.Duration > 0 && o.Duration < sp.Duration() {
			// the hits due before the cut: the first n whose send time is not before it
			n = uint64(sort.Search(int(n), func(i int) bool { return sp.SendTime(uint64(i)) >= o.Duration }))
		}
	case o.RatePerSec > 0 && o.Duration > 0:
		n = uint64(math.Ceil(o.RatePerSec * o.Duration.Seconds()))
	}
	if o.MaxRequests > 0 && (n == 0 || o.MaxRequests < n) {
		n = o.MaxRequests
	}
	return n
}
