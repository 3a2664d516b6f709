package results

import (
	"errors"
	"fmt"
	"sort"
	"strings"
	"time"

	hdrhistogram "github.com/HdrHistogram/hdrhistogram-go"
)

// ErrMismatch is returned by Merge for results that should not be merged (different schema
// or scenario, or missing histograms) unless MergeOptions.Force is set.
var ErrMismatch = errors.New("results: cannot merge")

// MergeOptions tune Merge.
type MergeOptions struct {
	// Force merges results of different schemas or scenarios, and results without
	// histograms (their requests then count, but their latencies are not in the percentiles).
	Force bool
	// Names name the sources in Sources and on their host sections (e.g. the file paths);
	// by default each is called "SCENARIO@STARTED".
	Names []string
}

// Merge merges results exactly (shards of one run on several machines, or repeated runs):
// histograms are added and the summaries recomputed from them, counters summed (Planned and
// Sent too, with one not_sent warning for the sum: see mergeSent), durations and
// rates recomputed over the union of the runs' wall-clock spans, timelines aligned on Unix
// seconds, per-request figures merged by name, flows merged by name (iteration counts summed, checks
// by step and name, iteration histograms added), host sections kept per source. Results of
// different schemas or scenarios are an error.
func Merge(rs ...*Result) (*Result, error) { return MergeWith(MergeOptions{}, rs...) }

// MergeWith is Merge with options. Thresholds and probe outcomes of the sources are dropped:
// they held for each source, not for the merged whole (evaluate thresholds on the result).
func MergeWith(opts MergeOptions, rs ...*Result) (*Result, error) {
	if len(rs) == 0 {
		return nil, fmt.Errorf("%w: no results", ErrMismatch)
	}
	names := sourceNames(opts.Names, rs)
	if err := checkMergeable(opts.Force, names, rs); err != nil {
		return nil, err
	}
	m := &Result{Schema: Schema, Version: rs[0].Version, Scenario: rs[0].Scenario, Seed: rs[0].Seed,
		Started: rs[0].Started, Ended: rs[0].Ended, StatusCodes: map[string]uint64{}, ByRequest: map[string]*RequestStats{}}
	lat, svc := NewHistogram(), NewHistogram()
	var targets, scenarios []string
	askedRequests, anyMaxRate := 0.0, false
	for i, r := range rs {
		targets, scenarios = appendNew(targets, r.Target), appendNew(scenarios, r.Scenario)
		if r.Started.Before(m.Started) || m.Started.IsZero() {
			m.Started = r.Started
		}
		if r.Ended.After(m.Ended) {
			m.Ended = r.Ended
		}
		m.Requests += r.Requests
		m.Successes += r.Successes
		m.BytesIn += r.BytesIn
		m.BytesOut += r.BytesOut
		m.Connections += r.Connections
		m.Interrupted = m.Interrupted || r.Interrupted
		askedRequests += r.RateAsked * r.DurationS
		anyMaxRate = anyMaxRate || (r.RateAsked <= 0 && len(r.Stages) == 0)
		addCounts(m.StatusCodes, r.StatusCodes)
		m.Errors = MergeErrors(m.Errors, r.Errors)
		if err := addEncoded(lat, r.Histograms.Latency, names[i], "latency"); err != nil {
			return nil, err
		}
		if err := addEncoded(svc, r.Histograms.ServiceTime, names[i], "service time"); err != nil {
			return nil, err
		}
		if err := mergeByRequest(m.ByRequest, r.ByRequest, names[i]); err != nil {
			return nil, err
		}
		if err := mergeIterations(m, r, names[i]); err != nil {
			return nil, err
		}
		m.Warnings = mergeWarnings(m.Warnings, withoutCode(r.Warnings, WarnNotSent))
		m.Sources, m.SourceHosts = appendSources(m.Sources, m.SourceHosts, r, names[i])
	}
	m.Target = strings.Join(targets, ", ")
	m.Scenario = strings.Join(scenarios, "+")
	m.Stages = commonStages(rs)
	m.DurationS = unionSeconds(rs)
	if !anyMaxRate && m.DurationS > 0 {
		m.RateAsked = askedRequests / m.DurationS
	}
	mergeSent(m, rs)
	if err := m.finish(lat, svc); err != nil {
		return nil, err
	}
	timeline, err := mergeTimelines(rs, names)
	if err != nil {
		return nil, err
	}
	m.Timeline = timeline
	if err := mergeShards(opts.Force, names, rs, m); err != nil {
		return nil, err
	}
	return m, nil
}

// finish recomputes the ratios, rates and summaries from the merged counters and histograms.
func (m *Result) finish(lat, svc *hdrhistogram.Histogram) error {
	m.SuccessRatio = Ratio(m.Successes, m.Requests)
	m.Rate, m.Throughput = PerSecond(m.Requests, m.DurationS), PerSecond(m.Successes, m.DurationS)
	m.LatencyMS, m.ServiceTimeMS = Summarize(lat), Summarize(svc)
	var err error
	if m.Histograms, err = encodeBoth(lat, svc); err != nil {
		return err
	}
	for _, s := range m.ByRequest {
		s.SuccessRatio = Ratio(s.Successes, s.Requests)
		s.Rate, s.Throughput = PerSecond(s.Requests, m.DurationS), PerSecond(s.Successes, m.DurationS)
	}
	return nil
}

// sourceNames returns the given names, or "SCENARIO@STARTED" for each result.
func sourceNames(given []string, rs []*Result) []string {
	names := make([]string, len(rs))
	for i, r := range rs {
		if i < len(given) && given[i] != "" {
			names[i] = given[i]
			continue
		}
		names[i] = fmt.Sprintf("%s@%s", r.Scenario, r.Started.UTC().Format(time.RFC3339))
	}
	return names
}

// checkMergeable refuses results of another schema or scenario, and results that have
// requests but no histograms, unless forced.
func checkMergeable(force bool, names []string, rs []*Result) error {
	if force {
		return nil
	}
	for i, r := range rs {
		if r == nil {
			return fmt.Errorf("%w: source %d is nil", ErrMismatch, i+1)
		}
		if r.Schema != Schema {
			return fmt.Errorf("%w: %s has schema %q, want %q (use force to merge anyway)", ErrMismatch, names[i], r.Schema, Schema)
		}
		if r.Scenario != rs[0].Scenario {
			return fmt.Errorf("%w: %s is scenario %q but %s is scenario %q (use force to merge anyway)", ErrMismatch, names[i], r.Scenario, names[0], rs[0].Scenario)
		}
		if r.Requests > 0 && r.Histograms.Latency == "" {
			return fmt.Errorf("%w: %s has no latency histogram, its percentiles cannot be merged exactly (use force to merge anyway)", ErrMismatch, names[i])
		}
		if err := checkFlowsMergeable(names[i], r); err != nil {
			return err
		}
	}
	return nil
}

// addEncoded adds an encoded histogram to h.
func addEncoded(h *hdrhistogram.Histogram, enc, source, what string) error {
	if enc == "" {
		return nil
	}
	src, err := DecodeHistogram(enc)
	if err != nil {
		return fmt.Errorf("results: merge %s: %s histogram: %w", source, what, err)
	}
	if dropped := h.Merge(src); dropped > 0 {
		return fmt.Errorf("results: merge %s: %s histogram: %d values outside %d..%d µs", source, what, dropped, HistogramMinMicros, HistogramMaxMicros)
	}
	return nil
}

// encodeBoth encodes a latency and a service-time histogram.
func encodeBoth(lat, svc *hdrhistogram.Histogram) (Histograms, error) {
	l, err := EncodeHistogram(lat)
	if err != nil {
		return Histograms{}, err
	}
	s, err := EncodeHistogram(svc)
	if err != nil {
		return Histograms{}, err
	}
	return Histograms{Latency: l, ServiceTime: s}, nil
}

// Ratio is n / total, or 0 when total is 0 (a success ratio of no requests).
func Ratio(n, total uint64) float64 {
	if total == 0 {
		return 0
	}
	return float64(n) / float64(total)
}

// PerSecond is n / seconds, or 0 for a run of no duration.
func PerSecond(n uint64, seconds float64) float64 {
	if seconds <= 0 {
		return 0
	}
	return float64(n) / seconds
}

// appendNew appends s to list unless it is already there.
func appendNew(list []string, s string) []string {
	for _, x := range list {
		if x == s {
			return list
		}
	}
	return append(list, s)
}

// addCounts adds the counts of src to dst.
func addCounts(dst, src map[string]uint64) {
	for k, v := range src {
		dst[k] += v
	}
}

// MergeErrors adds the error classes of src to dst, keeping the first sample message, most
// frequent first.
func MergeErrors(dst, src []ErrorCount) []ErrorCount {
	for _, e := range src {
		found := false
		for i := range dst {
			if dst[i].Class == e.Class {
				dst[i].Count += e.Count
				found = true
				break
			}
		}
		if !found {
			dst = append(dst, e)
		}
	}
	sort.SliceStable(dst, func(i, j int) bool { return dst[i].Count > dst[j].Count })
	return dst
}

// mergeWarnings adds the warnings of src to dst, once each.
func mergeWarnings(dst, src []Warning) []Warning {
	for _, w := range src {
		dup := false
		for _, d := range dst {
			if d.Code == w.Code && d.Message == w.Message {
				dup = true
				break
			}
		}
		if !dup {
			dst = append(dst, w)
		}
	}
	return dst
}

// appendSources records a source and its host sections; a source that is itself a merged
// result contributes its own sources.
func appendSources(sources []string, hosts []*Host, r *Result, name string) ([]string, []*Host) {
	if len(r.Sources) > 0 {
		sources = append(sources, r.Sources...)
	} else {
		sources = append(sources, name)
	}
	hosts = append(hosts, r.SourceHosts...)
	if r.Host != nil {
		h := *r.Host
		if h.Source == "" {
			h.Source = name
		}
		hosts = append(hosts, &h)
	}
	return sources, hosts
}

// commonStages returns the sources' stages when they all have the same ones, else nil.
func commonStages(rs []*Result) []Stage {
	first := rs[0].Stages
	for _, r := range rs[1:] {
		if len(r.Stages) != len(first) {
			return nil
		}
		for i := range first {
			if r.Stages[i] != first[i] {
				return nil
			}
		}
	}
	return append([]Stage(nil), first...)
}

// unionSeconds is the length of the union of the runs' wall-clock spans [Started, Ended], in
// seconds: concurrent shards count once, runs one after another add up. A run without
// timestamps counts its DurationS on its own.
func unionSeconds(rs []*Result) float64 {
	type span struct{ from, to time.Time }
	var spans []span
	loose := 0.0
	for _, r := range rs {
		end := r.Ended
		if end.IsZero() || !end.After(r.Started) {
			end = r.Started.Add(time.Duration(r.DurationS * float64(time.Second)))
		}
		if r.Started.IsZero() {
			loose += r.DurationS
			continue
		}
		spans = append(spans, span{r.Started, end})
	}
	sort.Slice(spans, func(i, j int) bool { return spans[i].from.Before(spans[j].from) })
	total := time.Duration(0)
	var cur span
	for i, s := range spans {
		switch {
		case i == 0:
			cur = s
		case !s.from.After(cur.to):
			if s.to.After(cur.to) {
				cur.to = s.to
			}
		default:
			total += cur.to.Sub(cur.from)
			cur = s
		}
	}
	if len(spans) > 0 {
		total += cur.to.Sub(cur.from)
	}
	return total.Seconds() + loose
}
