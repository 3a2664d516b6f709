package cluster

import (
	"fmt"
	"sync"
	"time"

	"github.com/loadtestdev/loadtest/gate"
	"github.com/loadtestdev/loadtest/results"
)

// accumulator sums intervals with their histograms kept as bucket counts (bucketCounts):
// applying an interval decodes only its own (small, sparse) histograms, once, and adds them
// bucket by bucket; a histogram is built and encoded only when a result is asked for (the
// gate's check, a lost shard's part of the merge). Adding with results.MergeWith instead
// decodes and re-encodes the running sums at every interval, some hundred times the cost
// (BenchmarkCoordinatorSecond).
type accumulator struct {
	meta           results.Result // schema, scenario, target, seed, rate asked, stages, slack
	started, ended time.Time
	connections    int
	figures        figureSum
	byName         map[string]*figureSum
	// keepTimeline: the intervals' timeline seconds are kept (a shard's sum, for its part
	// of the merge; the run's live sum needs none)
	keepTimeline bool
	timeline     []results.Second
	// gateNeeds are the histograms the gate's Result encodes (gateHistograms)
	gateNeeds histograms
}

// figureSum is the sum of the figures of the run or of one request name.
type figureSum struct {
	requests, successes, bytesIn, bytesOut uint64
	codes                                  map[string]uint64
	errors                                 []results.ErrorCount
	lat, svc                               *bucketCounts
}

func newFigureSum() *figureSum {
	return &figureSum{codes: map[string]uint64{}, lat: &bucketCounts{}, svc: &bucketCounts{}}
}

func newAccumulator(keepTimeline bool) *accumulator {
	return &accumulator{figures: *newFigureSum(), byName: map[string]*figureSum{}, keepTimeline: keepTimeline}
}

// decodedInterval is one interval's figures with every histogram decoded and checked to fit:
// an interval is decoded whole before any of it is added, so that one bad histogram refuses
// the whole interval and the sums are never left half-applied (a resent interval would then
// count twice). Its histograms' buckets are in one buffer, taken from arenas and given back
// by release once the interval is applied.
type decodedInterval struct {
	f        *results.Result
	lat, svc sparseHist
	byName   map[string]decodedPair
	arena    *[]bucket
}

// decodedPair is the latency and service-time histograms of one set of figures, decoded.
type decodedPair struct{ lat, svc sparseHist }

// arenas are the bucket buffers of decoded intervals, kept from one interval to the next.
var arenas = sync.Pool{New: func() any { return new([]bucket) }}

// decodeInterval decodes and checks every histogram of f from the payloads of its frame: the
// latency and service time of the whole interval, then of each of names (f's request names,
// sorted).
func decodeInterval(f *results.Result, names []string, payloads [][]byte) (*decodedInterval, error) {
	d := &decodedInterval{f: f, byName: make(map[string]decodedPair, len(names)), arena: arenas.Get().(*[]bucket)}
	arena := (*d.arena)[:0]
	var err error
	if d.lat, d.svc, arena, err = decodePair(payloads[0], payloads[1], arena); err != nil {
		d.release()
		return nil, err
	}
	for i, name := range names {
		if f.ByRequest[name] == nil {
			d.release()
			return nil, fmt.Errorf("request %s: no figures", name)
		}
		var p decodedPair
		if p.lat, p.svc, arena, err = decodePair(payloads[2+2*i], payloads[3+2*i], arena); err != nil {
			d.release()
			return nil, fmt.Errorf("request %s: %w", name, err)
		}
		d.byName[name] = p
	}
	*d.arena = arena
	return d, nil
}

// release gives the buffer of the histograms back: d's histograms must not be used after.
func (d *decodedInterval) release() {
	if d.arena != nil && cap(*d.arena) <= maxPooledBuckets {
		arenas.Put(d.arena)
	}
	d.arena = nil
}

// maxPooledBuckets bounds the buffers kept for the next interval (4 MiB).
const maxPooledBuckets = 1 << 18

func decodePair(latency, service []byte, arena []bucket) (lat, svc sparseHist, _ []bucket, err error) {
	if lat, arena, err = payloadHist(latency, arena); err != nil {
		return lat, svc, arena, fmt.Errorf("latency: %w", err)
	}
	if svc, arena, err = payloadHist(service, arena); err != nil {
		return lat, svc, arena, fmt.Errorf("service time: %w", err)
	}
	return lat, svc, arena, nil
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
	if a.keepTimeline {
		a.timeline = append(a.timeline, f.Timeline...)
	}
}

func (s *figureSum) add(requests, successes uint64, codes map[string]uint64, errs []results.ErrorCount, h decodedPair) {
	s.requests += requests
	s.successes += successes
	for k, n := range codes {
		s.codes[k] += n
	}
	s.errors = results.MergeErrors(s.errors, errs)
	s.lat.add(h.lat)
	s.svc.add(h.svc)
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
	c.lat, c.svc = s.lat.clone(), s.svc.clone()
	return &c
}

// Result renders a copy of the run's sum for the gate (gate.Partial), with only the histograms
// of gateNeeds encoded.
func (a *accumulator) Result() (*results.Result, error) { return a.render(a.gateNeeds) }

// result renders the sum as a result (histograms encoded, summaries computed).
func (a *accumulator) result() (*results.Result, error) { return a.render(nil) }

// histograms says which histograms a rendered result encodes, by request name ("" for the
// whole run) and kind (service time or latency); nil: all of them.
type histograms map[histogramOf]bool

type histogramOf struct {
	request string
	service bool
}

// gateHistograms are the histograms the thresholds read: the latency or service time of the
// whole run or of a request, for a percentile (one the summary does not hold, or the bounds
// of one that the --abort-on-fail check computes; a mean, min or max is the summary's).
// Encoding a histogram (zlib at its best compression, as hdrhistogram-go writes it) costs some
// 3 ms; the gate's check of a run of four request names encoded ten every second where it
// read one (a sixth of the coordinator's CPU at 500 shards of 10,000 req/s).
func gateHistograms(thresholds []gate.Threshold) histograms {
	need := histograms{}
	for _, t := range thresholds {
		if (t.Metric.Kind == gate.KindLatency || t.Metric.Kind == gate.KindServiceTime) && t.Metric.Stat == gate.StatPercentile {
			need[histogramOf{request: t.Request, service: t.Metric.Kind == gate.KindServiceTime}] = true
		}
	}
	return need
}

// render renders the sum as a result, with the histograms of need encoded (nil: all).
func (a *accumulator) render(need histograms) (*results.Result, error) {
	r := a.meta
	r.Started, r.Ended, r.DurationS, r.Connections = a.started, a.ended, a.ended.Sub(a.started).Seconds(), a.connections
	r.Requests, r.Successes, r.BytesIn, r.BytesOut = a.figures.requests, a.figures.successes, a.figures.bytesIn, a.figures.bytesOut
	r.StatusCodes, r.Errors = a.figures.codes, a.figures.errors
	r.SuccessRatio = results.Ratio(r.Successes, r.Requests)
	r.Rate, r.Throughput = results.PerSecond(r.Requests, r.DurationS), results.PerSecond(r.Successes, r.DurationS)
	r.Timeline = a.timeline
	var err error
	if r.LatencyMS, r.ServiceTimeMS, r.Histograms, err = renderPair(a.figures.lat, a.figures.svc, need, ""); err != nil {
		return nil, err
	}
	r.ByRequest = make(map[string]*results.RequestStats, len(a.byName))
	for name, s := range a.byName {
		rs := &results.RequestStats{Requests: s.requests, Successes: s.successes, SuccessRatio: results.Ratio(s.successes, s.requests),
			Rate: results.PerSecond(s.requests, r.DurationS), Throughput: results.PerSecond(s.successes, r.DurationS),
			StatusCodes: s.codes, Errors: s.errors}
		if rs.LatencyMS, rs.ServiceTimeMS, rs.Histograms, err = renderPair(s.lat, s.svc, need, name); err != nil {
			return nil, err
		}
		r.ByRequest[name] = rs
	}
	return &r, nil
}

// renderPair summarizes the latency and service-time sums, and encodes them when need (nil:
// all) has them for request.
func renderPair(lat, svc *bucketCounts, need histograms, request string) (latMS, svcMS results.Latency, enc results.Histograms, err error) {
	l, v := lat.histogram(), svc.histogram()
	if need == nil || need[histogramOf{request: request}] {
		if enc.Latency, err = results.EncodeHistogram(l); err != nil {
			return
		}
	}
	if need == nil || need[histogramOf{request: request, service: true}] {
		if enc.ServiceTime, err = results.EncodeHistogram(v); err != nil {
			return
		}
	}
	return results.Summarize(l), results.Summarize(v), enc, nil
}
