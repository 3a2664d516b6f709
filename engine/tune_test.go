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
	if got := debug.SetMemoryLimit(-1); got < runMemoryFloor || got == math.MaxInt64 {
		t.Errorf("memory limit during a run = %d, want at least %d", got, runMemoryFloor)
	}
	restore()
	if got := debug.SetGCPercent(-1); got != 100 {
		t.Errorf("GC percent after the run = %d, want 100 again", got)
	}
	debug.SetGCPercent(100)
	if got := debug.SetMemoryLimit(-1); got != math.MaxInt64 {
		t.Errorf("memory limit after the run = %d, want none again", got)
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
			tu := tuneProcs(p)
			if got := runtime.GOMAXPROCS(0); got != tt.want {
				t.Errorf("GOMAXPROCS during the run = %d, want %d", got, tt.want)
			}
			tu.restore()
			if got := runtime.GOMAXPROCS(0); got != procs {
				t.Errorf("GOMAXPROCS after the run = %d, want %d", got, procs)
			}
		})
	}

	// processors come back once a second's hits leave late
	p, _ := newPlan(Options{Targeter: fake, RatePerSec: 1000})
	tu := tuneProcs(p)
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
