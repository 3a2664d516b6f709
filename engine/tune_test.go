package engine

import (
	"context"
	"math"
	"net/http"
	"os"
	"runtime"
	"runtime/debug"
	"sync/atomic"
	"testing"
	"time"
)

func TestTuneGC(t *testing.T) {
	defer debug.SetGCPercent(debug.SetGCPercent(100))
	defer debug.SetMemoryLimit(debug.SetMemoryLimit(math.MaxInt64))

	before := numGC()
	restore := tuneGC()
	got, want := debug.SetGCPercent(-1), runGCPercentFor(readScanned())
	if got < 1 || got > runGCPercent || got != want && numGC() == before { // a collection between may change it
		t.Errorf("GC percent during a run = %d, want %d, between 1 and %d", got, want, runGCPercent)
	}
	debug.SetGCPercent(runGCPercent)
	if got := debug.SetMemoryLimit(-1); got != math.MaxInt64 {
		t.Errorf("memory limit during a run = %d, want none", got)
	}
	restore()
	if got := debug.SetGCPercent(-1); got != 100 {
		t.Errorf("GC percent after the run = %d, want 100 again", got)
	}
	debug.SetGCPercent(100)

	runtime.GC() // a cleanup left from the run must not set GOGC again
	if got := debug.SetGCPercent(-1); got != 100 {
		t.Errorf("GC percent after a collection after the run = %d, want 100", got)
	}
	debug.SetGCPercent(100)

	// a GOGC the user chose is kept, and so is a memory limit
	debug.SetGCPercent(50)
	debug.SetMemoryLimit(1 << 30)
	restore = tuneGC()
	if got := debug.SetGCPercent(-1); got != 50 {
		t.Errorf("GC percent with GOGC=50 = %d, want 50", got)
	}
	debug.SetGCPercent(50)
	restore()
	if got := debug.SetMemoryLimit(-1); got != 1<<30 {
		t.Errorf("memory limit = %d, want the user's 1 GiB", got)
	}

	// a memory limit the user chose is kept, with the run's GOGC
	debug.SetGCPercent(100)
	restore = tuneGC()
	runtime.GC()
	if got := debug.SetGCPercent(-1); got != runGCPercent {
		t.Errorf("GC percent with GOMEMLIMIT = %d, want %d", got, runGCPercent)
	}
	debug.SetGCPercent(runGCPercent)
	if got := debug.SetMemoryLimit(-1); got != 1<<30 {
		t.Errorf("memory limit during a run with GOMEMLIMIT = %d, want the user's 1 GiB", got)
	}
	restore()
	if got := debug.SetGCPercent(-1); got != 100 {
		t.Errorf("GC percent after a run with GOMEMLIMIT = %d, want 100 again", got)
	}
}

// numGC is the number of collections so far.
func numGC() uint32 {
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return m.NumGC
}

// GOGC follows the live heap: after a collection that finds a large one it lets the heap about
// double (GOGC near 100 of the live heap, stacks and globals), not grow fivefold.
func TestTuneGCFollowsTheLiveHeap(t *testing.T) {
	defer debug.SetGCPercent(debug.SetGCPercent(100))
	defer debug.SetMemoryLimit(debug.SetMemoryLimit(math.MaxInt64))

	restore := tuneGC()
	defer restore()
	live := make([]byte, 8*runHeapHeadroom)
	for i := range live {
		live[i] = 1
	}
	runtime.GC()
	var got int
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
		got = debug.SetGCPercent(-1)
		debug.SetGCPercent(got)
		if got <= 100 {
			break
		}
		runtime.GC()
	}
	if got > 100 || got < 50 {
		t.Errorf("GC percent with %d live bytes = %d, want 50 to 100 (the heap may about double)", len(live), got)
	}
	runtime.KeepAlive(live)
}

// TestRunGCPercentFor: the growth is max(runHeapHeadroom, live) over the bytes scanned, between
// 1 and runGCPercent; stacks count (thousands of goroutines lower GOGC, never the goal below
// the live heap).
func TestRunGCPercentFor(t *testing.T) {
	const mib = 1 << 20
	tests := []struct {
		name string
		m    scanned
		want int
	}{
		{"small heap: the headroom, capped", scanned{live: 1 * mib, stacks: mib / 2, globals: mib / 2}, runGCPercent},
		{"small heap: the headroom", scanned{live: 3 * mib, stacks: mib, globals: mib}, 160},
		{"nothing scanned yet", scanned{}, runGCPercent},
		{"heap past the headroom: double it", scanned{live: 40 * mib, stacks: 0, globals: 0}, 100},
		{"large stacks", scanned{live: 4 * mib, stacks: 60 * mib, globals: 16 * mib}, 10},
		{"huge stacks: at least 1", scanned{live: 4 * mib, stacks: 2000 * mib}, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := runGCPercentFor(tt.m); got != tt.want {
				t.Errorf("runGCPercentFor(%+v) = %d, want %d", tt.m, got, tt.want)
			}
		})
	}
}

func TestTuneProcs(t *testing.T) {
	if os.Getenv("GOMAXPROCS") != "" || runtime.GOMAXPROCS(0) < 2 {
		t.Skip("needs GOMAXPROCS unset and at least 2 processors")
	}
	procs := runtime.GOMAXPROCS(0)
	defer runtime.GOMAXPROCS(procs)
	fake := newFake("http://127.0.0.1:1", "/")
	tests := []struct {
		name string
		o    Options
		want int
	}{
		{"max rate untouched", Options{Targeter: fake}, procs},
		{"paced 10000/s", Options{Targeter: fake, RatePerSec: 10000}, 1},
		{"paced above a processor", Options{Targeter: fake, RatePerSec: ratePerProc + 1}, min(2, procs)},
		{"stages peak", Options{Targeter: fake, Stages: []Stage{{time.Second, 100}, {time.Second, 30 * ratePerProc}}}, procs},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := newPlan(tt.o)
			if err != nil {
				t.Fatal(err)
			}
			tu := tuneProcs(p, 1)
			if got := runtime.GOMAXPROCS(0); got != tt.want {
				t.Errorf("GOMAXPROCS during the run = %d, want %d", got, tt.want)
			}
			tu.restore()
			if got := runtime.GOMAXPROCS(0); got != procs {
				t.Errorf("GOMAXPROCS after the run = %d, want %d", got, procs)
			}
		})
	}

	// a flow's iterations count their mean request steps: 10,000 iterations/s of 4 requests
	// need two processors, of 1 request one
	for _, tc := range []struct {
		perHit float64
		want   int
	}{{1, 1}, {4, min(2, procs)}} {
		p, _ := newPlan(Options{Targeter: fake, RatePerSec: 10000})
		tu := tuneProcs(p, tc.perHit)
		if got := runtime.GOMAXPROCS(0); got != tc.want {
			t.Errorf("GOMAXPROCS for 10000 hits/s of %v requests = %d, want %d", tc.perHit, got, tc.want)
		}
		tu.restore()
	}

	// processors come back once a second's hits leave late
	p, _ := newPlan(Options{Targeter: fake, RatePerSec: 1000})
	tu := tuneProcs(p, 1)
	tu.second(0, 1000)
	tu.second(5, 2000) // 0.5% late: keep
	if got := runtime.GOMAXPROCS(0); got != 1 {
		t.Errorf("GOMAXPROCS after 0.5%% late hits = %d, want 1", got)
	}
	tu.second(25, 3000) // 2% late: give them back
	if got := runtime.GOMAXPROCS(0); got != procs {
		t.Errorf("GOMAXPROCS after 2%% late hits = %d, want %d", got, procs)
	}
	tu.second(25, 4000) // kept again: given back for good
	if got := runtime.GOMAXPROCS(0); got != procs {
		t.Errorf("GOMAXPROCS after a second kept, once given back = %d, want %d", got, procs)
	}
	tu.restore()
	if got := runtime.GOMAXPROCS(0); got != procs {
		t.Errorf("GOMAXPROCS after restore = %d, want %d", got, procs)
	}
}

// TestTuneProcsInARun: a paced run of requests or of flows runs on the processors its rate
// needs (its first request finds one) and ends with them all; a run of flows whose sessions
// park (a think time) keeps them all throughout.
func TestTuneProcsInARun(t *testing.T) {
	if os.Getenv("GOMAXPROCS") != "" || runtime.GOMAXPROCS(0) < 2 {
		t.Skip("needs GOMAXPROCS unset and at least 2 processors")
	}
	procs := runtime.GOMAXPROCS(0)
	defer runtime.GOMAXPROCS(procs)
	for _, kind := range []string{"requests", "flows", "flows that think"} {
		t.Run(kind, func(t *testing.T) {
			var first, least atomic.Int64
			least.Store(math.MaxInt64)
			cs := newCountingServer(t, func(w http.ResponseWriter, r *http.Request) {
				n := int64(runtime.GOMAXPROCS(0))
				first.CompareAndSwap(0, n)
				for l := least.Load(); n < l && !least.CompareAndSwap(l, n); l = least.Load() {
				}
			})
			o := Options{Target: cs.URL, RatePerSec: 1000, Duration: 300 * time.Millisecond, TuneProcess: true}
			switch kind {
			case "flows":
				_, o.FlowPlan = flowPlanOf(t, "flows: [{name: f, steps: [{name: a, path: /a}]}]\n", cs.URL)
				o.MaxSessions = 1000
			case "flows that think":
				_, o.FlowPlan = flowPlanOf(t, "flows: [{name: f, steps: [{name: a, path: /a}, {think: 10ms}]}]\n", cs.URL)
				o.MaxSessions, o.Duration = 1000, 1500*time.Millisecond // past the first second
			default:
				o.Targeter = newFake(cs.URL, "/a")
			}
			if _, err := Run(context.Background(), o); err != nil {
				t.Fatal(err)
			}
			want := int64(1)
			if kind == "flows that think" {
				want = int64(procs)
			}
			if got := first.Load(); got != want {
				t.Errorf("GOMAXPROCS at the first request = %d, want %d", got, want)
			}
			if got := least.Load(); kind == "flows that think" && got != want {
				t.Errorf("GOMAXPROCS at a request = %d, want %d throughout", got, want)
			}
			if got := runtime.GOMAXPROCS(0); got != procs {
				t.Errorf("GOMAXPROCS after the run = %d, want %d", got, procs)
			}
		})
	}
}
