package collector

import (
	"context"
	"sync"
	"time"

	"github.com/loadtestdev/loadtest/results"
)

// DefaultInterval is how often a Sampler or a StatsPoller takes a sample.
const DefaultInterval = time.Second

// Source is a series of snapshots recorded during a run: a Sampler of this host or a
// StatsPoller of a remote target's GET /stats.
type Source interface {
	// Run records samples until ctx ends, takes one last sample, and returns.
	Run(ctx context.Context) error
	// Ready is closed once the first sample has been attempted, so the caller can start the
	// attack after it (the "before" sample).
	Ready() <-chan struct{}
	// Samples returns a copy of the samples recorded so far, oldest first.
	Samples() []results.Snapshot
}

// SamplerOptions configure a Sampler.
type SamplerOptions struct {
	// Interval between samples; DefaultInterval if 0.
	Interval time.Duration
	// Watch lists the processes to sample besides the host, e.g. Self() and the server child.
	Watch []Watch
}

// Sampler records snapshots of this host and the watched processes: one at once when Run
// starts (before the attack), one every interval, and one last when its context ends (after the
// attack).
type Sampler struct {
	probe    *Probe
	interval time.Duration

	ready     chan struct{}
	readyOnce sync.Once

	mu      sync.Mutex
	samples []results.Snapshot
}

var _ Source = (*Sampler)(nil)

// NewSampler returns a Sampler; call Run to start it.
func NewSampler(opts SamplerOptions) *Sampler {
	interval := opts.Interval
	if interval <= 0 {
		interval = DefaultInterval
	}
	probe := NewProbe(opts.Watch...)
	// The first sample measures CPU over a short window so the attack is not held up; the
	// following ones over the whole interval since the previous sample.
	probe.SetWindows(min(interval, DefaultMinWindow), max(DefaultMaxWindow, 2*interval))
	return &Sampler{probe: probe, interval: interval, ready: make(chan struct{})}
}

// Run samples until ctx ends, then takes one last sample and returns. It returns the first
// error a sample failed with (the other samples are still recorded), or nil.
func (s *Sampler) Run(ctx context.Context) error {
	defer s.markReady()
	var firstErr error
	take := func(ctx context.Context) {
		snap, err := s.probe.Take(ctx)
		if err != nil {
			if firstErr == nil && ctx.Err() == nil {
				firstErr = err
			}
			return
		}
		s.mu.Lock()
		s.samples = append(s.samples, snap)
		s.mu.Unlock()
	}
	take(ctx)
	s.markReady()
	ticker := time.NewTicker(s.interval)
	defer ticker.Stop()
	for {
		select {
		case <-ticker.C:
			take(ctx)
		case <-ctx.Done():
			final, cancel := context.WithTimeout(context.WithoutCancel(ctx), finalSampleTimeout)
			take(final)
			cancel()
			return firstErr
		}
	}
}

// finalSampleTimeout bounds the last sample taken after the run's context has ended.
const finalSampleTimeout = 2 * time.Second

func (s *Sampler) markReady() { s.readyOnce.Do(func() { close(s.ready) }) }

// Ready is closed once the first sample has been taken (or Run has returned).
func (s *Sampler) Ready() <-chan struct{} { return s.ready }

// Samples returns a copy of the samples recorded so far, oldest first.
func (s *Sampler) Samples() []results.Snapshot {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]results.Snapshot(nil), s.samples...)
}
