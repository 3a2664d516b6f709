package engine

import (
	"fmt"
	"time"

	"github.com/loadtestdev/loadtest/results"
)

// The control flow of a session: the steps a when skipped, the while groups stopped at their
// max, and polls, attempt after attempt.

// countControl counts the steps the iteration's last move skipped and a while group it left
// at its max.
func (s *session) countControl(flow int) {
	skipped, atMax := s.it.Skipped(), s.it.StoppedAtMax()
	if len(skipped) == 0 && atMax == "" {
		return
	}
	s.r.mu.Lock()
	for _, name := range skipped {
		s.r.agg.flows.skip(flow, name)
	}
	if atMax != "" {
		s.r.agg.flows.loopAtMax(flow, atMax)
	}
	s.r.mu.Unlock()
	if s.r.p.Trace != nil {
		names := s.r.p.Targeter.Names()
		for _, name := range skipped {
			if name >= 0 && name < len(names) {
				s.r.p.Trace.Step(TraceStep{Name: names[name], Skipped: true, OK: true})
			}
		}
	}
}

// pollState is one poll in progress: its step, when its first attempt was due, its attempts,
// and how the last one ended.
type pollState struct {
	start             time.Time
	interval, timeout time.Duration
	step              int // the step's index in its flow
	name              int // the step's Names index
	attempts          uint64
	again             bool // until did not hold and another attempt fits before the timeout
	held, timedOut    bool
}

// runStep sends request step i: once, or as the next attempt of its poll, whose latency
// counts from its intended start (the end of the attempt before plus the interval, which
// advance sleeps). again says the poll goes on: until did not hold and another attempt fits
// before its timeout; otherwise the poll is over (its condition held, an attempt failed or
// the timeout passed) and counted.
func (s *session) runStep(i int) (ok bool, end time.Time, aborted, again bool) {
	ps := s.poll
	if s.phase != phasePoll {
		interval, timeout, polls := s.it.Poll(i)
		if !polls {
			ok, end, aborted = s.step(s.flow, i, s.prevEnd, s.first, nil)
			s.first = false
			return ok, end, aborted, false
		}
		if ps == nil {
			ps = &pollState{}
			s.poll = ps
		}
		*ps = pollState{start: s.prevEnd, interval: interval, timeout: timeout, step: i, name: -1}
		s.phase = phasePoll
	}
	ps.again = false
	ok, end, aborted = s.step(s.flow, i, s.prevEnd, s.first, ps)
	s.first = false
	if !aborted && ok && ps.again {
		return ok, end, false, true
	}
	s.endPoll(end)
	return ok, end, aborted, false
}

// endPoll counts the poll in progress, which ended at end.
func (s *session) endPoll(end time.Time) {
	s.phase = phaseRun
	s.r.mu.Lock()
	s.r.agg.flows.poll(s.flow, s.poll, end.Sub(s.poll.start))
	s.r.mu.Unlock()
}

// judgePoll decides, after an attempt that passed its checks, whether the poll is done:
// until holds (done), another attempt fits before the timeout (again), or the attempt fails
// with class timeout, saying how many attempts the poll made.
func (s *session) judgePoll(i int, ps *pollState, out *stepOutcome, end time.Time) {
	holds, err := s.it.Until(i)
	switch {
	case err != nil:
		out.ok, out.class, out.msg = false, ClassBuild, fmt.Sprintf("%s: %v", out.where(), err)
	case holds:
		ps.held = true
		out.note = fmt.Sprintf("poll attempt %d: until holds, done after %s", ps.attempts, end.Sub(ps.start).Round(time.Microsecond))
	case end.Add(ps.interval).Sub(ps.start) > ps.timeout:
		ps.timedOut = true
		out.ok, out.class = false, results.ErrorClassTimeout
		out.msg = fmt.Sprintf("%s: poll until %q still false after %d attempt(s) in %s (timeout %s)",
			out.where(), s.it.PollUntil(i), ps.attempts, end.Sub(ps.start).Round(time.Millisecond), ps.timeout)
	default:
		ps.again = true
		out.note = fmt.Sprintf("poll attempt %d: until does not hold yet, next attempt in %s", ps.attempts, ps.interval)
	}
}
