package collector

import (
	"context"
	"errors"
	"fmt"
	"math"
	"os"
	"runtime"
	"sync"
	"time"

	"github.com/loadtestdev/loadtest/results"
	"github.com/shirou/gopsutil/v4/cpu"
	"github.com/shirou/gopsutil/v4/host"
	"github.com/shirou/gopsutil/v4/load"
	"github.com/shirou/gopsutil/v4/mem"
	"github.com/shirou/gopsutil/v4/process"
)

// Default CPU windows of a Probe.
const (
	// DefaultMinWindow is the shortest interval CPU percentages are measured over: the first
	// reading, or one that follows the previous too closely, waits this long.
	DefaultMinWindow = 250 * time.Millisecond
	// DefaultMaxWindow is the longest: a reading more than this after the previous one measures
	// a fresh DefaultMinWindow instead of averaging over a stale interval.
	DefaultMaxWindow = 10 * time.Second
)

// Watch names a process to sample and its role ("generator", "server").
type Watch struct {
	PID  int32
	Role string
}

// Self is the Watch for the calling process in the generator role.
func Self() Watch { return Watch{PID: int32(os.Getpid()), Role: results.RoleGenerator} }

// Probe reads snapshots of this host and of the watched processes. CPU figures are percentages
// of the time since the previous reading, so a Probe keeps the previous counters; it is safe for
// concurrent use (readings are serialised).
type Probe struct {
	mu        sync.Mutex
	watch     []Watch
	minWindow time.Duration
	maxWindow time.Duration

	hostname, hostID string
	last             *counters
}

// counters are the cumulative figures CPU percentages are computed from.
type counters struct {
	at    time.Time
	total cpu.TimesStat
	cores []cpu.TimesStat
	procs map[int32]float64 // user+system seconds per watched pid
}

// NewProbe returns a Probe of this host watching the given processes, with the default windows.
func NewProbe(watch ...Watch) *Probe {
	p := &Probe{watch: append([]Watch(nil), watch...), minWindow: DefaultMinWindow, maxWindow: DefaultMaxWindow}
	p.hostname, _ = os.Hostname()
	p.hostID, _ = host.HostID()
	return p
}

// SetWindows changes the shortest and longest CPU windows (see DefaultMinWindow).
func (p *Probe) SetWindows(minWindow, maxWindow time.Duration) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.minWindow, p.maxWindow = minWindow, maxWindow
}

// Take reads one snapshot. Its CPU percentages cover the time since the previous Take, or a
// fresh minimum window when there was none, it was too recent or too old. It returns early
// with ctx's error if ctx ends while waiting.
func (p *Probe) Take(ctx context.Context) (results.Snapshot, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	last := p.last
	if last == nil || time.Since(last.at) > p.maxWindow {
		var err error
		if last, err = p.readCounters(ctx); err != nil {
			return results.Snapshot{}, err
		}
	}
	if wait := p.minWindow - time.Since(last.at); wait > 0 {
		if err := Sleep(ctx, wait); err != nil {
			return results.Snapshot{}, err
		}
	}
	now, err := p.readCounters(ctx)
	if err != nil {
		return results.Snapshot{}, err
	}
	p.last = now
	return p.snapshot(ctx, last, now)
}

// Take reads one snapshot of this host and the watched processes, with CPU percentages over
// window (DefaultMinWindow if 0).
func Take(ctx context.Context, window time.Duration, watch ...Watch) (results.Snapshot, error) {
	p := NewProbe(watch...)
	if window > 0 {
		p.SetWindows(window, DefaultMaxWindow)
	}
	return p.Take(ctx)
}

func (p *Probe) readCounters(ctx context.Context) (*counters, error) {
	c := &counters{at: time.Now(), procs: make(map[int32]float64, len(p.watch))}
	total, err := cpu.TimesWithContext(ctx, false)
	if err != nil || len(total) == 0 {
		return nil, fmt.Errorf("collector: read cpu times: %w", orNoData(err))
	}
	c.total = total[0]
	if c.cores, err = cpu.TimesWithContext(ctx, true); err != nil {
		return nil, fmt.Errorf("collector: read per-core cpu times: %w", err)
	}
	for _, w := range p.watch {
		if t, err := processTimes(ctx, w.PID); err == nil {
			c.procs[w.PID] = t
		}
	}
	return c, nil
}

func (p *Probe) snapshot(ctx context.Context, before, after *counters) (results.Snapshot, error) {
	s := results.Snapshot{
		Time: after.at.UTC(), Hostname: p.hostname, HostID: p.hostID, NumCPU: runtime.NumCPU(),
		CPU: cpuSplit(before.total, after.total), PerCPU: perCPUSplit(before.cores, after.cores),
	}
	if len(after.cores) > 0 {
		s.NumCPU = len(after.cores)
	}
	avg, err := load.AvgWithContext(ctx)
	if err != nil {
		return results.Snapshot{}, fmt.Errorf("collector: read load average: %w", err)
	}
	s.Load = results.LoadAvg{Load1: avg.Load1, Load5: avg.Load5, Load15: avg.Load15}
	vm, err := mem.VirtualMemoryWithContext(ctx)
	if err != nil {
		return results.Snapshot{}, fmt.Errorf("collector: read memory: %w", err)
	}
	s.Memory = results.Memory{TotalBytes: vm.Total, UsedBytes: vm.Used, AvailableBytes: vm.Available, FreeBytes: vm.Free}
	s.UptimeS, _ = host.UptimeWithContext(ctx)
	wall := after.at.Sub(before.at).Seconds()
	for _, w := range p.watch {
		busyAfter, ok := after.procs[w.PID]
		if !ok {
			continue // the process has exited or cannot be read: leave it out of this sample
		}
		busyBefore, ok := before.procs[w.PID]
		if !ok {
			busyBefore = busyAfter
		}
		s.Processes = append(s.Processes, readProcess(ctx, w, processCPUPercent(busyBefore, busyAfter, wall)))
	}
	return s, nil
}

// processTimes is a process's user+system CPU seconds so far.
func processTimes(ctx context.Context, pid int32) (float64, error) {
	proc, err := process.NewProcessWithContext(ctx, pid)
	if err != nil {
		return 0, err
	}
	t, err := proc.TimesWithContext(ctx)
	if err != nil {
		return 0, err
	}
	return t.User + t.System, nil
}

// readProcess fills the figures of one watched process other than its CPU percentage. Figures
// that cannot be read (another user's process, a platform without /proc) stay zero.
func readProcess(ctx context.Context, w Watch, cpuPercent float64) results.Process {
	out := results.Process{PID: w.PID, Role: w.Role, CPUPercent: cpuPercent}
	if w.PID == int32(os.Getpid()) {
		out.Goroutines = runtime.NumGoroutine()
		out.GOMAXPROCS = runtime.GOMAXPROCS(0)
	}
	proc, err := process.NewProcessWithContext(ctx, w.PID)
	if err != nil {
		return out
	}
	if mi, err := proc.MemoryInfoWithContext(ctx); err == nil {
		out.RSSBytes = mi.RSS
	}
	if n, err := proc.NumFDsWithContext(ctx); err == nil {
		out.OpenFDs = int(n)
	}
	out.FDLimit = fdLimit(ctx, proc)
	return out
}

// fdLimit is the soft RLIMIT_NOFILE of a process (`ulimit -n`), which caps its open
// connections; 0 when unknown or unlimited.
func fdLimit(ctx context.Context, proc *process.Process) uint64 {
	limits, err := proc.RlimitWithContext(ctx)
	if err != nil {
		return 0
	}
	for _, l := range limits {
		if l.Resource == process.RLIMIT_NOFILE && l.Soft != math.MaxUint64 {
			return l.Soft
		}
	}
	return 0
}

// Sleep waits for d or until ctx ends, whichever is first, and returns ctx.Err() in the latter case.
func Sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

func orNoData(err error) error {
	if err != nil {
		return err
	}
	return errors.New("no data")
}
