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
// times a second. A run raises the GC target to runGCPercent, which saves about a tenth of the
// CPU per request at max rate, and bounds what that costs in memory with a soft memory limit
// kept, after every collection, at the runtime's memory outside the heap plus the live heap plus
// room to grow of runHeapHeadroom, or of the live heap itself when that is larger: the heap then
// grows by at most max(runHeapHeadroom, live) between collections (never less than GOGC=100
// would let it), whatever the live heap holds. The peak RSS of a max-rate run is then its
// binary's pages plus about 20 MiB, and a heap that grows with the run's length (its timeline)
// costs its own size rather than five times it. A GOGC or GOMEMLIMIT the user set is left alone.
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
	oldLimit := debug.SetMemoryLimit(-1)
	if oldLimit != math.MaxInt64 { // GOMEMLIMIT was set: keep it
		return func() { debug.SetGCPercent(old) }
	}
	l := &memoryLimiter{}
	l.update()
	l.watch()
	return func() {
		l.mu.Lock()
		defer l.mu.Unlock()
		l.stopped = true
		debug.SetGCPercent(old)
		debug.SetMemoryLimit(oldLimit)
	}
}

// memoryLimiter keeps the soft memory limit at runMemoryLimit of the memory in use, updated
// after every garbage collection.
type memoryLimiter struct {
	mu      sync.Mutex
	stopped bool
}

// watch arranges for update (and watch again) to run after the next collection: a cleanup of
// an object that nothing references runs once a collection has found it unreachable.
func (l *memoryLimiter) watch() {
	sentinel := new([gcSentinelBytes]byte)
	runtime.AddCleanup(sentinel, func(l *memoryLimiter) {
		if l.update() {
			l.watch()
		}
	}, l)
}

// update sets the limit for the memory in use now; false once the run's settings are restored.
func (l *memoryLimiter) update() bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.stopped {
		return false
	}
	debug.SetMemoryLimit(runMemoryLimit(readMemory()))
	return true
}

// memory is what the runtime holds, in bytes, as GOMEMLIMIT counts it.
type memory struct {
	live    uint64 // heap objects marked live by the last collection
	nonHeap uint64 // everything else but free heap pages: stacks, the runtime's metadata, heap fragmentation
}

// runMemoryLimit is the soft memory limit of a run: the memory outside the heap, the live heap
// and room for the heap to grow by max(runHeapHeadroom, live) before the next collection.
func runMemoryLimit(m memory) int64 {
	return int64(m.nonHeap + m.live + max(runHeapHeadroom, m.live))
}

var memorySamples = []string{
	"/gc/heap/live:bytes",
	"/memory/classes/total:bytes",
	"/memory/classes/heap/released:bytes",
	"/memory/classes/heap/free:bytes",
	"/memory/classes/heap/objects:bytes",
}

func readMemory() memory {
	s := make([]metrics.Sample, len(memorySamples))
	for i, name := range memorySamples {
		s[i].Name = name
	}
	metrics.Read(s)
	var v [5]uint64
	for i := range s {
		if s[i].Value.Kind() == metrics.KindUint64 {
			v[i] = s[i].Value.Uint64()
		}
	}
	live, total, released, free, objects := v[0], v[1], v[2], v[3], v[4]
	inUse := total - min(total, released+free+objects)
	return memory{live: live, nonHeap: inUse}
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
