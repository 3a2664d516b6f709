package results

import "fmt"

// WarnNotSent is the code of the warning on the hits a run was to send and did not.
const WarnNotSent = "not_sent"

// NotSentWarning is the not_sent warning of a run that ran its whole course (neither
// interrupted nor stopped early) and sent fewer than it planned: its duration was over before
// the workers could send them. It is false when nothing is missing or nothing was planned (an
// unbounded run). The engine writes it on a run's result and Merge on a merged one, from the
// summed Planned and Sent, so that both say the same thing in the same words.
func NotSentWarning(planned, sent uint64, durationS float64) (Warning, bool) {
	if planned == 0 || sent >= planned {
		return Warning{}, false
	}
	n := planned - sent
	return Warning{
		Code: WarnNotSent,
		Message: fmt.Sprintf("%d of the %d planned requests were not sent: the run stopped at its duration (%.1fs) with them still due; latency_ms counts the late ones that were sent",
			n, planned, durationS),
		Values: map[string]float64{"requests": float64(n), "planned": float64(planned), "sent": float64(sent)},
	}, true
}

// mergeSent sums the sources' Planned and Sent into m and gives m one not_sent warning
// computed from the sums, in place of the sources' own (m.Warnings must not hold those).
// Planned is summed only when every source planned a bound (one unbounded source makes the
// whole unbounded, as one maximum-rate source makes RateAsked 0), Sent only when every
// source that sent requests recorded it (a result written before Sent existed leaves the
// sums unknown, 0, rather than short). The warning follows the engine's rule for one run: it
// is there only when no source stopped early, that is, none was interrupted and each source
// that sent fewer than it planned said so with its own not_sent warning; the shortfall of a
// source stopped early (interrupted, aborted) is explained by that stop, not by the schedule.
func mergeSent(m *Result, rs []*Result) {
	var planned, sent uint64
	plannedKnown, sentKnown, ranCourse := true, true, true
	for _, r := range rs {
		plannedKnown = plannedKnown && r.Planned > 0
		sentKnown = sentKnown && (r.Sent > 0 || r.Requests == 0)
		planned += r.Planned
		sent += r.Sent
		short := r.Planned > 0 && r.Sent < r.Planned
		ranCourse = ranCourse && !r.Interrupted && (!short || hasWarning(r.Warnings, WarnNotSent))
	}
	if !sentKnown {
		return
	}
	m.Sent = sent
	if !plannedKnown {
		return
	}
	m.Planned = planned
	if !ranCourse {
		return
	}
	if w, ok := NotSentWarning(m.Planned, m.Sent, m.DurationS); ok {
		m.Warnings = append(m.Warnings, w)
	}
}

// hasWarning reports whether ws holds a warning with the code.
func hasWarning(ws []Warning, code string) bool {
	for _, w := range ws {
		if w.Code == code {
			return true
		}
	}
	return false
}

// withoutCode returns ws without its warnings of the code.
func withoutCode(ws []Warning, code string) []Warning {
	var out []Warning
	for _, w := range ws {
		if w.Code != code {
			out = append(out, w)
		}
	}
	return out
}
