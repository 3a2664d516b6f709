package engine

import (
	"context"
	"time"
)

// The sessions of a run of flows are state, not goroutines. An iteration in progress is a
// session (its variables, extracted values and cookie jar); it runs on a runner goroutine
// only while it has a step to send. A think time or a poll interval parks it on its own
// reused timer (the runtime's timer heap) and frees the runner; when the timer fires, the
// session goes back to an idle runner, or to a new one when none is idle. So 100,000
// sessions thinking cost 100,000 small structs and timers, not 100,000 goroutine stacks, and
// the runners are as many as the sessions that had a step to send at once. A runner owns
// the buffers a step is built and its response body read in, so a parked session holds
// neither.

// Phases of a session's iteration: where advance goes on from.
const (
	phaseStart = iota // a new iteration: start it
	phaseRun          // the next step is the control flow's next (Iteration.Next)
	phaseThink        // parked in a think time; then phaseRun
	phasePoll         // a poll in progress (parked between attempts, or its next attempt due)
)

// begin starts iteration job on a session, unless max_sessions iterations are in progress:
// then the start is dropped (false). At the maximum rate (no schedule) it waits for an
// iteration to end instead: there is no start time to miss.
func (r *flowRun) begin(ctx context.Context, job flowJob) bool {
	select {
	case r.slots <- struct{}{}:
	default:
		if r.p.schedule != nil {
			return false
		}
		select {
		case r.slots <- struct{}{}:
		case <-ctx.Done():
			return false
		}
	}
	r.iters.Add(1)
	r.busy.Add(1)
	s := r.idleSession()
	s.job, s.phase = job, phaseStart
	r.resume(s)
	return true
}

// idleSession returns a session whose iteration ended, or a new one (dispatcher only).
func (r *flowRun) idleSession() *session {
	r.freeMu.Lock()
	if n := len(r.free); n > 0 {
		s := r.free[n-1]
		r.free[n-1] = nil
		r.free = r.free[:n-1]
		r.freeMu.Unlock()
		return s
	}
	r.freeMu.Unlock()
	s := r.newSession()
	r.all = append(r.all, s)
	return s
}

// release ends s's iteration: its session is idle again and its slot free.
func (r *flowRun) release(s *session) {
	r.busy.Add(-1)
	r.freeMu.Lock()
	r.free = append(r.free, s)
	r.freeMu.Unlock()
	<-r.slots
	r.iters.Done()
}

// resume gives s, which has a step to run, to an idle runner, or to a new one.
func (r *flowRun) resume(s *session) {
	select {
	case r.work <- s:
	default:
		r.runners.Add(1)
		go r.runner(s)
	}
}

// runner runs sessions until the run's iterations are over.
func (r *flowRun) runner(s *session) {
	defer r.runners.Done()
	w := &stepBuffers{body: keptBody{limit: r.p.FlowPlan.MaxResponseBody()}}
	w.ctx = context.WithValue(r.sessCtx, h1ScratchKey{}, &w.scratch)
	r.watch.add(&w.scratch)
	defer r.watch.remove(&w.scratch)
	for {
		s.advance(w)
		if r.idle.Add(1) > maxIdleRunners {
			r.idle.Add(-1)
			return // a burst is over: enough runners wait already
		}
		select {
		case s = <-r.work:
			r.idle.Add(-1)
		case <-r.quit:
			return
		}
	}
}

// maxIdleRunners bounds the runners that wait for a session: after a burst (a slow server
// holds many steps at once) the runners beyond it end rather than keep their stacks.
const maxIdleRunners = 256

// cutParked ends the iteration of every parked session as cut short, after the cut that
// ends the grace: here, one after the other, rather than on a runner each (100,000 sessions
// at once on as many goroutines queue on the run's lock). A session parking after the cut
// takes itself back (sleep).
func (r *flowRun) cutParked() {
	for _, s := range r.all {
		if s.parked.CompareAndSwap(true, false) {
			s.wake.Stop()
			s.finish(true)
		}
	}
}

// woken is the session timer's function: it resumes the session unless the cut has ended it.
func (s *session) woken() {
	if s.parked.CompareAndSwap(true, false) {
		s.r.resume(s)
	}
}

// sleep parks the session until due (the end of a think time or a poll interval), to go on
// in phase; it returns true when it parked. Otherwise due has passed, or the grace is over
// (cut). A parked session is another runner's as soon as it is woken: the caller must not
// touch it. Whoever takes parked from true to false (the timer, cutParked, or sleep itself
// after the cut) resumes it, so it resumes once and sees what was written before it parked.
func (s *session) sleep(due time.Time, phase int) (parked, cut bool) {
	s.due, s.phase = due, phase
	if d := time.Until(due); d > 0 {
		w := s.w
		s.w = nil
		s.parked.Store(true)
		s.wake.Reset(d)
		// cutParked ends every session parked before the cut; one parked after it takes itself back
		if s.r.sessCtx.Err() == nil || !s.parked.CompareAndSwap(true, false) {
			return true, false
		}
		s.wake.Stop()
		s.w = w
	}
	if s.r.sessCtx.Err() != nil {
		return false, true
	}
	s.prevEnd = due
	return false, false
}
