package engine

import (
	"math"
	"os"
	"runtime"
	"runtime/debug"
	"runtime/metrics"
)

// During a run the load generator allocates a few KiB per request (vegeta's request and result,
// net/http's headers) on a small live heap, so at Go's default GOGC of 100 the collector runs
// dozens of times a second. Run raises the GC target to runGCPercent, which saves about a tenth
// of the CPU per request at max rate, and bounds the heap that buys with a soft memory limit of
// twice the memory in use at the start, at least runMemoryFloor (the peak RSS of a
// million-request run stays under 64 MiB). A GOGC or GOMEMLIMIT the user set is left alone.
const (
	runGCPercent   = 400
	runMemoryFloor = 48 << 20
)

// tuneGC applies the run's GC settings and returns the function that restores the previous ones.
func tuneGC() (restore func()) {
	old := debug.SetGCPercent(runGCPercent)
	if old != 100 { // GOGC was set (or another run is tuning): keep it
		debug.SetGCPercent(old)
		return func() {}
	}
	oldLimit := debug.SetMemoryLimit(-1)
	if oldLimit == math.MaxInt64 {
		debug.SetMemoryLimit(max(runMemoryFloor, 2*memoryInUse()))
	}
	return func() {
		debug.SetGCPercent(old)
		debug.SetMemoryLimit(oldLimit)
	}
}

// memoryInUse is the memory the Go runtime holds, in bytes (what GOMEMLIMIT counts).
func memoryInUse() int64 {
	s := []metrics.Sample{{Name: "/memory/classes/total:bytes"}, {Name: "/memory/classes/heap/released:bytes"}}
	metrics.Read(s)
	if s[0].Value.Kind() != metrics.KindUint64 || s[1].Value.Kind() != metrics.KindUint64 {
		return 0
	}
	return int64(s[0].Value.Uint64() - s[1].Value.Uint64())
}

// ratePerProc is the paced rate one processor (P) of the Go scheduler carries in a run.
//
// At a paced rate every hit wakes goroutines one by one (vegeta's pacer, a worker, the
// aggregator); with a processor idle, each wake-up also wakes an OS thread to run it (a futex
// call and a context switch), which costs more than the request itself. With fewer processors
// the runtime runs those goroutines in turn instead: at 10,000/s one processor takes about 40%
// less CPU per request than two. One processor sends about 50,000 plain-http requests per
// second; ratePerProc leaves it half of that as headroom.
const ratePerProc = 25000

// procTuner lowers GOMAXPROCS for a paced run to what its peak rate needs, and gives the
// processors back for the rest of the run as soon as a second's hits leave late (the fewer
// processors could not keep to the schedule: heavier requests than ratePerProc assumes). Runs
// at max rate, and a GOMAXPROCS set in the environment, are left alone.
type procTuner struct {
	old                int // GOMAXPROCS to restore; 0 when untouched
	lastLate, lastReqs uint64
}

func tuneProcs(p *plan) *procTuner {
	t := &procTuner{}
	peak := p.RatePerSec
	for _, s := range p.Stages {
		peak = max(peak, s.RatePerSec)
	}
	if p.Shard.Sharded() {
		peak /= float64(p.Shard.Count) // a shard sends its part of the whole run's rate
	}
	if len(p.Stages) == 0 && p.schedule == nil || peak <= 0 || os.Getenv("GOMAXPROCS") != "" {
		return t
	}
	want := int(math.Ceil(peak / ratePerProc))
	if cur := runtime.GOMAXPROCS(0); want < cur {
		t.old = runtime.GOMAXPROCS(want)
	}
	return t
}

// second is called once a second with the run's counts of late hits and of requests.
func (t *procTuner) second(late, requests uint64) {
	dl, dr := late-t.lastLate, requests-t.lastReqs
	t.lastLate, t.lastReqs = late, requests
	if t.old != 0 && dl > 0 && dl*100 > dr {
		t.restore()
	}
}

// restore gives the processors back.
func (t *procTuner) restore() {
	if t.old != 0 {
		runtime.GOMAXPROCS(t.old)
		t.old = 0
	}
}
