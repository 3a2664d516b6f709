package cluster

import (
	"errors"
	"fmt"
	"time"

	"github.com/loadtestdev/loadtest/engine"
	"github.com/loadtestdev/loadtest/results"
)

// How a shard stops: it holds its hits while it may have been counted lost, stops sending once
// it must stop, and keeps its own result, marked, when the coordinator could not merge it.

// stoppedTold is Stopped, noting that the engine was told.
func (s *Shard) stoppedTold() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.told = s.stopErr != nil
	return s.stopErr
}

// Hold is the engine's Options.Hold: a hit leaves only while the shard is sure it is still
// part of the run. The coordinator counts a shard lost after LostAfter of silence (a frozen
// process, a partitioned network) and no longer merges what it sends; so once the coordinator
// has not answered for half of LostAfter, the hits wait until it answers (and says whether
// to go on), and once the shard must stop, none leaves: a shard that comes back from a freeze
// never sends its backlog. HoldStop comes once Observe has handed the stop to the engine.
func (s *Shard) Hold() engine.HoldState {
	s.mu.Lock()
	defer s.mu.Unlock()
	switch {
	case s.stopErr != nil && s.told:
		return engine.HoldStop
	case s.stopErr != nil || time.Since(s.lastAnswer) > s.o.LostAfter/2:
		return engine.HoldWait
	}
	return engine.HoldSend
}

// answered records an answer of the coordinator; stop, when set, is in the same step, so that
// Hold never sees the answer without its stop.
func (s *Shard) answered(stop error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if stop != nil && s.stopErr == nil {
		s.stopErr = stop
	}
	s.lastAnswer = time.Now()
}

// silence is how long the coordinator has not answered.
func (s *Shard) silence() time.Duration {
	s.mu.Lock()
	defer s.mu.Unlock()
	return time.Since(s.lastAnswer)
}

// WarnNotMerged is the warning of a shard's own result that the coordinator did not merge.
const WarnNotMerged = "shard_result_not_merged"

// KeepOwn marks the result of a shard that could not have it merged (cause: the coordinator
// gone, or this shard counted lost) as what it is: interrupted (the shard stopped early,
// or its run went on without the coordinator's account), with a warning naming the cause.
func KeepOwn(r *results.Result, cause error) {
	r.Interrupted = true
	what := "the coordinator is gone"
	if errors.Is(cause, ErrLost) {
		what = "the coordinator counted this shard lost"
	}
	r.Warnings = append(r.Warnings, results.Warning{
		Code: WarnNotMerged,
		Message: fmt.Sprintf("this shard's result is not in the run's merged result: %s (%v); it holds only this shard's part of the run, up to where it stopped",
			what, cause),
	})
}
