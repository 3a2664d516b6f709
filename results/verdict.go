package results

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
