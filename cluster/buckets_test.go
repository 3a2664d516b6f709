package cluster

import (
	"maps"
	"math"
	"math/rand/v2"
	"reflect"
	"slices"
	"testing"
	"time"

	hdrhistogram "github.com/HdrHistogram/hdrhistogram-go"
	"github.com/loadtestdev/loadtest/results"
)

// TestStandardCountsLen: the coordinator's geometry constant is the library's.
func TestStandardCountsLen(t *testing.T) {
	if got := len(results.NewHistogram().Export().Counts); got != standardCountsLen {
		t.Errorf("got %d counts in results.NewHistogram, want standardCountsLen %d", got, standardCountsLen)
	}
}

// randomHistogram records n log-normal latencies around median into a standard histogram.
func randomHistogram(rng *rand.Rand, n int, median time.Duration) *hdrhistogram.Histogram {
	h := results.NewHistogram()
	for range n {
		results.RecordDuration(h, time.Duration(float64(median)*math.Exp(rng.NormFloat64()*1.5)))
	}
	return h
}

func mustEncode(t testing.TB, h *hdrhistogram.Histogram) string {
	t.Helper()
	enc, err := results.EncodeHistogram(h)
	if err != nil {
		t.Fatal(err)
	}
	return enc
}

// TestBucketCountsAddLikeMerge: a sum of decoded histograms, added and taken off in any order,
// renders the histogram that merging the same histograms gives: the same counts, total,
// summary and encoding.
func TestBucketCountsAddLikeMerge(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	var hists []*hdrhistogram.Histogram
	var sparse []sparseHist
	for i, n := range []int{0, 1, 7, 100, 5000, 20000, 3, 40000} {
		h := randomHistogram(rng, n, time.Duration(100<<i)*time.Microsecond) // medians 100 µs to 13 ms: the range grows both ways
		hists = append(hists, h)
		sparse = append(sparse, decodeSparse(t, mustEncode(t, h)))
	}
	tests := []struct {
		name     string
		add, sub []int // indexes into hists: added in order, then taken off
	}{
		{"empty", nil, nil},
		{"one", []int{4}, nil},
		{"all", []int{0, 1, 2, 3, 4, 5, 6, 7}, nil},
		{"growing down", []int{7, 5, 3, 1}, nil},
		{"growing up", []int{1, 3, 5, 7}, nil},
		{"added and taken off", []int{4, 7, 2, 6}, []int{7, 2}},
		{"all taken off", []int{3, 5}, []int{5, 3}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := &bucketCounts{}
			want := results.NewHistogram()
			for _, i := range tt.add {
				c.add(sparse[i])
			}
			for _, i := range tt.sub {
				c.sub(sparse[i])
			}
			subbed := map[int]int{}
			for _, i := range tt.sub {
				subbed[i]++
			}
			for _, i := range tt.add {
				if subbed[i] > 0 {
					subbed[i]--
					continue
				}
				want.Merge(hists[i])
			}
			got := c.histogram()
			if got.TotalCount() != want.TotalCount() || c.TotalCount() != want.TotalCount() {
				t.Errorf("got totals %d (histogram) and %d (sum), want %d", got.TotalCount(), c.TotalCount(), want.TotalCount())
			}
			if !reflect.DeepEqual(got.Export().Counts, want.Export().Counts) {
				t.Error("got other counts than the merged histogram's")
			}
			if g, w := results.Summarize(got), results.Summarize(want); g != w {
				t.Errorf("got summary %+v, want %+v", g, w)
			}
			if g, w := mustEncode(t, got), mustEncode(t, want); g != w {
				t.Error("got another encoding than the merged histogram's")
			}
			if g, w := liveP99(c), float64(want.ValueAtQuantile(99))/1000; g != w {
				t.Errorf("got live p99 %v ms, want %v", g, w)
			}
		})
	}
}

// TestHistogramPayloadLikeLibrary: a histogram framed by a shard (histogramPayload) and read by
// the coordinator (payloadHist) has the buckets of the library's decoding, placed as a merge
// into results.NewHistogram places them; what the library refuses, or what does not fit, the
// shard refuses to frame.
func TestHistogramPayloadLikeLibrary(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	coarse := hdrhistogram.New(1, 10_000_000, 2) // another geometry whose values fit
	wide := hdrhistogram.New(1, 3_600_000_000, 3)
	for range 1000 {
		v := int64(math.Exp(rng.NormFloat64()*2) * 2000)
		_ = coarse.RecordValue(min(v, 10_000_000))
		_ = wide.RecordValue(v)
	}
	wideOut := hdrhistogram.New(1, 3_600_000_000, 3)
	_ = wideOut.RecordValue(3_000_000_000) // 50 minutes: beyond 60 s
	huge := results.NewHistogram()
	_ = huge.RecordValues(2000, 1<<50) // a count held by several buckets
	_ = huge.RecordValues(3000, 5)
	tests := []struct {
		name    string
		enc     string
		wantErr bool
	}{
		{"empty string", "", false},
		{"empty histogram", mustEncode(t, results.NewHistogram()), false},
		{"standard", mustEncode(t, randomHistogram(rng, 3000, 2*time.Millisecond)), false},
		{"standard, extremes", mustEncode(t, extremes()), false},
		{"count above 2^48", mustEncode(t, huge), false},
		{"another geometry that fits", mustEncode(t, coarse), false},
		{"another geometry, values that fit", mustEncode(t, wide), false},
		{"another geometry, a value out of range", mustEncode(t, wideOut), true},
		{"not base64", "not-a-histogram", true},
		{"truncated", mustEncode(t, randomHistogram(rng, 100, time.Millisecond))[:40], true},
		{"too short", "AAAA", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got sparseHist
			p, err := histogramPayload(tt.enc)
			if err == nil {
				got, _, err = payloadHist(p, nil)
			}
			if (err != nil) != tt.wantErr {
				t.Fatalf("got error %v, want an error: %v", err, tt.wantErr)
			}
			if err != nil {
				return
			}
			want := libraryBuckets(t, tt.enc)
			if tt.enc == "" {
				want = map[int32]int64{}
			}
			if g := counts(got); !reflect.DeepEqual(g, want) {
				t.Errorf("got %d buckets, want the library's %d", len(g), len(want))
			}
		})
	}
}

// extremes is a histogram holding the smallest and largest values of the geometry.
func extremes() *hdrhistogram.Histogram {
	h := results.NewHistogram()
	for _, v := range []int64{results.HistogramMinMicros, 2, 1023, 1024, 2047, 2048, results.HistogramMaxMicros} {
		_ = h.RecordValues(v, v%7+1)
	}
	return h
}

// libraryBuckets decodes enc with the library, merged into results.NewHistogram, as counts by
// flat index (nil for an error or a value out of range).
func libraryBuckets(t testing.TB, enc string) map[int32]int64 {
	t.Helper()
	d, err := results.DecodeHistogram(enc)
	if err != nil {
		return nil
	}
	h := results.NewHistogram()
	if h.Merge(d) > 0 {
		return nil
	}
	out := map[int32]int64{}
	for i, n := range h.Export().Counts {
		if n > 0 {
			out[int32(i)] = n
		}
	}
	return out
}

// counts adds up a decoded histogram's buckets by flat index, checking their order and total.
func counts(s sparseHist) map[int32]int64 {
	out := map[int32]int64{}
	var total int64
	last := int32(-1)
	for _, b := range s.buckets {
		if b.index() < last || b.count() <= 0 {
			return nil // out of order, or an empty bucket: never equal to the library's
		}
		last = b.index()
		out[b.index()] += b.count()
		total += b.count()
	}
	if total != s.total {
		return nil
	}
	return out
}

// TestBucketCountsPast32Bits: counts that pass 2³² in a sum, and come back under it when a
// histogram is taken off, are exact.
func TestBucketCountsPast32Bits(t *testing.T) {
	sparse := func(counts map[int32]int64) sparseHist {
		var s sparseHist
		for _, i := range slices.Sorted(maps.Keys(counts)) {
			s.buckets = appendBucket(s.buckets, i, counts[i])
			s.total += counts[i]
		}
		return s
	}
	a := map[int32]int64{100: 1<<32 - 1, 200: 1 << 40, 300: 7}
	b := map[int32]int64{100: 2, 200: 1<<50 + 3, 17407: 1 << 33}
	tests := []struct {
		name     string
		add, sub []map[int32]int64
	}{
		{"one past 2^32", []map[int32]int64{a, b}, nil},
		{"past and back", []map[int32]int64{a, b}, []map[int32]int64{b}},
		{"past twice and back", []map[int32]int64{a, b, a, b}, []map[int32]int64{a, b, b}},
		{"to zero", []map[int32]int64{a, b}, []map[int32]int64{a, b}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var c bucketCounts
			want := map[int32]int64{}
			for _, h := range tt.add {
				c.add(sparse(h))
				for i, n := range h {
					want[i] += n
				}
			}
			for _, h := range tt.sub {
				c.sub(sparse(h))
				for i, n := range h {
					want[i] -= n
				}
			}
			got := map[int32]int64{}
			var total int64
			for i, n := range c.histogram().Export().Counts {
				if n != 0 {
					got[int32(i)] = n
				}
			}
			for i, n := range want {
				total += n
				if n == 0 {
					delete(want, i)
				}
			}
			if !reflect.DeepEqual(got, want) || c.TotalCount() != total {
				t.Errorf("got %v (total %d), want %v (total %d)", got, c.TotalCount(), want, total)
			}
		})
	}
}
