package cluster

import (
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"slices"
)

// An interval's histograms travel in a frame (frame.go) as their populated buckets in the
// geometry of results.NewHistogram, in ascending index order, each packed in one byte when it
// can be: the gap to the previous bucket's index (the first's index; 0 for the next index) in
// the top 3 bits and its count less one in the other 5; a gap of 7 or more is written as 7
// followed by a uvarint of gap−7, a count of 32 or more as 31 followed by a uvarint of
// count−32. A second of 10,000 requests has some 3,700 latency buckets, most with a gap
// under 7 and a count under 32: one byte each, read without a branch that mispredicts
// (HdrHistogram's own V2 payload writes a varint for every bucket and for every run of empty
// ones, whose signs alternate at random; reading it was a quarter of the coordinator's CPU).
// payloadHist reads the buckets into a sparseHist with the checks of hdrhistogram.Decode: an
// index inside the geometry, counts that add up below 2⁶³. appendPacked writes them.
// FuzzHistogramPayload checks that whatever it reads it reads back from appendPacked's writing.

const (
	packedGapBits  = 3
	packedGapMax   = 1<<packedGapBits - 1     // escape: a uvarint of gap−packedGapMax follows
	packedCountMax = 1<<(8-packedGapBits) - 1 // escape: a uvarint of count−packedCountMax−1 follows
)

// appendPacked appends the populated buckets of counts (a histogram's counts by flat index)
// packed.
func appendPacked(buf []byte, counts []int64) []byte {
	next := 0
	for i, n := range counts {
		if n <= 0 {
			continue
		}
		gap := i - next
		next = i + 1
		b := byte(min(gap, packedGapMax))<<(8-packedGapBits) | byte(min(n-1, packedCountMax))
		buf = append(buf, b)
		if gap >= packedGapMax {
			buf = binary.AppendUvarint(buf, uint64(gap-packedGapMax))
		}
		if n-1 >= packedCountMax {
			buf = binary.AppendUvarint(buf, uint64(n-1-packedCountMax))
		}
	}
	return buf
}

// payloadHist decodes packed buckets (none: an empty histogram) into a sparseHist, its buckets
// appended to arena; the histogram returned holds them, and the arena grown by them.
func payloadHist(payload []byte, arena []bucket) (sparseHist, []bucket, error) {
	from := len(arena)
	arena, total, err := payloadBuckets(payload, slices.Grow(arena, len(payload)))
	if err != nil {
		return sparseHist{}, arena[:from], fmt.Errorf("results: decode histogram: %w", err)
	}
	return sparseHist{buckets: arena[from:len(arena):len(arena)], total: total}, arena, nil
}

// payloadBuckets appends the packed buckets of payload to arena, and returns their total.
func payloadBuckets(payload []byte, arena []bucket) (_ []bucket, total int64, _ error) {
	next := int64(0) // the index of a bucket with a gap of 0
	for pos := 0; pos < len(payload); {
		b := payload[pos]
		pos++
		gap, count := int64(b>>(8-packedGapBits)), int64(b&packedCountMax)+1
		if gap == packedGapMax || count == packedCountMax+1 {
			var err error
			if gap, count, pos, err = escaped(payload, pos, gap, count); err != nil {
				return arena, 0, err
			}
		}
		index := next + gap
		if index >= standardCountsLen {
			return arena, 0, fmt.Errorf("corrupt histogram payload: index %d overflows %d", index, standardCountsLen)
		}
		if count > math.MaxInt64-total {
			return arena, 0, fmt.Errorf("corrupt histogram payload: counts add up past %d at index %d", int64(math.MaxInt64), index)
		}
		if count <= maxBucketCount {
			arena = append(arena, bucket(uint64(index)<<bucketCountBits|uint64(count)))
		} else {
			arena = appendBucket(arena, int32(index), count)
		}
		total += count
		next = index + 1
	}
	return arena, total, nil
}

// escaped reads the uvarints that follow an escaped gap or count at pos (gap and count are
// what the packed byte holds), and returns them with the position after.
func escaped(payload []byte, pos int, gap, count int64) (int64, int64, int, error) {
	var err error
	if gap == packedGapMax {
		if gap, pos, err = addUvarint(payload, pos, gap, standardCountsLen); err != nil {
			return 0, 0, 0, fmt.Errorf("corrupt histogram payload: gap: %w", err)
		}
	}
	if count == packedCountMax+1 {
		if count, pos, err = addUvarint(payload, pos, count, math.MaxInt64); err != nil {
			return 0, 0, 0, fmt.Errorf("corrupt histogram payload: count: %w", err)
		}
	}
	return gap, count, pos, nil
}

// addUvarint returns v plus the uvarint at pos (at most limit), and the position after it.
func addUvarint(payload []byte, pos int, v, limit int64) (int64, int, error) {
	more, n := binary.Uvarint(payload[pos:])
	if n <= 0 {
		return 0, 0, errors.New("a uvarint cut short or overflowing")
	}
	if more > uint64(limit-v) {
		return 0, 0, fmt.Errorf("%d + %d is past %d", v, more, limit)
	}
	return v + int64(more), pos + n, nil
}
