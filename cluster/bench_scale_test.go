//go:build unix

package cluster

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"runtime"
	"strconv"
	"testing"
	"time"

	"github.com/loadtestdev/loadtest/results"
)

// How far one coordinator scales. Run with
//
//	go test ./cluster -run '^$' -bench CoordinatorShards -count 6
//
// BenchmarkCoordinatorShards simulates a run of 500 shards in process. One op is one second of
// the run: every shard posts its interval (one of ten recorded seconds of a shard at rate
// req/s, the body a shard of this build sends) and its three heartbeats to the coordinator's
// HTTP handler, which decodes, checks and applies them as it does for a real shard; then the
// coordinator does its once-a-second work (the live progress, the --abort-on-fail gate's check
// of the merged figures, on the gate's goroutine). Left out: reading the requests off the
// sockets (httptest.NewRequest parses each one, as the server would). Counted, as an upper
// bound: copying each body from a template. The first ten seconds of the run are not measured.
//
// cpu-ns/shard-s is the CPU of the whole process (every goroutine, the garbage collector's
// included) per shard per second of run; shards/core is one second over it: the largest
// number of shards one coordinator core keeps up with. live-MB is the heap the coordinator
// holds for the 500 shards at the end (their sums, kept for a lost shard's part).
func BenchmarkCoordinatorShards(b *testing.B) {
	for _, rate := range []int{100, 10000} {
		b.Run(fmt.Sprintf("shards=500/rate=%d", rate), func(b *testing.B) { benchCoordinatorShards(b, 500, rate) })
	}
}

func benchCoordinatorShards(b *testing.B, shards, rate int) {
	c := benchCoordinator(b, shards)
	var figures []framedFigures // the recorded seconds' figures, as a frame holds them
	for _, f := range benchIntervals(b, rate, 10) {
		figures = append(figures, frameFigures(b, f))
	}
	sim := &simShards{h: c.Handler(), seq: make([]uint64, shards), applied: make([]uint64, shards)}
	// the first ten seconds of the run, not measured: the coordinator makes each shard's sums
	// and they grow to the range of latencies of the recorded seconds, which then repeat
	for _, fig := range figures {
		for i := range shards {
			sim.post(b, i, fig, 0)
		}
	}
	b.ReportAllocs()
	runtime.GC()
	cpu0 := processCPU(b)
	b.ResetTimer()
	for n := range b.N {
		fig := figures[n%len(figures)]
		for i := range shards {
			sim.post(b, i, fig, uint64((n+1)*rate))
		}
		for range 3 {
			for i := range shards {
				sim.post(b, i, framedFigures{}, uint64((n+1)*rate))
			}
		}
		c.second(time.Now())
	}
	c.watcher.Stop() // let the gate finish its last check: its CPU counts too
	b.StopTimer()
	cpu := float64(processCPU(b)-cpu0) / float64(b.N*shards)
	c.watcher = nil
	b.ReportMetric(cpu, "cpu-ns/shard-s")
	b.ReportMetric(1e9/cpu, "shards/core")
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	b.ReportMetric(float64(ms.HeapAlloc)/(1<<20), "live-MB")
	runtime.KeepAlive(c)
}

// simShards are the simulated shards' sides of the protocol: each one's last Seq and the last
// interval the coordinator applied (the base of its next).
type simShards struct {
	h            http.Handler
	seq, applied []uint64
	head, body   []byte
	w            discardWriter
}

// framedFigures are an interval's figures as its frame holds them: the JSON of the figures in
// its head, and what follows the head (their histograms).
type framedFigures struct{ head, tail []byte }

// frameFigures frames f (as appendFrame does) and splits it into framedFigures.
func frameFigures(b *testing.B, f *results.Result) framedFigures {
	head, payloads, timeline := frameParts(b, IntervalRequest{Figures: f})
	j, err := json.Marshal(head.Figures)
	if err != nil {
		b.Fatal(err)
	}
	tail, err := appendFrameOf(nil, IntervalRequest{}, payloads, timeline)
	if err != nil {
		b.Fatal(err)
	}
	_, tail, err = frameHead(tail) // what follows the empty request's head
	if err != nil {
		b.Fatal(err)
	}
	return framedFigures{head: j, tail: tail}
}

// post sends shard i's interval of figures (none: a heartbeat) with its send counter, framed as
// appendFrame frames it.
func (s *simShards) post(b *testing.B, i int, figures framedFigures, sent uint64) {
	s.seq[i]++
	s.head = append(s.head[:0], `{"index":`...)
	s.head = strconv.AppendInt(s.head, int64(i), 10)
	s.head = append(s.head, `,"seq":`...)
	s.head = strconv.AppendUint(s.head, s.seq[i], 10)
	s.head = append(s.head, `,"base":`...)
	s.head = strconv.AppendUint(s.head, s.applied[i], 10)
	s.head = append(s.head, `,"sent":`...)
	s.head = strconv.AppendUint(s.head, sent, 10)
	if figures.head != nil {
		s.head = append(s.head, `,"figures":`...)
		s.head = append(s.head, figures.head...)
	}
	s.head = append(s.head, '}')
	s.body = append(append(s.body[:0], frameMagic...), frameVersion)
	s.body = binary.AppendUvarint(s.body, uint64(len(s.head)))
	s.body = append(append(s.body, s.head...), figures.tail...)
	req := httptest.NewRequest(http.MethodPost, PathInterval, bytes.NewReader(s.body))
	req.Header.Set(TokenHeader, "Bearer "+testToken)
	s.w.reset()
	s.h.ServeHTTP(&s.w, req)
	applied, ok := appliedOf(s.w.body.Bytes())
	if s.w.code != http.StatusOK || !ok {
		b.Fatalf("interval of shard %d: %d %s", i, s.w.code, s.w.body.Bytes())
	}
	s.applied[i] = applied
}

// appliedOf reads IntervalResponse.Applied from an answer (without a JSON decoder: the shards'
// side is not the coordinator's cost).
func appliedOf(body []byte) (uint64, bool) {
	const key = `"applied":`
	at := bytes.Index(body, []byte(key))
	if at < 0 {
		return 0, false
	}
	digits := body[at+len(key):]
	end := bytes.IndexFunc(digits, func(r rune) bool { return r < '0' || r > '9' })
	if end < 0 {
		end = len(digits)
	}
	n, err := strconv.ParseUint(string(digits[:end]), 10, 64)
	return n, err == nil
}

// discardWriter is a reusable http.ResponseWriter that keeps the status and the body.
type discardWriter struct {
	header http.Header
	code   int
	body   bytes.Buffer
}

func (w *discardWriter) reset() {
	if w.header == nil {
		w.header = http.Header{}
	}
	clear(w.header)
	w.code = 0
	w.body.Reset()
}

func (w *discardWriter) Header() http.Header { return w.header }

func (w *discardWriter) WriteHeader(code int) {
	if w.code == 0 {
		w.code = code
	}
}

func (w *discardWriter) Write(p []byte) (int, error) {
	if w.code == 0 {
		w.code = http.StatusOK
	}
	return w.body.Write(p)
}
