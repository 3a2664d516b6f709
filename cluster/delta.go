package cluster

import (
	"fmt"
	"maps"
	"slices"
	"sort"

	hdrhistogram "github.com/HdrHistogram/hdrhistogram-go"
	"github.com/loadtestdev/loadtest/results"
)

// Figures of one interval are computed on the shard as the difference of two cumulative
// snapshots of its run (engine.Partial results): counters subtract, and HdrHistograms subtract
// bucket by bucket (a histogram is its counts; both snapshots have the geometry of
// results.NewHistogram), so the interval is exact, and the coordinator's sum of a shard's
// intervals is exactly that shard's cumulative figures. The difference is taken from the last
// snapshot the coordinator acknowledged, so an interval that failed to arrive is carried by
// the next one instead of being lost. Sending the second's figures rather than the whole
// cumulative snapshot keeps each message as small as one second's data, whatever the length
// of the run.

// intervalFigures returns what cur measured beyond prev (prev nil: all of cur), as a result
// spanning prev.Ended..cur.Ended with its figures in one timeline second.
func intervalFigures(prev, cur *results.Result) (*results.Result, error) {
	d, _, err := intervalWithPayloads(prev, cur)
	return d, err
}

// intervalWithPayloads is intervalFigures, with the payloads of the interval's histograms in
// the order of its frame (frameHeadOf), packed from the histograms the subtraction made
// rather than decoded again from their encoding.
func intervalWithPayloads(prev, cur *results.Result) (*results.Result, [][]byte, error) {
	first := prev == nil
	if first {
		prev = &results.Result{Started: cur.Started, Ended: cur.Started}
	}
	d := &results.Result{
		Schema: cur.Schema, Scenario: cur.Scenario, Target: cur.Target, Seed: cur.Seed,
		Started: prev.Ended, Ended: cur.Ended, DurationS: cur.Ended.Sub(prev.Ended).Seconds(),
		RateAsked: cur.RateAsked, Stages: cur.Stages, TimerSlackMS: cur.TimerSlackMS,
		Requests: cur.Requests - prev.Requests, Successes: cur.Successes - prev.Successes,
		BytesIn: cur.BytesIn - prev.BytesIn, BytesOut: cur.BytesOut - prev.BytesOut,
		StatusCodes: subCounts(cur.StatusCodes, prev.StatusCodes),
		Errors:      subErrors(cur.Errors, prev.Errors),
		ByRequest:   map[string]*results.RequestStats{},
	}
	if first {
		d.Connections = cur.Connections // counted once per shard when intervals are summed
	}
	var err error
	var payloads [][]byte
	if d.Histograms, payloads, err = subHistograms(cur.Histograms, prev.Histograms); err != nil {
		return nil, nil, err
	}
	byName := map[string][][]byte{}
	for name, c := range cur.ByRequest {
		was := prev.ByRequest[name]
		if was == nil {
			was = &results.RequestStats{}
		}
		if c.Requests == was.Requests {
			continue
		}
		rs := &results.RequestStats{
			Requests: c.Requests - was.Requests, Successes: c.Successes - was.Successes,
			StatusCodes: subCounts(c.StatusCodes, was.StatusCodes), Errors: subErrors(c.Errors, was.Errors),
		}
		if rs.Histograms, byName[name], err = subHistograms(c.Histograms, was.Histograms); err != nil {
			return nil, nil, fmt.Errorf("request %s: %w", name, err)
		}
		d.ByRequest[name] = rs
	}
	for _, name := range slices.Sorted(maps.Keys(byName)) {
		payloads = append(payloads, byName[name]...)
	}
	if err := summarize(d); err != nil {
		return nil, nil, err
	}
	if d.Requests > 0 {
		d.Timeline = []results.Second{{
			Unix: cur.Ended.Unix(), Requests: d.Requests, Successes: d.Successes, Errors: d.Requests - d.Successes,
			P50MS: d.LatencyMS.P50, P90MS: d.LatencyMS.P90, P99MS: d.LatencyMS.P99, MaxMS: d.LatencyMS.Max,
			Latency: d.Histograms.Latency,
		}}
	}
	return d, payloads, nil
}

// summarize fills the ratios and latency summaries of figures from their counters and
// histograms.
func summarize(d *results.Result) error {
	d.SuccessRatio = results.Ratio(d.Successes, d.Requests)
	d.Rate, d.Throughput = results.PerSecond(d.Requests, d.DurationS), results.PerSecond(d.Successes, d.DurationS)
	lat, err := results.DecodeHistogram(d.Histograms.Latency)
	if err != nil {
		return err
	}
	svc, err := results.DecodeHistogram(d.Histograms.ServiceTime)
	if err != nil {
		return err
	}
	d.LatencyMS, d.ServiceTimeMS = results.Summarize(lat), results.Summarize(svc)
	for _, s := range d.ByRequest {
		s.SuccessRatio = results.Ratio(s.Successes, s.Requests)
		s.Rate, s.Throughput = results.PerSecond(s.Requests, d.DurationS), results.PerSecond(s.Successes, d.DurationS)
		if lat, err = results.DecodeHistogram(s.Histograms.Latency); err != nil {
			return err
		}
		if svc, err = results.DecodeHistogram(s.Histograms.ServiceTime); err != nil {
			return err
		}
		s.LatencyMS, s.ServiceTimeMS = results.Summarize(lat), results.Summarize(svc)
	}
	return nil
}

// subHistograms subtracts both histograms of prev from those of cur, and returns the
// differences encoded and as their frame payloads (latency, service time).
func subHistograms(cur, prev results.Histograms) (results.Histograms, [][]byte, error) {
	lat, latPayload, err := subEncoded(cur.Latency, prev.Latency)
	if err != nil {
		return results.Histograms{}, nil, fmt.Errorf("latency: %w", err)
	}
	svc, svcPayload, err := subEncoded(cur.ServiceTime, prev.ServiceTime)
	if err != nil {
		return results.Histograms{}, nil, fmt.Errorf("service time: %w", err)
	}
	return results.Histograms{Latency: lat, ServiceTime: svc}, [][]byte{latPayload, svcPayload}, nil
}

// subEncoded returns the histogram cur − prev encoded and as its frame payload; prev must be a
// snapshot that cur grew from (every count of prev at most cur's).
func subEncoded(cur, prev string) (string, []byte, error) {
	d, err := results.DecodeHistogram(cur)
	if err != nil {
		return "", nil, err
	}
	if prev != "" {
		p, err := results.DecodeHistogram(prev)
		if err != nil {
			return "", nil, err
		}
		if d, err = subtract(d, p); err != nil {
			return "", nil, err
		}
	}
	enc, err := results.EncodeHistogram(d)
	if err != nil {
		return "", nil, err
	}
	if !standardGeometry(d) { // not a histogram of this build's engine: as appendFrame frames it
		payload, err := histogramPayload(enc)
		return enc, payload, err
	}
	return enc, appendPacked(nil, d.Export().Counts), nil
}

// subtract returns c − p, bucket by bucket.
func subtract(c, p *hdrhistogram.Histogram) (*hdrhistogram.Histogram, error) {
	cs, ps := c.Export(), p.Export()
	if cs.LowestTrackableValue != ps.LowestTrackableValue || cs.HighestTrackableValue != ps.HighestTrackableValue ||
		cs.SignificantFigures != ps.SignificantFigures {
		return nil, fmt.Errorf("cluster: histograms of different geometry cannot be subtracted")
	}
	counts := make([]int64, max(len(cs.Counts), len(ps.Counts)))
	copy(counts, cs.Counts)
	for i, n := range ps.Counts {
		counts[i] -= n
		if counts[i] < 0 {
			return nil, fmt.Errorf("cluster: histogram bucket %d shrank between two snapshots of one run", i)
		}
	}
	cs.Counts = counts
	return hdrhistogram.Import(cs), nil
}

// subCounts returns cur − prev per key, without the zeros.
func subCounts(cur, prev map[string]uint64) map[string]uint64 {
	out := maps.Clone(cur)
	if out == nil {
		out = map[string]uint64{}
	}
	for k, n := range prev {
		out[k] -= n
		if out[k] == 0 {
			delete(out, k)
		}
	}
	return out
}

// subErrors returns the error classes of cur with prev's counts taken off, without the zeros.
func subErrors(cur, prev []results.ErrorCount) []results.ErrorCount {
	before := make(map[string]uint64, len(prev))
	for _, e := range prev {
		before[e.Class] = e.Count
	}
	out := []results.ErrorCount{}
	for _, e := range cur {
		e.Count -= before[e.Class]
		if e.Count > 0 {
			out = append(out, e)
		}
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].Count > out[j].Count })
	return out
}
