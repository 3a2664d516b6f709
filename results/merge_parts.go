package results

import (
	"fmt"
	"sort"

	hdrhistogram "github.com/HdrHistogram/hdrhistogram-go"
)

// mergeByRequest adds the per-request figures of src to dst, by request name.
func mergeByRequest(dst, src map[string]*RequestStats, source string) error {
	for name, s := range src {
		if s == nil {
			continue
		}
		d := dst[name]
		if d == nil {
			d = &RequestStats{StatusCodes: map[string]uint64{}}
			dst[name] = d
		}
		d.Requests += s.Requests
		d.Successes += s.Successes
		addCounts(d.StatusCodes, s.StatusCodes)
		d.Errors = MergeErrors(d.Errors, s.Errors)
		merged := make([]*hdrhistogram.Histogram, 2)
		for i, pair := range [][2]string{{d.Histograms.Latency, s.Histograms.Latency}, {d.Histograms.ServiceTime, s.Histograms.ServiceTime}} {
			h, err := DecodeHistogram(pair[0])
			if err != nil {
				return fmt.Errorf("results: merge request %q: %w", name, err)
			}
			if err := addEncoded(h, pair[1], source, "request "+name); err != nil {
				return err
			}
			merged[i] = h
		}
		d.LatencyMS, d.ServiceTimeMS = Summarize(merged[0]), Summarize(merged[1])
		var err error
		if d.Histograms, err = encodeBoth(merged[0], merged[1]); err != nil {
			return err
		}
	}
	return nil
}

// mergeTimelines aligns the sources' timelines on Unix seconds: counts are summed and each
// second's percentiles recomputed from its merged histogram. A second where some source kept
// no histogram gets the highest of the sources' percentiles (an upper bound).
func mergeTimelines(rs []*Result, names []string) ([]Second, error) {
	type acc struct {
		sec      Second
		hist     *hdrhistogram.Histogram
		inexact  bool
		contribs int
	}
	bySecond := map[int64]*acc{}
	for i, r := range rs {
		for _, s := range r.Timeline {
			a := bySecond[s.Unix]
			if a == nil {
				a = &acc{sec: Second{Unix: s.Unix}, hist: NewHistogram()}
				bySecond[s.Unix] = a
			}
			a.contribs++
			a.sec.Requests += s.Requests
			a.sec.Successes += s.Successes
			a.sec.Errors += s.Errors
			a.sec.Iterations += s.Iterations
			a.sec.DroppedIterations += s.DroppedIterations
			if s.Latency == "" && s.Requests > 0 {
				a.inexact = true
			}
			if err := addEncoded(a.hist, s.Latency, names[i], fmt.Sprintf("second %d", s.Unix)); err != nil {
				return nil, err
			}
			a.sec.P50MS, a.sec.P90MS = max(a.sec.P50MS, s.P50MS), max(a.sec.P90MS, s.P90MS)
			a.sec.P99MS, a.sec.MaxMS = max(a.sec.P99MS, s.P99MS), max(a.sec.MaxMS, s.MaxMS)
		}
	}
	out := make([]Second, 0, len(bySecond))
	for _, a := range bySecond {
		if !a.inexact && a.hist.TotalCount() > 0 {
			l := Summarize(a.hist)
			a.sec.P50MS, a.sec.P90MS, a.sec.P99MS, a.sec.MaxMS = l.P50, l.P90, l.P99, l.Max
			enc, err := EncodeHistogram(a.hist)
			if err != nil {
				return nil, err
			}
			a.sec.Latency = enc
		}
		out = append(out, a.sec)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Unix < out[j].Unix })
	return out, nil
}
