package collector

import (
	"context"
	"runtime"
	"testing"
	"time"

	"github.com/loadtestdev/loadtest/results"
)

func TestSamplerBeforeDuringAfter(t *testing.T) {
	before := runtime.NumGoroutine()
	pid := startSpinner(t)
	s := NewSampler(SamplerOptions{Interval: 150 * time.Millisecond, Watch: []Watch{Self(), {PID: pid, Role: results.RoleServer}}})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- s.Run(ctx) }()

	select {
	case <-s.Ready():
	case <-time.After(5 * time.Second):
		t.Fatal("the first sample was not taken within 5s")
	}
	startSched := readSchedstat(t, pid)
	if got := len(s.Samples()); got != 1 {
		t.Fatalf("got %d samples when Ready, want 1 (the sample before the attack)", got)
	}
	time.Sleep(600 * time.Millisecond)
	// The time is read before the context ends: the "after" sample may be taken the moment it
	// does, before this goroutine runs again.
	stoppedAt := time.Now()
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("Run: %v", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("Run did not return within 5s of its context ending")
	}
	endSched := readSchedstat(t, pid)

	samples := s.Samples()
	if len(samples) < 4 {
		t.Fatalf("got %d samples, want at least 4 (before, 3 during, after)", len(samples))
	}
	if last := samples[len(samples)-1].Time; last.Before(stoppedAt) {
		t.Errorf("got the last sample at %v, before the context ended at %v; want one after", last, stoppedAt)
	}
	for i, snap := range samples {
		checkRanges(t, snap)
		if i > 0 && !snap.Time.After(samples[i-1].Time) {
			t.Errorf("sample %d at %v is not after sample %d at %v", i, snap.Time, i-1, samples[i-1].Time)
		}
		if len(snap.Processes) != 2 {
			t.Errorf("sample %d: got %d processes, want 2 (generator and server)", i, len(snap.Processes))
		}
	}
	// The spinner's CPU seconds in the samples after the first agree with the kernel's account
	// over the same time; and unless the machine was too crowded to give it half a core, some
	// sample shows it at >= 50%.
	var sampled float64
	for i := 1; i < len(samples); i++ {
		sampled += peakProcessCPU(samples[i:i+1], results.RoleServer) / 100 * samples[i].Time.Sub(samples[i-1].Time).Seconds()
	}
	kernel := (endSched.run - startSched.run).Seconds()
	if diff := sampled - kernel; diff > 0.1+0.25*kernel || diff < -0.1-0.25*kernel {
		t.Errorf("got %.3f CPU seconds of the spinner in the samples, want about the kernel's %.3f", sampled, kernel)
	}
	_, waited := endSched.cpuSince(startSched)
	if peak := peakProcessCPU(samples, results.RoleServer); peak < 50 && waited < 50 {
		t.Errorf("got the spinning server process at most %.1f%% CPU (it waited for a CPU %.1f%% of the time), want >= 50%%", peak, waited)
	}
	waitGoroutines(t, before)
}

func TestSamplerWithContextAlreadyEnded(t *testing.T) {
	before := runtime.NumGoroutine()
	s := NewSampler(SamplerOptions{Interval: time.Hour})
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	start := time.Now()
	if err := s.Run(ctx); err != nil {
		t.Errorf("Run: %v", err)
	}
	if took := time.Since(start); took > 3*time.Second {
		t.Errorf("Run took %v with an ended context, want it to return promptly", took)
	}
	select {
	case <-s.Ready():
	default:
		t.Error("Ready is not closed after Run returned")
	}
	if got := len(s.Samples()); got != 1 {
		t.Errorf("got %d samples, want 1 (the last one, taken after the context ended)", got)
	}
	waitGoroutines(t, before)
}

// peakProcessCPU is the highest CPU percent of the process in role across samples.
func peakProcessCPU(samples []results.Snapshot, role string) float64 {
	var peak float64
	for _, s := range samples {
		for _, p := range s.Processes {
			if p.Role == role {
				peak = max(peak, p.CPUPercent)
			}
		}
	}
	return peak
}
