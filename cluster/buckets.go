package cluster

import (
	"maps"
	"slices"

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

// bucketCounts is a sum of histograms as the counts of the range of buckets in use: the count
// of flat index lo+k is counts[k] plus high[lo+k]·2³². The counts are 32 bits, half the
// memory to stream through when an interval is added to a shard's sum (out of cache by then:
// 500 shards' sums are some 150 MB); a count that passes 2³² carries into high, which a
// run's sum needs after some hours at most, and a shard's sum after days.
type bucketCounts struct {
	lo     int32
	counts []uint32
	high   map[int32]int64
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
		k := b.index() - lo
		n := int64(counts[k]) + b.count() // < 2⁴⁹: a bucket's count is at most 2⁴⁸−1
		counts[k] = uint32(n)
		if n>>32 != 0 {
			c.carry(b.index(), n>>32)
		}
	}
	c.total += s.total
}

// sub takes s, which was added before, off again.
func (c *bucketCounts) sub(s sparseHist) {
	counts, lo := c.counts, c.lo
	for _, b := range s.buckets {
		k := b.index() - lo
		n := int64(counts[k]) - b.count()
		counts[k] = uint32(n)
		if n>>32 != 0 { // a borrow: n>>32 is the floor of n/2³²
			c.carry(b.index(), n>>32)
		}
	}
	c.total -= s.total
}

// carry adds n·2³² to the count of index.
func (c *bucketCounts) carry(index int32, n int64) {
	if c.high == nil {
		c.high = map[int32]int64{}
	}
	if c.high[index] += n; c.high[index] == 0 {
		delete(c.high, index)
	}
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
	counts := make([]uint32, top-lo+1)
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
	d.counts = slices.Clone(c.counts)
	d.high = maps.Clone(c.high)
	return &d
}

// histogram builds the sum as a results.NewHistogram, for its summary and its encoding.
func (c *bucketCounts) histogram() *hdrhistogram.Histogram {
	if len(c.counts) == 0 {
		return results.NewHistogram()
	}
	counts := make([]int64, int(c.lo)+len(c.counts))
	for k, n := range c.counts {
		counts[int(c.lo)+k] = int64(n)
	}
	for i, n := range c.high {
		counts[i] += n << 32
	}
	return hdrhistogram.Import(&hdrhistogram.Snapshot{LowestTrackableValue: results.HistogramMinMicros,
		HighestTrackableValue: results.HistogramMaxMicros, SignificantFigures: results.HistogramSigDigits, Counts: counts})
}
