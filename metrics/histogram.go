package metrics

import (
	"math"
	"sync"
	"time"

	hdrhistogram "github.com/HdrHistogram/hdrhistogram-go"
	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"

	"github.com/loadtestdev/loadtest/results"
)

// BucketBoundsMicros are the upper bounds (inclusive, in µs) of the classic buckets of every
// duration histogram: 1-2.5-5 steps from 100 µs to 60 s (the results histograms' range), so
// that histogram_quantile is within one of these steps of the result's percentile.
var BucketBoundsMicros = []int64{
	100, 250, 500,
	1_000, 2_500, 5_000,
	10_000, 25_000, 50_000,
	100_000, 250_000, 500_000,
	1_000_000, 2_500_000, 5_000_000,
	10_000_000, 25_000_000, 60_000_000,
}

// NativeSchema is the schema of the native histograms: 2^3 buckets per power of two, each
// bound 2^(1/8) ≈ 1.09 times the previous one (client_golang's default resolution).
const NativeSchema = 3

// durationCounts are a decoded HdrHistogram's figures in Prometheus' terms.
type durationCounts struct {
	count uint64
	// sumSeconds is the sum of the values, each taken as the middle of its bar (as
	// HdrHistogram's Mean takes them).
	sumSeconds float64
	// classic maps each bound of BucketBoundsMicros, in seconds, to the count of values at or
	// under it (cumulative, as Prometheus' le buckets).
	classic map[float64]uint64
	// native maps a native bucket index of NativeSchema to its count (not cumulative).
	native map[int]int64
}

// countDurations derives the bucket counts from h. An HdrHistogram records each value in a
// bar of equivalent values (0.1% wide at 3 significant digits); a bar counts under a bound
// when its lowest value is at or under it, so a value recorded exactly at a bound (as 5000 µs
// is) counts in its bucket. The total is exact: every bar lands in one bucket.
func countDurations(h *hdrhistogram.Histogram) durationCounts {
	c := durationCounts{
		count:   uint64(h.TotalCount()),
		classic: make(map[float64]uint64, len(BucketBoundsMicros)),
		native:  map[int]int64{},
	}
	b := 0
	var under uint64
	var sumMicros float64
	eachBar(h, func(from, median, count int64) {
		sumMicros += float64(median) * float64(count)
		for b < len(BucketBoundsMicros) && from > BucketBoundsMicros[b] {
			c.classic[seconds(BucketBoundsMicros[b])] = under
			b++
		}
		under += uint64(count)
		c.native[nativeIndex(seconds(from))] += count
	})
	c.sumSeconds = sumMicros / 1e6
	for ; b < len(BucketBoundsMicros); b++ {
		c.classic[seconds(BucketBoundsMicros[b])] = under
	}
	return c
}

// eachBar calls f with the lowest value, the middle value (HdrHistogram's median-equivalent)
// and the count of each non-empty bar of equivalent values of h, in increasing order of value. For a histogram of results.NewHistogram's bounds
// it walks a copy of the counts with standardBarValues; for any other it falls back on
// Distribution, which gives the same bars but allocates one per slot up to the largest value
// (9 ms a scrape of five histograms instead of well under one: BenchmarkScrape).
func eachBar(h *hdrhistogram.Histogram, f func(from, median, count int64)) {
	s := h.Export()
	values, medians := standardBars()
	standard := s.LowestTrackableValue == results.HistogramMinMicros && s.HighestTrackableValue == results.HistogramMaxMicros &&
		s.SignificantFigures == results.HistogramSigDigits && len(s.Counts) >= len(values)
	for i := len(values); standard && i < len(s.Counts); i++ {
		standard = s.Counts[i] == 0
	}
	if !standard {
		for _, bar := range h.Distribution() {
			if bar.Count != 0 {
				f(bar.From, bar.From+(bar.To-bar.From+1)>>1, bar.Count)
			}
		}
		return
	}
	for i, n := range s.Counts[:len(values)] {
		if n != 0 {
			f(values[i], medians[i], n)
		}
	}
}

// standardBars maps each slot of the counts of a histogram of results.NewHistogram's bounds to
// the lowest and the middle value of its bar: Distribution walks the slots in order, so a
// histogram holding only the largest trackable value lists every slot up to the last.
var standardBars = sync.OnceValues(func() (values, medians []int64) {
	h := results.NewHistogram()
	results.RecordDuration(h, time.Duration(results.HistogramMaxMicros)*time.Microsecond)
	bars := h.Distribution()
	values, medians = make([]int64, len(bars)), make([]int64, len(bars))
	for i, b := range bars {
		values[i], medians[i] = b.From, b.From+(b.To-b.From+1)>>1
	}
	return values, medians
})

func seconds(us int64) float64 { return float64(us) / 1e6 }

// nativeIndex is the index of the native bucket of NativeSchema that holds v > 0: bucket i
// holds (2^((i-1)/8), 2^(i/8)].
func nativeIndex(v float64) int {
	const per = 1 << NativeSchema
	i := int(math.Ceil(math.Log2(v) * per))
	for math.Exp2(float64(i-1)/per) >= v { // guard the rounding of Log2 at the bounds
		i--
	}
	for math.Exp2(float64(i)/per) < v {
		i++
	}
	return i
}

// newHistogram returns the histogram of an encoded HdrHistogram (results.Histograms) with
// both classic and native buckets: a scrape in the text format reads the classic ones, one
// that negotiates protobuf gets both.
func newHistogram(desc *prometheus.Desc, encoded string, r *results.Result, labelValues ...string) (prometheus.Metric, error) {
	h, err := results.DecodeHistogram(encoded)
	if err != nil {
		return nil, err
	}
	c := countDurations(h)
	started := r.Started
	if started.IsZero() {
		started = time.Unix(0, 0)
	}
	classic, err := prometheus.NewConstHistogramWithCreatedTimestamp(desc, c.count, c.sumSeconds, c.classic, started, labelValues...)
	if err != nil {
		return nil, err
	}
	native, err := prometheus.NewConstNativeHistogram(desc, c.count, c.sumSeconds, c.native, nil, 0, NativeSchema, 0, started, labelValues...)
	if err != nil {
		return nil, err
	}
	return hybridHistogram{classic: classic, native: native}, nil
}

// hybridHistogram is a histogram with classic and native buckets: client_golang's constant
// histograms have either, its live ones both; this writes the one's buckets beside the other's.
type hybridHistogram struct{ classic, native prometheus.Metric }

func (h hybridHistogram) Desc() *prometheus.Desc { return h.classic.Desc() }

func (h hybridHistogram) Write(out *dto.Metric) error {
	var n dto.Metric
	if err := h.native.Write(&n); err != nil {
		return err
	}
	if err := h.classic.Write(out); err != nil {
		return err
	}
	nh, ch := n.GetHistogram(), out.GetHistogram()
	ch.Schema, ch.ZeroThreshold, ch.ZeroCount = nh.Schema, nh.ZeroThreshold, nh.ZeroCount
	ch.PositiveSpan, ch.PositiveDelta = nh.PositiveSpan, nh.PositiveDelta
	return nil
}
