package collector

import (
	"context"
	"errors"
	"os"
	"testing"
	"time"

	"github.com/loadtestdev/loadtest/results"
)

// checkRanges fails the test for any figure of s out of its possible range.
func checkRanges(t *testing.T, s results.Snapshot) {
	t.Helper()
	if s.Time.IsZero() || s.NumCPU <= 0 {
		t.Errorf("got time %v and %d CPUs, want a time and at least one CPU", s.Time, s.NumCPU)
	}
	for name, v := range map[string]float64{"load1": s.Load.Load1, "load5": s.Load.Load5, "load15": s.Load.Load15} {
		if v < 0 {
			t.Errorf("%s: got %v, want >= 0", name, v)
		}
	}
	splits := append([]results.CPUPercent{s.CPU}, s.PerCPU...)
	for i, c := range splits {
		for name, v := range map[string]float64{"user": c.User, "system": c.System, "idle": c.Idle, "iowait": c.Iowait, "steal": c.Steal} {
			if v < 0 || v > 100 {
				t.Errorf("cpu split %d %s: got %v, want 0..100", i, name, v)
			}
		}
	}
	if len(s.PerCPU) != s.NumCPU {
		t.Errorf("got %d per-core splits, want %d", len(s.PerCPU), s.NumCPU)
	}
	m := s.Memory
	if m.TotalBytes == 0 || m.UsedBytes == 0 || m.AvailableBytes == 0 || m.UsedBytes > m.TotalBytes || m.AvailableBytes > m.TotalBytes {
		t.Errorf("got memory %+v, want total, used and available > 0 and used, available <= total", m)
	}
	for _, p := range s.Processes {
		if p.CPUPercent < 0 || p.CPUPercent > float64(100*s.NumCPU) {
			t.Errorf("process %d: got cpu %v%%, want 0..%d", p.PID, p.CPUPercent, 100*s.NumCPU)
		}
		if p.RSSBytes == 0 {
			t.Errorf("process %d: got rss 0, want > 0", p.PID)
		}
	}
}

func TestTakeOnThisHost(t *testing.T) {
	s, err := Take(context.Background(), 100*time.Millisecond, Self())
	if err != nil {
		t.Fatalf("Take: %v", err)
	}
	checkRanges(t, s)
	if s.UptimeS == 0 {
		t.Errorf("got uptime 0, want > 0")
	}
	if len(s.Processes) != 1 {
		t.Fatalf("got %d processes, want 1 (self)", len(s.Processes))
	}
	self := s.Processes[0]
	if self.PID != int32(os.Getpid()) || self.Role != results.RoleGenerator {
		t.Errorf("got process %d %q, want %d %q", self.PID, self.Role, os.Getpid(), results.RoleGenerator)
	}
	if self.Goroutines <= 0 || self.GOMAXPROCS <= 0 || self.OpenFDs <= 0 || self.FDLimit == 0 || uint64(self.OpenFDs) > self.FDLimit {
		t.Errorf("got self %+v, want goroutines, gomaxprocs, open fds > 0 and open fds <= fd limit", self)
	}
}

func TestTakeLeavesOutProcessesThatAreGone(t *testing.T) {
	// PID 2^22+1 is above Linux's pid_max limit, so no such process can exist.
	s, err := Take(context.Background(), 50*time.Millisecond, Watch{PID: 1<<22 + 1, Role: results.RoleServer})
	if err != nil {
		t.Fatalf("Take: %v", err)
	}
	if len(s.Processes) != 0 {
		t.Errorf("got processes %+v, want none", s.Processes)
	}
}

func TestTakeStopsWithContext(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
	defer cancel()
	start := time.Now()
	_, err := Take(ctx, 5*time.Second)
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("got error %v, want context.DeadlineExceeded", err)
	}
	if waited := time.Since(start); waited > 2*time.Second {
		t.Errorf("Take returned after %v, want soon after its context ended", waited)
	}
}

func TestProbeMeasuresSincePreviousTake(t *testing.T) {
	p := NewProbe(Self())
	p.SetWindows(50*time.Millisecond, time.Minute)
	first, err := p.Take(context.Background())
	if err != nil {
		t.Fatalf("first Take: %v", err)
	}
	time.Sleep(120 * time.Millisecond)
	second, err := p.Take(context.Background())
	if err != nil {
		t.Fatalf("second Take: %v", err)
	}
	// The second reading must not wait another window: it covers the time since the first.
	if gap := second.Time.Sub(first.Time); gap < 100*time.Millisecond || gap > time.Second {
		t.Errorf("got %v between readings, want about 120ms", gap)
	}
	checkRanges(t, second)
}

// TestBusyChildShowsCPU: a child spinning one core shows CPU >= 50% in its samples. On a
// machine so crowded that the child waits for a CPU more than half the time it cannot get 50%:
// there the samples must still agree with the kernel's own account (schedstat) of its CPU time.
func TestBusyChildShowsCPU(t *testing.T) {
	pid := startSpinner(t)
	p := NewProbe(Watch{PID: pid, Role: results.RoleServer})
	p.SetWindows(400*time.Millisecond, time.Minute)
	prev := readSchedstat(t, pid)
	crowded := true
	for i := range 6 {
		s, err := p.Take(context.Background())
		now := readSchedstat(t, pid)
		if err != nil {
			t.Fatalf("Take: %v", err)
		}
		checkRanges(t, s)
		if len(s.Processes) != 1 {
			t.Fatalf("got processes %+v, want the spinner", s.Processes)
		}
		got := s.Processes[0].CPUPercent
		kernel, waited := now.cpuSince(prev)
		prev = now
		t.Logf("sample %d: spinner at %.1f%% CPU (kernel: %.1f%% ran, %.1f%% waited for a CPU); host idle %.1f%%", i, got, kernel, waited, s.CPU.Idle)
		if diff := got - kernel; diff > 20 || diff < -20 {
			t.Errorf("sample %d: got %.1f%% CPU, want about the kernel's %.1f%%", i, got, kernel)
		}
		if got >= 50 {
			return
		}
		crowded = crowded && waited > 50
	}
	if !crowded {
		t.Errorf("got no sample of the spinning child at >= 50%% CPU although it did not wait for a CPU most of the time")
	}
}
