package resultstest

import (
	"testing"
	"time"

	"github.com/loadtestdev/loadtest/results"
)

// Poll describes the fabricated polls of one step: the completion times of those that
// succeeded and the attempts of each poll (succeeded ones first, then TimedOut ones).
type Poll struct {
	Flow, Step  string
	Completions []time.Duration
	Attempts    []uint64
	TimedOut    int
}

// AddControl adds to r (a FlowResult) the polls described and the skipped counts given per
// "FLOW/STEP", as the engine would write them (the attempts themselves are not added to
// by_request: the tests that use it read the control-flow figures only).
func AddControl(t testing.TB, r *results.Result, polls []Poll, skipped map[string]uint64) {
	t.Helper()
	for _, p := range polls {
		f := r.Flows[p.Flow]
		if f == nil {
			t.Fatalf("resultstest: no flow %q", p.Flow)
		}
		h := results.NewHistogram()
		ps := &results.PollStats{Polls: uint64(len(p.Completions) + p.TimedOut), Succeeded: uint64(len(p.Completions)), TimedOut: uint64(p.TimedOut)}
		for _, d := range p.Completions {
			results.RecordDuration(h, d)
		}
		for _, a := range p.Attempts {
			ps.Attempts += a
			ps.AttemptsMax = max(ps.AttemptsMax, a)
		}
		ps.CompletionMS = results.Summarize(h)
		if h.TotalCount() > 0 {
			ps.Histogram = encode(t, h)
		}
		if f.Polls == nil {
			f.Polls = map[string]*results.PollStats{}
		}
		f.Polls[p.Step] = ps
	}
	for name, n := range skipped {
		flow, step := splitName(name)
		f := r.Flows[flow]
		if f == nil {
			t.Fatalf("resultstest: no flow %q", flow)
		}
		if f.Skipped == nil {
			f.Skipped = map[string]uint64{}
		}
		f.Skipped[step] += n
		r.Skipped += n
	}
}

func splitName(name string) (flow, step string) {
	for i := 0; i < len(name); i++ {
		if name[i] == '/' {
			return name[:i], name[i+1:]
		}
	}
	return name, ""
}
