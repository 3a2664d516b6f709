package cluster

import (
	"fmt"
	"time"

	hdrhistogram "github.com/HdrHistogram/hdrhistogram-go"
	"github.com/loadtestdev/loadtest/results"
)

// accumulator sums intervals with their histograms kept decoded: applying an interval decodes
// only its own (small, sparse) histograms and adds them bucket by bucket, and encoding happens
// only when a result is asked for (the gate's check, a lost shard's part of the merge). Adding
// with results.MergeWith instead decodes and re-encodes the running sums at every interval,
// some hundred times the cost (BenchmarkCoordinatorSecond).
type accumulator struct {
	meta           results.Result // schema, scenario, target, seed, rate asked, stages, slack
	started, ended time.Time
	connections    int
	figures        figureSum
	byName         map[string]*figureSum
	timeline       []results.Second
}

// figureSum is the sum of the figures of the run or of one request name.
type figureSum struct {
	requests, successes, bytesIn, bytesOut uint64
	codes                                  map[string]uint64
	errors                                 []results.ErrorCount
	lat, svc                               *hdrhistogram.Histogram
}

func newFigureSum() *figureSum {
	return &figureSum{codes: map[string]uint64{}, lat: results.NewHistogram(), svc: results.NewHistogram()}
}

func newAccumulator() *accumulator {
	return &accumulator{figures: *newFigureSum(), byName: map[string]*figureSum{}}
}

// add adds one interval's figures; lat is its latency histogram, decoded (for the live view).
func (a *accumulator) add(f *results.Result) (lat *hdrhistogram.Histogram, err error) {
	if a.meta.Schema == "" {
		a.meta = results.Result{Schema: f.Schema, Scenario: f.Scenario, Target: f.Target, Seed: f.Seed, RateAsked: f.RateAsked,
			Stages: f.Stages, TimerSlackMS: f.TimerSlackMS}
	}
	if a.started.IsZero() || f.Started.Before(a.started) {
		a.started = f.Started
	}
	if f.Ended.After(a.ended) {
		a.ended = f.Ended
	}
	a.connections += f.Connections
	if lat, err = a.figures.add(f.Requests, f.Successes, f.StatusCodes, f.Errors, f.Histograms); err != nil {
		return nil, err
	}
	a.figures.bytesIn += f.BytesIn
	a.figures.bytesOut += f.BytesOut
	for name, rs := range f.ByRequest {
		s := a.byName[name]
		if s == nil {
			s = newFigureSum()
			a.byName[name] = s
		}
		if _, err := s.add(rs.Requests, rs.Successes, rs.StatusCodes, rs.Errors, rs.Histograms); err != nil {
			return nil, fmt.Errorf("request %s: %w", name, err)
		}
	}
	a.timeline = append(a.timeline, f.Timeline...)
	return lat, nil
}

func (s *figureSum) add(requests, successes uint64, codes map[string]uint64, errs []results.ErrorCount, h results.Histograms) (*hdrhistogram.Histogram, error) {
	s.requests += requests
	s.successes += successes
	for k, n := range codes {
		s.codes[k] += n
	}
	s.errors = results.MergeErrors(s.errors, errs)
	lat, err := addDecoded(s.lat, h.Latency)
	if err != nil {
		return nil, fmt.Errorf("latency: %w", err)
	}
	if _, err := addDecoded(s.svc, h.ServiceTime); err != nil {
		return nil, fmt.Errorf("service time: %w", err)
	}
	return lat, nil
}

// addDecoded decodes enc and adds it to h; it returns the decoded histogram.
func addDecoded(h *hdrhistogram.Histogram, enc string) (*hdrhistogram.Histogram, error) {
	d, err := results.DecodeHistogram(enc)
	if err != nil {
		return nil, err
	}
	if dropped := h.Merge(d); dropped > 0 {
		return nil, fmt.Errorf("%d values out of range", dropped)
	}
	return d, nil
}

// clone copies the accumulator (histograms included), for a result rendered elsewhere.
func (a *accumulator) clone() *accumulator {
	c := *a
	c.figures = *a.figures.clone()
	c.byName = make(map[string]*figureSum, len(a.byName))
	for k, s := range a.byName {
		c.byName[k] = s.clone()
	}
	c.timeline = append([]results.Second(nil), a.timeline...)
	return &c
}

func (s *figureSum) clone() *figureSum {
	c := *s
	c.codes = make(map[string]uint64, len(s.codes))
	for k, n := range s.codes {
		c.codes[k] = n
	}
	c.errors = append([]results.ErrorCount(nil), s.errors...)
	c.lat, c.svc = s.lat.Clone(), s.svc.Clone()
	return &c
}

// Result renders a copy of the run's sum for the gate (gate.Partial).
func (a *accumulator) Result() (*results.Result, error) { return a.result() }

// result renders the sum as a result (histograms encoded, summaries computed).
func (a *accumulator) result() (*results.Result, error) {
	r := a.meta
	r.Started, r.Ended, r.DurationS, r.Connections = a.started, a.ended, a.ended.Sub(a.started).Seconds(), a.connections
	r.Requests, r.Successes, r.BytesIn, r.BytesOut = a.figures.requests, a.figures.successes, a.figures.bytesIn, a.figures.bytesOut
	r.StatusCodes, r.Errors = a.figures.codes, a.figures.errors
	r.SuccessRatio = results.Ratio(r.Successes, r.Requests)
	r.Rate, r.Throughput = results.PerSecond(r.Requests, r.DurationS), results.PerSecond(r.Successes, r.DurationS)
	r.LatencyMS, r.ServiceTimeMS = results.Summarize(a.figures.lat), results.Summarize(a.figures.svc)
	r.Timeline = a.timeline
	var err error
	if r.Histograms, err = encodePair(a.figures.lat, a.figures.svc); err != nil {
		return nil, err
	}
	r.ByRequest = make(map[string]*results.RequestStats, len(a.byName))
	for name, s := range a.byName {
		rs := &results.RequestStats{Requests: s.requests, Successes: s.successes, SuccessRatio: results.Ratio(s.successes, s.requests),
			Rate: results.PerSecond(s.requests, r.DurationS), Throughput: results.PerSecond(s.successes, r.DurationS),
			LatencyMS: results.Summarize(s.lat), ServiceTimeMS: results.Summarize(s.svc), StatusCodes: s.codes, Errors: s.errors}
		if rs.Histograms, err = encodePair(s.lat, s.svc); err != nil {
			return nil, err
		}
		r.ByRequest[name] = rs
	}
	return &r, nil
}

func encodePair(lat, svc *hdrhistogram.Histogram) (results.Histograms, error) {
	l, err := results.EncodeHistogram(lat)
	if err != nil {
		return results.Histograms{}, err
	}
	s, err := results.EncodeHistogram(svc)
	if err != nil {
		return results.Histograms{}, err
	}
	return results.Histograms{Latency: l, ServiceTime: s}, nil
}
