package engine

import (
	"errors"
	"fmt"
	"maps"
	"strings"
	"time"

	hdrhistogram "github.com/HdrHistogram/hdrhistogram-go"
	"github.com/loadtestdev/loadtest/results"
	"github.com/loadtestdev/loadtest/scenarios"
	vegeta "github.com/tsenart/vegeta/v12/lib"
)

// flowNames lets a FlowPlan stand where the plan and the aggregator read a Targeter's
// names: the "FLOW/STEP" names of its request steps. Its Next is never called.
type flowNames struct{ fp *scenarios.FlowPlan }

func (f flowNames) Names() []string { return f.fp.Names() }

func (flowNames) Next(*vegeta.Target) (int, error) {
	return 0, errors.New("engine: a flow plan hands out iterations, not hits")
}

// flowFigures are the iteration and check figures of a run of flows, beside the request
// figures the aggregator keeps per step.
type flowFigures struct {
	infos                                  []scenarios.FlowInfo
	names                                  []string // the plan's "FLOW/STEP" names
	skipped                                uint64
	flows                                  []*flowStats
	iterations, completed, failed, dropped uint64
	passes, fails                          uint64
}

// flowStats are one flow's figures.
type flowStats struct {
	iterations, completed, failed, dropped uint64
	iteration, failedIteration             *hdrhistogram.Histogram
	checks                                 []checkCount
	skipped, atMax                         map[string]uint64 // by step, by while group
	polls                                  map[string]*pollCount
}

// pollCount counts one polling step's polls, attempts and completion times.
type pollCount struct {
	polls, succeeded, timedOut, failed uint64
	attempts, attemptsMax              uint64
	completion                         *hdrhistogram.Histogram
}

// checkCount counts one check's outcomes and keeps the first failure's sample.
type checkCount struct {
	passes, fails uint64
	sample        string
}

func newFlowFigures(infos []scenarios.FlowInfo, names []string) *flowFigures {
	f := &flowFigures{infos: infos, names: names}
	for _, info := range infos {
		fs := &flowStats{
			iteration: results.NewHistogram(), failedIteration: results.NewHistogram(),
			checks: make([]checkCount, len(info.Checks)),
		}
		if len(info.Polls) > 0 {
			fs.polls = map[string]*pollCount{}
			for _, step := range info.Polls {
				fs.polls[step] = &pollCount{completion: results.NewHistogram()}
			}
		}
		f.flows = append(f.flows, fs)
	}
	return f
}

// stepName is the step part of the "FLOW/STEP" name of Names index name.
func (f *flowFigures) stepName(flow, name int) string {
	if name < 0 || name >= len(f.names) {
		return "?"
	}
	return strings.TrimPrefix(f.names[name], f.infos[flow].Name+"/")
}

// skip counts request step name of flow, skipped by a when.
func (f *flowFigures) skip(flow, name int) {
	s := f.flows[flow]
	if s.skipped == nil {
		s.skipped = map[string]uint64{}
	}
	s.skipped[f.stepName(flow, name)]++
	f.skipped++
}

// loopAtMax counts a while group of flow that stopped at its max with its condition holding.
func (f *flowFigures) loopAtMax(flow int, group string) {
	s := f.flows[flow]
	if s.atMax == nil {
		s.atMax = map[string]uint64{}
	}
	s.atMax[group]++
}

// poll counts a poll that ended after d (from its first attempt's intended start).
func (f *flowFigures) poll(flow int, ps *pollState, d time.Duration) {
	if ps.attempts == 0 {
		return // cut short before its first attempt was counted
	}
	pc := f.flows[flow].polls[f.stepName(flow, ps.name)]
	if pc == nil {
		return
	}
	pc.polls++
	pc.attempts += ps.attempts
	pc.attemptsMax = max(pc.attemptsMax, ps.attempts)
	switch {
	case ps.held:
		pc.succeeded++
		results.RecordDuration(pc.completion, d)
	case ps.timedOut:
		pc.timedOut++
	default:
		pc.failed++
	}
}

func (f *flowFigures) start(flow int) {
	f.iterations++
	f.flows[flow].iterations++
}

func (f *flowFigures) drop(flow int) {
	f.dropped++
	f.flows[flow].dropped++
}

// end counts an iteration that ended after d, failed or not.
func (f *flowFigures) end(flow int, failed bool, d time.Duration) {
	s := f.flows[flow]
	if failed {
		f.failed++
		s.failed++
		results.RecordDuration(s.failedIteration, d)
		return
	}
	f.completed++
	s.completed++
	results.RecordDuration(s.iteration, d)
}

// check counts one check outcome of a flow; a failure's sample names the check and what was
// seen.
func (f *flowFigures) check(flow int, o scenarios.Outcome) {
	c := &f.flows[flow].checks[o.Check]
	if o.Pass {
		f.passes++
		c.passes++
		return
	}
	f.fails++
	c.fails++
	if c.sample == "" {
		c.sample = fmt.Sprintf("check %q failed: saw %s", f.infos[flow].Checks[o.Check].Name, o.Seen)
	}
}

// clone copies f for a Partial (nil stays nil).
func (f *flowFigures) clone() *flowFigures {
	if f == nil {
		return nil
	}
	c := *f
	c.flows = make([]*flowStats, len(f.flows))
	for i, s := range f.flows {
		cs := *s
		cs.iteration, cs.failedIteration = s.iteration.Clone(), s.failedIteration.Clone()
		cs.checks = append([]checkCount(nil), s.checks...)
		cs.skipped, cs.atMax = maps.Clone(s.skipped), maps.Clone(s.atMax)
		if s.polls != nil {
			cs.polls = make(map[string]*pollCount, len(s.polls))
			for k, p := range s.polls {
				cp := *p
				cp.completion = p.completion.Clone()
				cs.polls[k] = &cp
			}
		}
		c.flows[i] = &cs
	}
	return &c
}

// fill writes the flow figures into r.
func (f *flowFigures) fill(r *results.Result, _ float64) {
	r.Iterations, r.IterationsCompleted, r.IterationsFailed, r.DroppedIterations = f.iterations, f.completed, f.failed, f.dropped
	r.Skipped = f.skipped
	r.Checks = &results.Checks{Passes: f.passes, Fails: f.fails, Ratio: checkRatio(f.passes, f.fails)}
	r.Flows = make(map[string]*results.FlowStats, len(f.flows))
	for i, s := range f.flows {
		info := f.infos[i]
		fs := &results.FlowStats{
			Iterations: s.iterations, Completed: s.completed, Failed: s.failed, Dropped: s.dropped,
			Steps:             append([]string{}, info.Steps...),
			IterationMS:       results.Summarize(s.iteration),
			FailedIterationMS: results.Summarize(s.failedIteration),
		}
		for k, c := range s.checks {
			fs.Checks = append(fs.Checks, results.CheckStats{
				Name: info.Checks[k].Name, Step: info.Checks[k].Step, Passes: c.passes, Fails: c.fails, Sample: c.sample,
			})
		}
		var err error
		if fs.Histograms.Iteration, err = results.EncodeHistogram(s.iteration); err == nil && s.failed > 0 {
			fs.Histograms.FailedIteration, _ = results.EncodeHistogram(s.failedIteration)
		}
		fs.Skipped, fs.LoopsAtMax = maps.Clone(s.skipped), maps.Clone(s.atMax)
		fs.Polls = s.pollStats()
		r.Flows[info.Name] = fs
	}
}

// pollStats renders the flow's polls (nil when it has none).
func (s *flowStats) pollStats() map[string]*results.PollStats {
	if len(s.polls) == 0 {
		return nil
	}
	out := make(map[string]*results.PollStats, len(s.polls))
	for step, p := range s.polls {
		ps := &results.PollStats{
			Polls: p.polls, Succeeded: p.succeeded, TimedOut: p.timedOut, Failed: p.failed,
			Attempts: p.attempts, AttemptsMax: p.attemptsMax, CompletionMS: results.Summarize(p.completion),
		}
		if p.succeeded > 0 {
			ps.Histogram, _ = results.EncodeHistogram(p.completion)
		}
		out[step] = ps
	}
	return out
}

// checkRatio is passes / (passes + fails), 1 when no check ran.
func checkRatio(passes, fails uint64) float64 {
	if passes+fails == 0 {
		return 1
	}
	return float64(passes) / float64(passes+fails)
}

// droppedWarning says how many iteration starts found every session busy.
func droppedWarning(dropped, planned uint64, sessions int) (results.Warning, bool) {
	if dropped == 0 {
		return results.Warning{}, false
	}
	msg := fmt.Sprintf("%d iteration start(s) found all %d sessions (max_sessions) busy and were dropped, not queued", dropped, sessions)
	if planned > 0 {
		msg = fmt.Sprintf("%d of %d iteration starts (%.1f%%) found all %d sessions (max_sessions) busy and were dropped, not queued",
			dropped, planned, 100*float64(dropped)/float64(planned), sessions)
	}
	return results.Warning{
		Code:    "dropped_iterations",
		Message: msg + ": raise max_sessions, or the target is slower than the rate needs",
		Values:  map[string]float64{"dropped": float64(dropped), "planned": float64(planned), "max_sessions": float64(sessions)},
	}, true
}
