//go:build unix

package cluster

import (
	"bytes"
	"fmt"
	"math"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"syscall"
	"testing"
	"time"

	hdrhistogram "github.com/HdrHistogram/hdrhistogram-go"
	"github.com/loadtestdev/loadtest/gate"
	"github.com/loadtestdev/loadtest/results"
)

// What coordination costs. Run with
//
//	go test ./cluster -run '^$' -bench . -benchtime 200x
//
// BenchmarkCoordinatorSecond is one second of an 8-shard run at the coordinator: it decodes and
// applies each shard's interval (as the HTTP handler does, without the loopback round trip),
// then merges the live view and runs the --abort-on-fail gate on it. Its ns/op is the
// coordinator's CPU per second of run for 8 shards; B/shard/s is what each shard sends it.
// BenchmarkLiveMerge8 is the merge of 8 shards' per-second latency histograms alone, decoding
// included (target < 1 ms).

// benchNames are the request names of the swiper-like mix the benchmarks measure.
var benchNames = []string{"feed", "like", "profile", "swipe"}

// benchSnapshots returns cumulative snapshots of a shard at ratePerSec over seconds, with
// log-normal latencies around 2 ms, as engine.Partial would render them.
func benchSnapshots(tb testing.TB, ratePerSec, seconds int) []*results.Result {
	tb.Helper()
	rng := rand.New(rand.NewPCG(1, 2))
	began := time.Unix(1_800_000_000, 0)
	total := newHistPair()
	per := map[string]*histPair{}
	counts := map[string]uint64{}
	for _, n := range benchNames {
		per[n] = newHistPair()
	}
	var out []*results.Result
	var requests uint64
	for sec := 1; sec <= seconds; sec++ {
		for range ratePerSec {
			name := benchNames[rng.IntN(len(benchNames))]
			d := time.Duration(2e6 * math.Exp(rng.NormFloat64()*0.8))
			total.record(d)
			per[name].record(d)
			counts[name]++
			requests++
		}
		r := &results.Result{Schema: results.Schema, Scenario: "swiper", Started: began, Ended: began.Add(time.Duration(sec) * time.Second),
			Requests: requests, Successes: requests, StatusCodes: map[string]uint64{"200": requests}, Connections: 10,
			Histograms: total.encode(tb), ByRequest: map[string]*results.RequestStats{}}
		for _, n := range benchNames {
			r.ByRequest[n] = &results.RequestStats{Requests: counts[n], Successes: counts[n], StatusCodes: map[string]uint64{"200": counts[n]},
				Histograms: per[n].encode(tb)}
		}
		out = append(out, r)
	}
	return out
}

type histPair struct{ lat, svc *hdrhistogram.Histogram }

func newHistPair() *histPair { return &histPair{results.NewHistogram(), results.NewHistogram()} }

func (h *histPair) record(d time.Duration) {
	results.RecordDuration(h.lat, d)
	results.RecordDuration(h.svc, d*8/10)
}

func (h *histPair) encode(tb testing.TB) results.Histograms {
	tb.Helper()
	lat, err := results.EncodeHistogram(h.lat)
	if err != nil {
		tb.Fatal(err)
	}
	svc, err := results.EncodeHistogram(h.svc)
	if err != nil {
		tb.Fatal(err)
	}
	return results.Histograms{Latency: lat, ServiceTime: svc}
}

// benchIntervals returns the per-second interval bodies of one shard.
func benchIntervals(tb testing.TB, ratePerSec, seconds int) []*results.Result {
	snaps := benchSnapshots(tb, ratePerSec, seconds)
	var out []*results.Result
	var prev *results.Result
	for _, s := range snaps {
		f, err := intervalFigures(prev, s)
		if err != nil {
			tb.Fatal(err)
		}
		out = append(out, f)
		prev = s
	}
	return out
}

func BenchmarkCoordinatorSecond(b *testing.B) {
	for _, rate := range []int{100, 10000} {
		b.Run(fmt.Sprintf("rate=%d", rate), func(b *testing.B) { benchCoordinatorSecond(b, rate) })
	}
}

// benchCoordinator returns a coordinator of shards that have all joined and started, gating
// on p99<10s with abort-on-fail, as the benchmarks measure it.
func benchCoordinator(b *testing.B, shards int) *Coordinator {
	b.Helper()
	th, err := gate.Parse("p99<10s")
	if err != nil {
		b.Fatal(err)
	}
	c, err := NewCoordinator(CoordinatorOptions{Count: shards, Scenario: "swiper", Token: testToken, Thresholds: []gate.Threshold{th}, AbortOnFail: true})
	if err != nil {
		b.Fatal(err)
	}
	c.startAt = time.Now()
	c.watcher = gate.NewWatcher(c.o.Thresholds, 0)
	for _, s := range c.shards {
		s.joined = true
	}
	return c
}

func benchCoordinatorSecond(b *testing.B, rate int) {
	const shards = 8
	c := benchCoordinator(b, shards)
	intervals := benchIntervals(b, rate, 10)
	payloads := make([][][]byte, len(intervals)) // packed as the shard packs them, from its subtraction
	for i, f := range intervals {
		_, payloads[i], _ = frameParts(b, IntervalRequest{Figures: f})
	}
	h := c.Handler()
	var bodyBytes int
	cpu0 := processCPU(b)
	b.ResetTimer()
	for n := range b.N {
		f, p := intervals[n%len(intervals)], payloads[n%len(intervals)]
		for i := range shards {
			b.StopTimer()
			body, err := appendFramePayloads(nil, IntervalRequest{Index: i, Seq: uint64(n + 1), Base: uint64(n), Figures: f, Sent: uint64(n * rate)}, p)
			if err != nil {
				b.Fatal(err)
			}
			bodyBytes += len(body)
			req := httptest.NewRequest(http.MethodPost, PathInterval, bytes.NewReader(body))
			req.Header.Set(TokenHeader, "Bearer "+testToken)
			w := httptest.NewRecorder()
			b.StartTimer()
			h.ServeHTTP(w, req)
			if w.Code != http.StatusOK {
				b.Fatalf("interval: %d %s", w.Code, w.Body)
			}
		}
		c.second(time.Now())
	}
	b.StopTimer()
	c.watcher.Stop() // let the gate finish its last check: its CPU counts too
	c.watcher = nil
	// CPU of the whole process (the gate's goroutine included, the marshalling of the bodies,
	// done by the shards in a real run, too: an upper bound)
	b.ReportMetric(float64(processCPU(b)-cpu0)/float64(b.N), "cpu-ns/s")
	b.ReportMetric(float64(bodyBytes)/float64(b.N*shards), "B/shard/s")
}

func BenchmarkLiveMerge8(b *testing.B) {
	var lasts [][]byte // the payloads of the shards' latest latency histograms
	for range 8 {
		p, err := histogramPayload(benchIntervals(b, 100, 2)[1].Histograms.Latency)
		if err != nil {
			b.Fatal(err)
		}
		lasts = append(lasts, p)
	}
	b.ResetTimer()
	for range b.N {
		live := &bucketCounts{}
		for _, l := range lasts { // decoded once per interval when it is applied, added here
			d, _, err := payloadHist(l, nil)
			if err != nil {
				b.Fatal(err)
			}
			live.add(d)
		}
		_ = liveP99(live)
	}
}

// BenchmarkShardInterval is the shard's own cost of one interval: the difference of two
// cumulative snapshots (the engine's partial copy is not counted) and its frame.
func BenchmarkShardInterval(b *testing.B) {
	snaps := benchSnapshots(b, 100, 10)
	b.ResetTimer()
	for n := range b.N {
		i := 1 + n%(len(snaps)-1)
		f, payloads, err := intervalWithPayloads(snaps[i-1], snaps[i])
		if err != nil {
			b.Fatal(err)
		}
		if _, err := appendFramePayloads(nil, IntervalRequest{Figures: f}, payloads); err != nil {
			b.Fatal(err)
		}
	}
}

// processCPU is the CPU time (user + system) the process has used, in nanoseconds.
func processCPU(tb testing.TB) int64 {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		tb.Fatal(err)
	}
	return ru.Utime.Nano() + ru.Stime.Nano()
}

// BenchmarkLiveP99 is the live view's own work for 8 shards: each shard's new per-second
// latency histogram (decoded when its interval was applied) replaces its last one in the live
// sum, and the sum is read at p99.
func BenchmarkLiveP99(b *testing.B) {
	var lasts []sparseHist
	for range 8 {
		lasts = append(lasts, decodeSparse(b, benchIntervals(b, 100, 2)[1].Histograms.Latency))
	}
	live := &bucketCounts{}
	for _, l := range lasts {
		live.add(l)
	}
	b.ResetTimer()
	for range b.N {
		for _, l := range lasts {
			live.sub(l)
			live.add(l)
		}
		liveP99(live)
	}
}
