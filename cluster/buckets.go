package cluster

import (
	hdrhistogram "github.com/HdrHistogram/hdrhistogram-go"
	"github.com/loadtestdev/loadtest/results"
)

// The coordinator's histograms are bucket counts in the geometry of results.NewHistogram
// (1 µs to 60 s, 3 significant digits), indexed as hdrhistogram-go lays out its counts. An
// interval's histogram is decoded once, into its populated buckets (sparseHist, straight
// from the compressed encoding, without a dense histogram of 17,408 counts per decode:
// decode.go), and added to the sums bucket by bucket; a sum holds only the range of buckets
// in use (bucketCounts).
// An hdrhistogram.Histogram is built from a sum only when a result is rendered: the gate's
// check once a second, the live p99, a lost shard's part. Counts add exactly, so every figure
// is the one a merge of the same histograms gives (TestBucketCountsAddLikeMerge).

// standardCountsLen is the number of counts of results.NewHistogram: 16 buckets of 1024
// sub-buckets cover 60 s (2048·2¹⁵ > 6·10⁷ µs), and the first has 1024 more
// (TestStandardCountsLen checks it against the library).
const standardCountsLen = 17 * 1024

// bucket is one populated bucket in 8 bytes (half the memory to stream through at every
// interval): its flat index in the top 16 bits, its count in the other 48. A larger count
// (not one a second of a shard reaches) is held by several buckets of one index, at most
// 2¹⁵ of them for the largest count a histogram can hold.
type bucket uint64

const (
	bucketCountBits = 48
	maxBucketCount  = 1<<bucketCountBits - 1
)

func (b bucket) index() int32 { return int32(b >> bucketCountBits) }
func (b bucket) count() int64 { return int64(b & maxBucketCount) }

// appendBucket appends count (> 0) at index to buckets.
func appendBucket(buckets []bucket, index int32, count int64) []bucket {
	for ; count > maxBucketCount; count -= maxBucketCount {
		buckets = append(buckets, bucket(uint64(index)<<bucketCountBits|maxBucketCount))
	}
	return append(buckets, bucket(uint64(index)<<bucketCountBits|uint64(count)))
}

// sparseHist is a decoded histogram: its populated buckets in ascending index order, and
// their total.
type sparseHist struct {
	buckets []bucket
	total   int64
}

// bucketCounts is a sum of histograms as the counts of the range of buckets in use: counts[k]
// is the count of flat index lo+k.
type bucketCounts struct {
	lo     int32
	counts []int64
	total  int64
}

// add adds s, bucket by bucket.
func (c *bucketCounts) add(s sparseHist) {
	if len(s.buckets) == 0 {
		return
	}
	c.cover(s.buckets[0].index(), s.buckets[len(s.buckets)-1].index())
	counts, lo := c.counts, c.lo
	for _, b := range s.buckets {
		counts[b.index()-lo] += b.count()
	}
	c.total += s.total
}

// sub takes s, which was added before, off again.
func (c *bucketCounts) sub(s sparseHist) {
	counts, lo := c.counts, c.lo
	for _, b := range s.buckets {
		counts[b.index()-lo] -= b.count()
	}
	c.total -= s.total
}

// cover widens the range to hold the indexes from..to, with some room on the side it grows
// to, so that a distribution that drifts does not copy the counts every time.
func (c *bucketCounts) cover(from, to int32) {
	n := int32(len(c.counts))
	if n > 0 && from >= c.lo && to < c.lo+n {
		return
	}
	lo, top := from, to
	if n > 0 {
		lo, top = min(from, c.lo), max(to, c.lo+n-1)
	}
	room := (top-lo)/4 + 64
	if n == 0 || from < c.lo {
		lo = max(0, lo-room)
	}
	if n == 0 || to >= c.lo+n {
		top = min(standardCountsLen-1, top+room)
	}
	counts := make([]int64, top-lo+1)
	if n > 0 {
		copy(counts[c.lo-lo:], c.counts)
	}
	c.lo, c.counts = lo, counts
}

// TotalCount is the number of values in the sum.
func (c *bucketCounts) TotalCount() int64 { return c.total }

// clone copies the sum.
func (c *bucketCounts) clone() *bucketCounts {
	d := *c
	d.counts = append([]int64(nil), c.counts...)
	return &d
}

// histogram builds the sum as a results.NewHistogram, for its summary and its encoding.
func (c *bucketCounts) histogram() *hdrhistogram.Histogram {
	if len(c.counts) == 0 {
		return results.NewHistogram()
	}
	counts := make([]int64, int(c.lo)+len(c.counts))
	copy(counts[c.lo:], c.counts)
	return hdrhistogram.Import(&hdrhistogram.Snapshot{LowestTrackableValue: results.HistogramMinMicros,
		HighestTrackableValue: results.HistogramMaxMicros, SignificantFigures: results.HistogramSigDigits, Counts: counts})
}
