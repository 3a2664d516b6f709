package engine

import (
	"math"
	"os"
	"runtime"
	"runtime/debug"
	"testing"
	"time"
)

func TestTuneGC(t *testing.T) {
	defer debug.SetGCPercent(debug.SetGCPercent(100))
	defer debug.SetMemoryLimit(debug.SetMemoryLimit(math.MaxInt64))

	restore := tuneGC()
	if got := debug.SetGCPercent(-1); got != runGCPercent {
		t.Errorf("GC percent during a run = %d, want %d", got, runGCPercent)
	}
	debug.SetGCPercent(runGCPercent)
	if got := debug.SetMemoryLimit(-1); got < runHeapHeadroom || got == math.MaxInt64 {
		t.Errorf("memory limit during a run = %d, want at least %d", got, runHeapHeadroom)
	}
	restore()
	if got := debug.SetGCPercent(-1); got != 100 {
		t.Errorf("GC percent after the run = %d, want 100 again", got)
	}
	debug.SetGCPercent(100)
	if got := debug.SetMemoryLimit(-1); got != math.MaxInt64 {
		t.Errorf("memory limit after the run = %d, want none again", got)
	}

	runtime.GC() // a cleanup left from the run must not set a limit again
	if got := debug.SetMemoryLimit(-1); got != math.MaxInt64 {
		t.Errorf("memory limit after a collection after the run = %d, want none", got)
	}

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

// The limit follows the live heap: after a collection that finds a larger one it leaves room
// for the heap to double.
func TestTuneGCFollowsTheLiveHeap(t *testing.T) {
	defer debug.SetGCPercent(debug.SetGCPercent(100))
	defer debug.SetMemoryLimit(debug.SetMemoryLimit(math.MaxInt64))

	restore := tuneGC()
	defer restore()
	live := make([]byte, 4*runHeapHeadroom)
	for i := range live {
		live[i] = 1
	}
	runtime.GC()
	want := int64(2 * len(live))
	var got int64
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
		if got = debug.SetMemoryLimit(-1); got >= want {
			break
		}
		runtime.GC()
	}
	if got < want {
		t.Errorf("memory limit with %d live bytes = %d, want at least %d", len(live), got, want)
	}
	runtime.KeepAlive(live)
}

func TestRunMemoryLimit(t *testing.T) {
	const mib = 1 << 20
	tests := []struct {
		name string
		m    memory
		want int64
	}{
		{"small heap: the headroom", memory{live: 3 * mib, nonHeap: 5 * mib}, 16 * mib},
		{"nothing live yet", memory{nonHeap: 4 * mib}, 12 * mib},
		{"heap past the headroom: double it", memory{live: 40 * mib, nonHeap: 6 * mib}, 86 * mib},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := runMemoryLimit(tt.m); got != tt.want {
				t.Errorf("runMemoryLimit(%+v) = %d, want %d", tt.m, got, tt.want)
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
	tu.restore()
	if got := runtime.GOMAXPROCS(0); got != procs {
		t.Errorf("GOMAXPROCS after restore = %d, want %d", got, procs)
	}
}
