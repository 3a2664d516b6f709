package results

import "fmt"

// Breached returns the thresholds of r that did not pass, in their order.
func (r *Result) Breached() []ThresholdResult {
	var out []ThresholdResult
	for _, tr := range r.Thresholds {
		if !tr.Passed {
			out = append(out, tr)
		}
	}
	return out
}

// SentRequests is how many requests the run sent: Sent, or Requests when Sent was not recorded
// (a result written before it was, or a merge of sources that did not all record it).
// Requests counts only those that completed, so it is less when some were cut short.
func (r *Result) SentRequests() uint64 {
	return max(r.Sent, r.Requests)
}

// NoSuccess says what a run in which no request succeeded sent, with the counts of the result
// file: "15 sent, 0 completed" (or "10 sent" when every one completed), and for a run of flows
// its iterations.
func (r *Result) NoSuccess() string {
	s := fmt.Sprintf("%d sent", r.SentRequests())
	if sent := r.SentRequests(); sent != r.Requests {
		s += fmt.Sprintf(", %d completed", r.Requests)
	}
	if r.HasFlows() {
		s += fmt.Sprintf("; %d iterations, %d failed", r.Iterations, r.IterationsFailed)
	}
	return s
}

// BreachedNote is what the message of an interrupted run adds about its thresholds ("; on it
// 1 of 2 thresholds breached"), or "" when it has none.
func (r *Result) BreachedNote() string {
	if len(r.Thresholds) == 0 {
		return ""
	}
	return fmt.Sprintf("; on it %d of %d thresholds breached", len(r.Breached()), len(r.Thresholds))
}

// FirstError is what the message of a run where nothing succeeded adds about its errors
// (", 12× timeout: ..."), or "" when it has none.
func (r *Result) FirstError() string {
	if len(r.Errors) == 0 {
		return ""
	}
	return fmt.Sprintf(", %d× %s: %s", r.Errors[0].Count, r.Errors[0].Class, r.Errors[0].Message)
}

// LowestAsked is the lowest rate a probe asked for in any step (0 with no step).
func (p *Probe) LowestAsked() float64 {
	low := 0.0
	for i, s := range p.Steps {
		if i == 0 || s.RateAsked < low {
			low = s.RateAsked
		}
	}
	return low
}
