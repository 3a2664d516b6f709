package engine

import (
	"net/http"
	"sort"
	"strconv"
	"time"

	hdrhistogram "github.com/HdrHistogram/hdrhistogram-go"
	"github.com/loadtestdev/loadtest/results"
)

// maxCode bounds the status codes counted in a fixed array; rarer codes go to a map.
const maxCode = 600

// stats are the running figures of one request name, or of the whole run.
type stats struct {
	requests, successes uint64
	latency, service    *hdrhistogram.Histogram
	codes               [maxCode]uint64
	otherCodes          map[int]uint64
	errors              map[string]*results.ErrorCount
	errorOrder          []string
}

func newStats() *stats {
	return &stats{
		latency: results.NewHistogram(),
		service: results.NewHistogram(),
		errors:  make(map[string]*results.ErrorCount),
	}
}

// add counts one hit. msg, and the start of the body kept in hdr (keepErrorBody), are read
// only when the hit failed and its class is new: they become the class's sample.
func (s *stats) add(code uint16, ok bool, latency, service time.Duration, class, msg string, hdr http.Header) {
	s.requests++
	if ok {
		s.successes++
	}
	results.RecordDuration(s.latency, latency)
	results.RecordDuration(s.service, service)
	if int(code) < maxCode {
		s.codes[code]++
	} else {
		if s.otherCodes == nil {
			s.otherCodes = make(map[int]uint64)
		}
		s.otherCodes[int(code)]++
	}
	if class == "" {
		return
	}
	e := s.errors[class]
	if e == nil {
		e = &results.ErrorCount{Class: class, Message: stripTag(msg)}
		e.Body, e.BodyTruncated = keptErrorBody(hdr)
		s.errors[class] = e
		s.errorOrder = append(s.errorOrder, class)
	}
	e.Count++
}

func (s *stats) statusCodes() map[string]uint64 {
	m := make(map[string]uint64)
	for c, n := range s.codes {
		if n > 0 {
			m[strconv.Itoa(c)] = n
		}
	}
	for c, n := range s.otherCodes {
		m[strconv.Itoa(c)] = n
	}
	return m
}

// errorList returns the error classes, most frequent first (first seen first on ties).
func (s *stats) errorList() []results.ErrorCount {
	out := make([]results.ErrorCount, 0, len(s.errorOrder))
	for _, c := range s.errorOrder {
		out = append(out, *s.errors[c])
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].Count > out[j].Count })
	return out
}

func (s *stats) histograms() (results.Histograms, error) {
	lat, err := results.EncodeHistogram(s.latency)
	if err != nil {
		return results.Histograms{}, err
	}
	svc, err := results.EncodeHistogram(s.service)
	if err != nil {
		return results.Histograms{}, err
	}
	return results.Histograms{Latency: lat, ServiceTime: svc}, nil
}

// requestStats renders s for the result's by_request section over a run of seconds.
func (s *stats) requestStats(seconds float64) (*results.RequestStats, error) {
	h, err := s.histograms()
	if err != nil {
		return nil, err
	}
	return &results.RequestStats{
		Requests:      s.requests,
		Successes:     s.successes,
		SuccessRatio:  results.Ratio(s.successes, s.requests),
		Rate:          results.PerSecond(s.requests, seconds),
		Throughput:    results.PerSecond(s.successes, seconds),
		LatencyMS:     results.Summarize(s.latency),
		ServiceTimeMS: results.Summarize(s.service),
		StatusCodes:   s.statusCodes(),
		Errors:        s.errorList(),
		Histograms:    h,
	}, nil
}

// timeline accumulates the per-second timeline keyed by the wall-clock Unix second in which
// each hit completed. Hits arrive nearly in completion order, so at most a few seconds are open
// at once; older ones are closed (summarised, encoded, histogram recycled) as time moves on.
type timeline struct {
	open    map[int64]*second
	newest  int64
	closed  []results.Second
	lastOut int64 // the last second appended to closed, to fill gaps with empty seconds
	free    []*hdrhistogram.Histogram
	err     error
}

type second struct {
	requests, successes, errors uint64
	latency                     *hdrhistogram.Histogram
	// iterations and dropped count the flow iterations started and dropped in the second
	iterations, dropped uint64
}

func newTimeline() *timeline { return &timeline{open: make(map[int64]*second)} }

func (t *timeline) add(unix int64, ok bool, latency time.Duration) {
	s := t.at(unix)
	s.requests++
	if ok {
		s.successes++
	} else {
		s.errors++
	}
	results.RecordDuration(s.latency, latency)
}

// at returns the open second of unix, opening it (and closing older ones) when needed.
func (t *timeline) at(unix int64) *second {
	if t.lastOut != 0 && unix <= t.lastOut {
		unix = t.lastOut + 1 // a straggler for a closed second counts in the oldest open one
	}
	s := t.open[unix]
	if s == nil {
		if unix > t.newest {
			t.closeBefore(unix - 1)
			t.newest = unix
		}
		s = &second{latency: t.histogram()}
		t.open[unix] = s
	}
	return s
}

func (t *timeline) histogram() *hdrhistogram.Histogram {
	if n := len(t.free); n > 0 {
		h := t.free[n-1]
		t.free = t.free[:n-1]
		return h
	}
	return results.NewHistogram()
}

// closeBefore closes every open second before unix, in order.
func (t *timeline) closeBefore(unix int64) {
	var keys []int64
	for k := range t.open {
		if k < unix {
			keys = append(keys, k)
		}
	}
	sort.Slice(keys, func(i, j int) bool { return keys[i] < keys[j] })
	for _, k := range keys {
		t.closeSecond(k, t.open[k])
		delete(t.open, k)
	}
}

func (t *timeline) closeSecond(unix int64, s *second) {
	for t.lastOut != 0 && t.lastOut+1 < unix {
		t.lastOut++
		t.closed = append(t.closed, results.Second{Unix: t.lastOut})
	}
	enc, err := results.EncodeHistogram(s.latency)
	if err != nil && t.err == nil {
		t.err = err
	}
	sum := results.Summarize(s.latency)
	t.closed = append(t.closed, results.Second{
		Unix: unix, Requests: s.requests, Successes: s.successes, Errors: s.errors,
		P50MS: sum.P50, P90MS: sum.P90, P99MS: sum.P99, MaxMS: sum.Max, Latency: enc,
		Iterations: s.iterations, DroppedIterations: s.dropped,
	})
	s.iterations, s.dropped = 0, 0
	t.lastOut = unix
	s.latency.Reset()
	t.free = append(t.free, s.latency)
}

// finish closes every second and returns the timeline.
func (t *timeline) finish() ([]results.Second, error) {
	t.closeBefore(t.newest + 1)
	return t.closed, t.err
}
