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

// decodedInterval is one interval's figures with every histogram decoded and checked to fit:
// an interval is decoded whole before any of it is added, so that one bad histogram refuses
// the whole interval and the sums are never left half-applied (a resent interval would then
// count twice).
type decodedInterval struct {
	f        *results.Result
	lat, svc *hdrhistogram.Histogram
	byName   map[string]decodedPair
}

// decodedPair is the latency and service-time histograms of one set of figures, decoded.
type decodedPair struct{ lat, svc *hdrhistogram.Histogram }

// decodeInterval decodes and checks every histogram of f (overall and per request name).
func decodeInterval(f *results.Result) (*decodedInterval, error) {
	d := &decodedInterval{f: f, byName: make(map[string]decodedPair, len(f.ByRequest))}
	p, err := decodePair(f.Histograms)
	if err != nil {
		return nil, err
	}
	d.lat, d.svc = p.lat, p.svc
	for name, rs := range f.ByRequest {
		if rs == nil {
			return nil, fmt.Errorf("request %s: no figures", name)
		}
		if d.byName[name], err = decodePair(rs.Histograms); err != nil {
			return nil, fmt.Errorf("request %s: %w", name, err)
		}
	}
	return d, nil
}

func decodePair(h results.Histograms) (decodedPair, error) {
	lat, err := decodeFitting(h.Latency)
	if err != nil {
		return decodedPair{}, fmt.Errorf("latency: %w", err)
	}
	svc, err := decodeFitting(h.ServiceTime)
	if err != nil {
		return decodedPair{}, fmt.Errorf("service time: %w", err)
	}
	return decodedPair{lat, svc}, nil
}

// decodeFitting decodes enc and checks that every value of it fits a results.NewHistogram:
// one of that geometry does; another is tried on an empty one.
func decodeFitting(enc string) (*hdrhistogram.Histogram, error) {
	d, err := results.DecodeHistogram(enc)
	if err != nil {
		return nil, err
	}
	if d.LowestTrackableValue() == results.HistogramMinMicros && d.HighestTrackableValue() == results.HistogramMaxMicros &&
		d.SignificantFigures() == results.HistogramSigDigits {
		return d, nil
	}
	if dropped := results.NewHistogram().Merge(d); dropped > 0 {
		return nil, fmt.Errorf("%d values out of range", dropped)
	}
	return d, nil
}

// add adds one decoded interval; it cannot fail (decodeInterval checked it).
func (a *accumulator) add(d *decodedInterval) {
	f := d.f
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
	a.figures.add(f.Requests, f.Successes, f.StatusCodes, f.Errors, decodedPair{d.lat, d.svc})
	a.figures.bytesIn += f.BytesIn
	a.figures.bytesOut += f.BytesOut
	for name, rs := range f.ByRequest {
		s := a.byName[name]
		if s == nil {
			s = newFigureSum()
			a.byName[name] = s
		}
		s.add(rs.Requests, rs.Successes, rs.StatusCodes, rs.Errors, d.byName[name])
	}
	a.timeline = append(a.timeline, f.Timeline...)
}

func (s *figureSum) add(requests, successes uint64, codes map[string]uint64, errs []results.ErrorCount, h decodedPair) {
	s.requests += requests
	s.successes += successes
	for k, n := range codes {
		s.codes[k] += n
	}
	s.errors = results.MergeErrors(s.errors, errs)
	s.lat.Merge(h.lat)
	s.svc.Merge(h.svc)
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
