package engine

import (
	"math"
	"os"
	"runtime"
	"runtime/debug"
	"runtime/metrics"
	"sync"
)

// During a run the load generator allocates a KiB or two per request (the request, its result,
// net/http's headers) on a small live heap (a few MiB: histograms, connections' buffers, what
// the process set up at its start), so at Go's default GOGC of 100 the collector runs dozens of
// times a second. A run lets the heap grow by max(runHeapHeadroom, live) between collections
// instead, never more than GOGC=runGCPercent would: after every collection it sets GOGC to that
// growth over what the collector scans (the live heap, goroutine stacks, globals), which saves
// about a tenth of the CPU per request at max rate. The peak RSS of a max-rate run is then its
// binary's pages plus about 20 MiB, and a heap that grows with the run's length (its timeline)
// costs its own size rather than five times it. A GOGC or GOMEMLIMIT the user set is left
// alone (with GOMEMLIMIT, GOGC is runGCPercent).
//
// An earlier version bounded the heap with a soft memory limit (GOMEMLIMIT) of the memory in
// use at the last collection plus that growth: when the memory outside the heap grew faster
// than the collections came (a run of flows starting thousands of sessions, whose runners'
// stacks count against the limit), the heap's goal fell to the heap itself and the collector
// ran back to back (30 collections in a third of a second), which stalled the run's start by
// a second or more. GOGC cannot put the goal below the live heap.
const (
	runGCPercent    = 400
	runHeapHeadroom = 8 << 20
	gcSentinelBytes = 64 // a sentinel of at least 16 bytes is not batched with other tiny objects
)

// tuneGC applies the run's GC settings and returns the function that restores the previous ones.
func tuneGC() (restore func()) {
	old := debug.SetGCPercent(runGCPercent)
	if old != 100 { // GOGC was set (or another run is tuning): keep it
		debug.SetGCPercent(old)
		return func() {}
	}
	if debug.SetMemoryLimit(-1) != math.MaxInt64 { // GOMEMLIMIT was set: keep it, with runGCPercent
		return func() { debug.SetGCPercent(old) }
	}
	l := &gcTuner{}
	l.update()
	l.watch()
	return func() {
		l.mu.Lock()
		defer l.mu.Unlock()
		l.stopped = true
		debug.SetGCPercent(old)
	}
}

// gcTuner keeps GOGC at runGCPercentFor the memory the collector scans, updated after every
// garbage collection.
type gcTuner struct {
	mu      sync.Mutex
	stopped bool
}

// watch arranges for update (and watch again) to run after the next collection: a cleanup of
// an object that nothing references runs once a collection has found it unreachable.
func (l *gcTuner) watch() {
	sentinel := new([gcSentinelBytes]byte)
	runtime.AddCleanup(sentinel, func(l *gcTuner) {
		if l.update() {
			l.watch()
		}
	}, l)
}

// update sets GOGC for the memory scanned now; false once the run's settings are restored.
func (l *gcTuner) update() bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.stopped {
		return false
	}
	debug.SetGCPercent(runGCPercentFor(readScanned()))
	return true
}

// scanned is what the collector's pacer counts, in bytes: GOGC is a percentage of its sum.
type scanned struct {
	live, stacks, globals uint64
}

// runGCPercentFor is the GOGC that lets the heap grow by max(runHeapHeadroom, live) before the
// next collection, between 1 and runGCPercent.
func runGCPercentFor(m scanned) int {
	sum := m.live + m.stacks + m.globals
	if sum == 0 {
		return runGCPercent
	}
	return int(min(max(100*max(runHeapHeadroom, m.live)/sum, 1), runGCPercent))
}

var scanSamples = []string{"/gc/heap/live:bytes", "/gc/scan/stack:bytes", "/gc/scan/globals:bytes"}

func readScanned() scanned {
	s := make([]metrics.Sample, len(scanSamples))
	for i, name := range scanSamples {
		s[i].Name = name
	}
	metrics.Read(s)
	var v [3]uint64
	for i := range s {
		if s[i].Value.Kind() == metrics.KindUint64 {
			v[i] = s[i].Value.Uint64()
		}
	}
	return scanned{live: v[0], stacks: v[1], globals: v[2]}
}

// ratePerProc is the paced rate one processor (P) of the Go scheduler carries in a run.
//
// At a paced rate every hit wakes a goroutine (the worker that paces it, a flow's runner); with a processor idle, each wake-up also wakes an OS thread to run it (a futex
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

// tuneProcs applies procTuner to the run of p; perHit is the requests one hit sends: 1 for a run of requests, a flow's mean request steps per
// iteration (scenarios.FlowPlan.RequestsPerIteration) for a run of flows.
func tuneProcs(p *plan, perHit float64) *procTuner {
	t := &procTuner{}
	peak := p.RatePerSec
	for _, s := range p.Stages {
		peak = max(peak, s.RatePerSec)
	}
	peak *= max(perHit, 1)
	if p.Shard.Sharded() {
		peak /= float64(p.Shard.Count) // a shard sends its part of the whole run's rate
	}
	if len(p.Stages) == 0 && p.schedule == nil || peak <= 0 || os.Getenv("GOMAXPROCS") != "" {
		return t
	}
	if want := int(math.Ceil(peak / ratePerProc)); want < runtime.GOMAXPROCS(0) {
		t.old = runtime.GOMAXPROCS(want)
	}
	return t
}

// second is called once a second with the run's counts of late hits and of requests.
func (t *procTuner) second(late, requests uint64) {
	dl, dr := late-t.lastLate, requests-t.lastReqs
	t.lastLate, t.lastReqs = late, requests
	if dl > 0 && dl*100 > dr {
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
