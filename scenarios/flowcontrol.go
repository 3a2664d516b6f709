package scenarios

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// planGroup is a compiled group: its own step (begin) and end marker (end) in the flow's
// steps, and what decides its passes.
type planGroup struct {
	name       string
	begin, end int
	// repeat is the number of passes (max for a while group); repeatOps, when set, renders it
	repeat    int
	repeatOps []op
	while     *planCond
	max       int
	index     int   // the value slot of the pass number, -1 for none
	names     []int // the request steps inside (their Names indexes), counted when it is skipped
}

// planPoll is a compiled poll.
type planPoll struct {
	interval, timeout time.Duration
	until             *planCond
}

// frame is a group in progress: its pass (from 0) and how many it makes at most.
type frame struct {
	g            *planGroup
	pass, passes int
}

// CondError is a condition or a repeat that could not be evaluated (a runtime type error such
// as nil > 3, a repeat that renders no number): the iteration ends there. Name is the Names
// index of the step it is blamed on (the step, or the group's first request step).
type CondError struct {
	Name int
	Err  error
}

func (e *CondError) Error() string { return e.Err.Error() }
func (e *CondError) Unwrap() error { return e.Err }

// Next returns the next step the iteration runs (a request or a think step), or -1 when it has
// ended. On the way it evaluates the when of steps and groups and starts, repeats and leaves
// groups; the request steps it skipped are in Skipped until the next call. An error is a
// *CondError.
func (it *Iteration) Next() (int, error) {
	it.skipped, it.atMax = it.skipped[:0], ""
	steps := it.flow.steps
	for it.pc < len(steps) {
		i := it.pc
		st := &steps[i]
		switch {
		case st.group != nil:
			if err := it.startGroup(st); err != nil {
				return -1, err
			}
		case st.end != nil:
			it.frames[len(it.frames)-1].pass++
			if err := it.nextPass(); err != nil {
				return -1, err
			}
		default:
			if st.when != nil && st.think == nil {
				ok, err := it.eval(st.when)
				if err != nil {
					return -1, &CondError{Name: st.req.nameIdx, Err: fmt.Errorf("when: %w", err)}
				}
				if !ok {
					it.skipped = append(it.skipped, st.req.nameIdx)
					it.pc++
					continue
				}
			}
			it.pc = i + 1
			return i, nil
		}
	}
	return -1, nil
}

// startGroup evaluates a group's when and its number of passes, then enters its first pass
// (or skips it).
func (it *Iteration) startGroup(st *planStep) error {
	g := st.group
	blame := -1
	if len(g.names) > 0 {
		blame = g.names[0]
	}
	if st.when != nil {
		ok, err := it.eval(st.when)
		if err != nil {
			return &CondError{Name: blame, Err: fmt.Errorf("group %s: when: %w", g.name, err)}
		}
		if !ok {
			it.skipped = append(it.skipped, g.names...)
			it.pc = g.end + 1
			return nil
		}
	}
	passes := g.repeat
	if g.repeatOps != nil {
		n, err := it.renderRepeat(g)
		if err != nil {
			return &CondError{Name: blame, Err: err}
		}
		passes = n
	}
	it.frames = append(it.frames, frame{g: g, passes: passes})
	return it.nextPass()
}

// renderRepeat renders a group's repeat template into a number of passes.
func (it *Iteration) renderRepeat(g *planGroup) (int, error) {
	h := &it.h
	var err error
	if h.out, err = it.fp.base.render(h, h.out[:0], g.repeatOps); err != nil {
		return 0, fmt.Errorf("group %s: repeat: %w", g.name, err)
	}
	n, err := strconv.Atoi(strings.TrimSpace(string(h.out)))
	if err != nil || n < 0 || n > maxPasses {
		return 0, fmt.Errorf("group %s: repeat rendered %q, want a whole number from 0 to %d", g.name, h.out, maxPasses)
	}
	return n, nil
}

// nextPass enters the next pass of the innermost group in progress, or leaves it when its
// passes are done or its while no longer holds.
func (it *Iteration) nextPass() error {
	f := &it.frames[len(it.frames)-1]
	g := f.g
	more := f.pass < f.passes
	if g.while != nil {
		holds, err := it.eval(g.while)
		if err != nil {
			return &CondError{Name: firstOr(g.names), Err: fmt.Errorf("group %s: while: %w", g.name, err)}
		}
		if holds && !more {
			it.atMax = g.name // stopped by max while the condition still held
		}
		more = more && holds
	}
	if !more {
		it.frames = it.frames[:len(it.frames)-1]
		it.pc = g.end + 1
		return nil
	}
	if g.index >= 0 {
		setValue(it, g.index, strconv.AppendInt(it.num[:0], int64(f.pass), 10), valueInt)
	}
	it.pc = g.begin + 1
	return nil
}

func firstOr(names []int) int {
	if len(names) == 0 {
		return -1
	}
	return names[0]
}

// setValue sets value slot to text, of the given kind. A value set again (each pass of a loop,
// each attempt of a poll) leaves its old text behind in vbuf: compact reclaims it, so an
// iteration's values take memory in proportion to what they hold, not to its passes.
func setValue[T []byte | string](it *Iteration, slot int, text T, kind valueKind) {
	h := &it.h
	if old := h.vals[slot]; old.end == len(h.vbuf) && old.end > old.start {
		h.vbuf = h.vbuf[:old.start] // the last value set is set again: reuse its place
	}
	start := len(h.vbuf)
	h.vbuf = append(h.vbuf, text...)
	h.vals[slot] = span{start, len(h.vbuf)}
	it.kinds[slot], it.typed[slot] = kind, typedValue{}
	if len(h.vbuf) > compactAbove && len(h.vbuf) > 4*it.liveValueBytes() {
		it.compact()
	}
}

// compactAbove is the size of vbuf under which it is never compacted.
const compactAbove = 64 << 10

func (it *Iteration) liveValueBytes() int {
	n := 0
	for _, v := range it.h.vals {
		n += v.end - v.start
	}
	return n
}

// compact copies the values in use to a new vbuf, dropping the texts of values set again.
func (it *Iteration) compact() {
	h := &it.h
	buf := make([]byte, 0, 2*it.liveValueBytes())
	for i, v := range h.vals {
		start := len(buf)
		buf = append(buf, h.vbuf[v.start:v.end]...)
		h.vals[i] = span{start, len(buf)}
	}
	h.vbuf = buf
}

// Skipped lists the Names indexes of the request steps the last Next skipped (by a when), one
// entry per step skipped; the slice is reused by the next call.
func (it *Iteration) Skipped() []int { return it.skipped }

// StoppedAtMax is the name of the while group the last Next left because it made max passes
// while its condition still held ("" when none).
func (it *Iteration) StoppedAtMax() string { return it.atMax }

// Poll returns step i's poll interval and timeout, when it polls.
func (it *Iteration) Poll(i int) (interval, timeout time.Duration, ok bool) {
	p := it.flow.steps[i].poll
	if p == nil {
		return 0, 0, false
	}
	return p.interval, p.timeout, true
}

// PollUntil is the condition of step i's poll, as written.
func (it *Iteration) PollUntil(i int) string { return it.flow.steps[i].poll.until.src }

// Until evaluates step i's poll condition after an attempt (its checks and extractions done).
func (it *Iteration) Until(i int) (bool, error) {
	ok, err := it.eval(it.flow.steps[i].poll.until)
	if err != nil {
		return false, fmt.Errorf("poll until: %w", err)
	}
	return ok, nil
}

// Answered records the status of the step's response, the status conditions read.
func (it *Iteration) Answered(status int) { it.status = status }
