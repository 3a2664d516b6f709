package engine

import (
	"maps"
	"slices"
	"time"

	"github.com/loadtestdev/loadtest/results"
)

// Partial is a copy of a run's figures at one instant, taken by Progress.Partial. Taking it
// copies the counters and histograms (well under a millisecond, so the aggregator that
// measures the run is not held up); rendering it with Result encodes the histograms and may
// happen later, on any goroutine.
type Partial struct {
	agg *aggregator // a copy: its own stats, the run's read-only plan
	end time.Time
}

// Result renders the partial figures as a result: counters, latency summaries and histograms
// of the run and of each request, measured until the instant the copy was taken. It has no
// timeline (its open seconds were still filling), no warnings and no bytes_in.
func (p *Partial) Result() (*results.Result, error) { return p.agg.figures(p.end) }

// withPartial gives a second's progress its Partial: a copy taken now, while the lock that
// its counters were read under is still held, so that the copy holds exactly the requests
// the progress counts (the workers record their results under that lock as they come, so a
// copy taken later, when OnSecond asks, would hold more). No copy without an OnSecond to
// take it. The copy costs a memmove of the histograms (about 280 KB per request name).
func (a *aggregator) withPartial(pr *Progress, now time.Time) {
	if a.p.OnSecond == nil {
		return
	}
	c := a.partial(now)
	pr.Partial = func() *Partial { return c }
}

// partial copies what figures reads; the caller holds the lock the figures are recorded under.
func (a *aggregator) partial(now time.Time) *Partial {
	c := &aggregator{p: a.p, began: a.began, slack: a.slack, bytesOut: a.bytesOut, total: a.total.clone(), flows: a.flows.clone()}
	c.names = slices.Clone(a.names)
	c.byName = make([]*stats, len(a.byName))
	for i, s := range a.byName {
		c.byName[i] = s.clone()
	}
	return &Partial{agg: c, end: now}
}

// clone returns an independent copy of s.
func (s *stats) clone() *stats {
	c := *s // copies the codes array
	c.latency, c.service = s.latency.Clone(), s.service.Clone()
	c.otherCodes = maps.Clone(s.otherCodes)
	c.errors = make(map[string]*results.ErrorCount, len(s.errors))
	for k, e := range s.errors {
		ec := *e
		c.errors[k] = &ec
	}
	c.errorOrder = append([]string(nil), s.errorOrder...)
	return &c
}
