package cluster

import (
	"fmt"
	"math"
)

// An interval's histograms travel as HdrHistogram V2 payloads in the geometry of
// results.NewHistogram (frame.go): the counts in index order as ZigZag LEB128 varints, a
// negative one standing for that many empty buckets. payloadHist reads one straight into its
// populated buckets, with the checks of hdrhistogram.Decode: no dense histogram of 17,408
// counts per decode, and no inflating (the payloads are not compressed: inflating the ten zlib
// streams of an interval was a sixth of the coordinator's CPU). FuzzHistogramPayload checks it
// against the library's decoding of the same payload.

// payloadHist decodes a V2 payload (empty: an empty histogram) into its populated buckets,
// appended to arena; the histogram returned holds them, and the arena grown by them.
func payloadHist(payload []byte, arena []bucket) (sparseHist, []bucket, error) {
	from := len(arena)
	arena, total, err := payloadBuckets(payload, arena)
	if err != nil {
		return sparseHist{}, arena[:from], fmt.Errorf("results: decode histogram: %w", err)
	}
	return sparseHist{buckets: arena[from:len(arena):len(arena)], total: total}, arena, nil
}

// payloadBuckets reads a V2 payload of the standard geometry, appending its populated
// buckets to arena, and returns their total.
func payloadBuckets(payload []byte, arena []bucket) (_ []bucket, total int64, _ error) {
	var index int64
	for pos := 0; pos < len(payload); {
		var count int64
		if c := payload[pos]; c < 0x80 { // one byte: most counts of a second's histogram
			count = int64(c>>1) ^ -int64(c&1)
			pos++
		} else {
			var n int
			var err error
			if count, n, err = zigZag(payload[pos:]); err != nil {
				return arena, 0, err
			}
			pos += n
		}
		if count < 0 {
			zeros := -count // <= 0 only for MinInt64, whose negation overflows
			if zeros <= 0 || zeros > standardCountsLen-index {
				return arena, 0, fmt.Errorf("corrupt histogram payload: a run of %d empty buckets at index %d overflows %d", zeros, index, standardCountsLen)
			}
			index += zeros
			continue
		}
		if index >= standardCountsLen {
			return arena, 0, fmt.Errorf("corrupt histogram payload: index %d overflows %d", index, standardCountsLen)
		}
		if count > math.MaxInt64-total {
			return arena, 0, fmt.Errorf("corrupt histogram payload: counts add up past %d at index %d", int64(math.MaxInt64), index)
		}
		if count > 0 {
			arena = appendBucket(arena, int32(index), count)
			total += count
		}
		index++
	}
	return arena, total, nil
}

// zigZag reads one ZigZag LEB128 varint of at most 9 bytes (the ninth holds 8 bits), as
// HdrHistogram writes them, and returns it with its length.
func zigZag(buf []byte) (int64, int, error) {
	var v uint64
	for i := range 9 {
		if i >= len(buf) {
			return 0, 0, fmt.Errorf("truncated varint: %d bytes", len(buf))
		}
		if i == 8 {
			v |= uint64(buf[i]) << 56
			return int64(v>>1) ^ -int64(v&1), 9, nil
		}
		v |= uint64(buf[i]&0x7f) << (7 * i)
		if buf[i]&0x80 == 0 {
			return int64(v>>1) ^ -int64(v&1), i + 1, nil
		}
	}
	panic("unreachable")
}
