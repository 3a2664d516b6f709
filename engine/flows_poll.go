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

// pollState is one poll in progress: when its first attempt was due, its attempts, and how
// the last one ended.
type pollState struct {
	start             time.Time
	interval, timeout time.Duration
	name              int // the step's Names index
	attempts          uint64
	again             bool // until did not hold and another attempt fits before the timeout
	held, timedOut    bool
}

// runStep runs request step i: once, or as a poll, attempt after attempt every interval
// (each attempt's latency counted from its intended start: the end of the one before plus
// the interval), until its condition holds, an attempt fails or the timeout passes.
func (s *session) runStep(flow, i int, prevEnd time.Time, first bool) (ok bool, end time.Time, aborted bool) {
	interval, timeout, polls := s.it.Poll(i)
	if !polls {
		return s.step(flow, i, prevEnd, first, nil)
	}
	ps := &pollState{start: prevEnd, interval: interval, timeout: timeout, name: -1}
	for {
		ps.again = false
		ok, end, aborted = s.step(flow, i, prevEnd, first, ps)
		first = false
		if aborted || !ok || !ps.again {
			break
		}
		next := end.Add(interval)
		if sleepCtx(s.r.sessCtx, time.Until(next)) != nil {
			aborted = true
			break
		}
		prevEnd = next
	}
	s.r.mu.Lock()
	s.r.agg.flows.poll(flow, ps, end.Sub(ps.start))
	s.r.mu.Unlock()
	return ok, end, aborted
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
