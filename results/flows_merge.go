package results

import (
	"fmt"
	"maps"
	"slices"
	"sort"

	hdrhistogram "github.com/HdrHistogram/hdrhistogram-go"
)

// ChecksRatio is passes / (passes + fails), 1 when no check ran (the Checks.Ratio rule).
func ChecksRatio(passes, fails uint64) float64 {
	if passes+fails == 0 {
		return 1
	}
	return float64(passes) / float64(passes+fails)
}

// HasFlows reports whether r is a run of a scenario with flows.
func (r *Result) HasFlows() bool {
	return len(r.Flows) > 0 || r.Iterations > 0 || r.DroppedIterations > 0
}

// IterationRate is the achieved rate of a run of flows in iterations started per second
// (Iterations / DurationS, as Rate is Requests / DurationS); 0 without a duration.
func (r *Result) IterationRate() float64 {
	if r.DurationS <= 0 {
		return 0
	}
	return float64(r.Iterations) / r.DurationS
}

// FlowNames returns the names of r's flows, sorted.
func (r *Result) FlowNames() []string {
	names := make([]string, 0, len(r.Flows))
	for name, f := range r.Flows {
		if f != nil {
			names = append(names, name)
		}
	}
	sort.Strings(names)
	return names
}

// CheckTotals sums the passes and fails of f's checks, with their ratio.
func (f *FlowStats) CheckTotals() Checks {
	var c Checks
	for _, s := range f.Checks {
		c.Passes += s.Passes
		c.Fails += s.Fails
	}
	c.Ratio = ChecksRatio(c.Passes, c.Fails)
	return c
}

// StepChecks sums the passes and fails of f's checks of one step, with their ratio; ok is
// false when the step has no check.
func (f *FlowStats) StepChecks(step string) (Checks, bool) {
	var c Checks
	found := false
	for _, s := range f.Checks {
		if s.Step == step {
			c.Passes += s.Passes
			c.Fails += s.Fails
			found = true
		}
	}
	c.Ratio = ChecksRatio(c.Passes, c.Fails)
	return c, found
}

// IterationHistograms decodes the iteration-duration histograms of the named flow, or of every
// flow added together when flow is "": completed iterations, then failed ones.
func (r *Result) IterationHistograms(flow string) (completed, failed *hdrhistogram.Histogram, err error) {
	completed, failed = NewHistogram(), NewHistogram()
	for _, name := range r.FlowNames() {
		if flow != "" && name != flow {
			continue
		}
		f := r.Flows[name]
		if err := addEncoded(completed, f.Histograms.Iteration, name, "iteration"); err != nil {
			return nil, nil, err
		}
		if err := addEncoded(failed, f.Histograms.FailedIteration, name, "failed iteration"); err != nil {
			return nil, nil, err
		}
	}
	return completed, failed, nil
}

// IterationSummary summarises the iteration duration of completed and failed iterations over
// every flow of r (one flow's are its IterationMS and FailedIterationMS). With a single flow
// it is that flow's summaries as written.
func (r *Result) IterationSummary() (completed, failed Latency, err error) {
	if names := r.FlowNames(); len(names) == 1 {
		f := r.Flows[names[0]]
		return f.IterationMS, f.FailedIterationMS, nil
	}
	c, fl, err := r.IterationHistograms("")
	if err != nil {
		return Latency{}, Latency{}, err
	}
	return Summarize(c), Summarize(fl), nil
}

// mergeIterations adds the iteration counters, checks and flows of src to m.
func mergeIterations(m, src *Result, source string) error {
	m.Iterations += src.Iterations
	m.IterationsCompleted += src.IterationsCompleted
	m.IterationsFailed += src.IterationsFailed
	m.DroppedIterations += src.DroppedIterations
	m.Skipped += src.Skipped
	if src.Checks != nil {
		if m.Checks == nil {
			m.Checks = &Checks{}
		}
		m.Checks.Passes += src.Checks.Passes
		m.Checks.Fails += src.Checks.Fails
		m.Checks.Ratio = ChecksRatio(m.Checks.Passes, m.Checks.Fails)
	}
	for _, name := range src.FlowNames() {
		if m.Flows == nil {
			m.Flows = map[string]*FlowStats{}
		}
		d := m.Flows[name]
		if d == nil {
			d = &FlowStats{}
			m.Flows[name] = d
		}
		if err := mergeFlow(d, src.Flows[name], source, name); err != nil {
			return err
		}
	}
	return nil
}

// mergeFlow adds the figures of flow s to d: counts summed, steps and checks united in order,
// histograms added and the summaries recomputed from them.
func mergeFlow(d, s *FlowStats, source, name string) error {
	d.Iterations += s.Iterations
	d.Completed += s.Completed
	d.Failed += s.Failed
	d.Dropped += s.Dropped
	for _, step := range s.Steps {
		d.Steps = appendNew(d.Steps, step)
	}
	d.Checks = mergeChecks(d.Checks, s.Checks)
	d.Skipped = sumCounts(d.Skipped, s.Skipped)
	d.LoopsAtMax = sumCounts(d.LoopsAtMax, s.LoopsAtMax)
	if err := mergePolls(d, s, source, name); err != nil {
		return err
	}
	pairs := []struct {
		dst       *string
		sum       *Latency
		src, what string
		omitEmpty bool // the failed-iteration histogram is left out when empty, as the engine writes it
	}{
		{dst: &d.Histograms.Iteration, sum: &d.IterationMS, src: s.Histograms.Iteration, what: "flow " + name + " iteration"},
		{dst: &d.Histograms.FailedIteration, sum: &d.FailedIterationMS, src: s.Histograms.FailedIteration, what: "flow " + name + " failed iteration", omitEmpty: true},
	}
	for _, p := range pairs {
		h, err := DecodeHistogram(*p.dst)
		if err != nil {
			return fmt.Errorf("results: merge %s: %w", p.what, err)
		}
		if err := addEncoded(h, p.src, source, p.what); err != nil {
			return err
		}
		*p.sum = Summarize(h)
		if p.omitEmpty && h.TotalCount() == 0 {
			continue
		}
		if *p.dst, err = EncodeHistogram(h); err != nil {
			return err
		}
	}
	return nil
}

// sumCounts adds the counts of src to dst by name, making dst when it is nil.
func sumCounts(dst, src map[string]uint64) map[string]uint64 {
	if dst == nil && len(src) > 0 {
		dst = map[string]uint64{}
	}
	addCounts(dst, src)
	return dst
}

// mergePolls adds the polls of flow s to d: counts summed, the most attempts kept, the
// completion histograms added and their summary recomputed from them.
func mergePolls(d, s *FlowStats, source, flow string) error {
	for step, sp := range s.Polls {
		if sp == nil {
			continue
		}
		if d.Polls == nil {
			d.Polls = map[string]*PollStats{}
		}
		dp := d.Polls[step]
		if dp == nil {
			dp = &PollStats{}
			d.Polls[step] = dp
		}
		dp.Polls += sp.Polls
		dp.Succeeded += sp.Succeeded
		dp.TimedOut += sp.TimedOut
		dp.Failed += sp.Failed
		dp.Attempts += sp.Attempts
		dp.AttemptsMax = max(dp.AttemptsMax, sp.AttemptsMax)
		what := "flow " + flow + " step " + step + " completion"
		h, err := DecodeHistogram(dp.Histogram)
		if err != nil {
			return fmt.Errorf("results: merge %s: %w", what, err)
		}
		if err := addEncoded(h, sp.Histogram, source, what); err != nil {
			return err
		}
		dp.CompletionMS = Summarize(h)
		if h.TotalCount() > 0 {
			if dp.Histogram, err = EncodeHistogram(h); err != nil {
				return err
			}
		}
	}
	return nil
}

// mergeChecks adds the checks of src to dst by (step, name), keeping dst's order and the first
// failure sample seen.
func mergeChecks(dst, src []CheckStats) []CheckStats {
	for _, c := range src {
		i := 0
		for i < len(dst) && (dst[i].Step != c.Step || dst[i].Name != c.Name) {
			i++
		}
		if i == len(dst) {
			dst = append(dst, c)
			continue
		}
		dst[i].Passes += c.Passes
		dst[i].Fails += c.Fails
		if dst[i].Sample == "" {
			dst[i].Sample = c.Sample
		}
	}
	return dst
}

// checkFlowsMergeable refuses a source whose flow ran iterations but kept no iteration
// histogram: its iteration durations could not be merged exactly.
func checkFlowsMergeable(name string, r *Result) error {
	for _, flow := range r.FlowNames() {
		f := r.Flows[flow]
		if (f.Completed > 0 && f.Histograms.Iteration == "") || (f.Failed > 0 && f.Histograms.FailedIteration == "") {
			return fmt.Errorf("%w: %s: flow %q has no iteration histogram, its iteration durations cannot be merged exactly (use force to merge anyway)", ErrMismatch, name, flow)
		}
		for step, p := range f.Polls {
			if p != nil && p.Succeeded > 0 && p.Histogram == "" {
				return fmt.Errorf("%w: %s: flow %q step %q has no completion histogram, its completion times cannot be merged exactly (use force to merge anyway)", ErrMismatch, name, flow, step)
			}
		}
	}
	return nil
}

// checkFlowHistograms decodes the iteration histograms of every flow of r, naming the first
// that does not decode.
func checkFlowHistograms(r *Result, check func(field, enc string) error) error {
	for _, name := range r.FlowNames() {
		f := r.Flows[name]
		if err := check(fmt.Sprintf("flows[%q].histograms.iteration", name), f.Histograms.Iteration); err != nil {
			return err
		}
		if err := check(fmt.Sprintf("flows[%q].histograms.failed_iteration", name), f.Histograms.FailedIteration); err != nil {
			return err
		}
		maps.DeleteFunc(f.Polls, func(_ string, p *PollStats) bool { return p == nil }) // "polls": {"x": null}
		for _, step := range slices.Sorted(maps.Keys(f.Polls)) {
			if err := check(fmt.Sprintf("flows[%q].polls[%q].histogram", name, step), f.Polls[step].Histogram); err != nil {
				return err
			}
		}
	}
	return nil
}
