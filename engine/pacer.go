package engine

import (
	"fmt"
	"math"
	"sort"
	"time"

	vegeta "github.com/tsenart/vegeta/v12/lib"
)

// Pacer is a vegeta.Pacer that also knows its own schedule: SendTime(n) is the time, since the
// start of the attack, at which hit n (0-based) is meant to be sent. The engine measures each
// hit's latency from that instant, so the wait of a hit that could not be sent on time (every
// worker busy) is counted: the correction for coordinated omission.
type Pacer interface {
	vegeta.Pacer
	SendTime(n uint64) time.Duration
}

// Stage is one piece of a ramped rate: over Duration the rate moves linearly from the previous
// stage's rate (0 before the first) to RatePerSec.
type Stage struct {
	Duration   time.Duration
	RatePerSec float64
}

// ConstantPacer sends RatePerSec hits per second for Duration (forever when 0): hit n is due at
// t_n = n / RatePerSec, so a run of d seconds is to send ceil(RatePerSec·d) hits. Duration is a
// hard stop: once it has elapsed no hit is sent, also when the workers fell behind and hits
// due before it are still waiting (the run reports them as not sent). A hit due before the end
// may still leave up to lateAfter after it, the lag the engine tolerates before calling a hit
// late.
type ConstantPacer struct {
	RatePerSec float64
	Duration   time.Duration
}

var _ Pacer = ConstantPacer{}

// SendTime returns t_n = n / rate.
func (p ConstantPacer) SendTime(n uint64) time.Duration {
	return time.Duration(float64(n) / p.RatePerSec * float64(time.Second))
}

// Pace implements vegeta.Pacer: wait until hit n's send time; stop once that is past Duration,
// or the time elapsed is past it by more than lateAfter.
func (p ConstantPacer) Pace(elapsed time.Duration, hits uint64) (time.Duration, bool) {
	if p.RatePerSec <= 0 {
		return 0, true
	}
	t := p.SendTime(hits)
	if p.Duration > 0 && (t >= p.Duration || elapsed >= p.Duration+lateAfter) {
		return 0, true
	}
	return t - elapsed, false
}

// Rate implements vegeta.Pacer.
func (p ConstantPacer) Rate(time.Duration) float64 { return p.RatePerSec }

// StagesPacer ramps the rate linearly through a list of stages (k6's ramping-arrival-rate,
// where vegeta's LinearPacer covers one ramp only). With r(t) piecewise linear, the cumulative
// hit count N(t) = ∫₀ᵗ r is piecewise quadratic and hit n is due at t_n = N⁻¹(n).
type StagesPacer struct {
	segs      []segment
	total     time.Duration
	totalHits float64
}

// segment is one stage in absolute terms: it starts at start (seconds) with hits hits already
// due and ends with end hits due, and its rate moves from r0 to r1 over dur seconds.
type segment struct {
	start, dur, r0, r1, hits, end float64
}

// NewStagesPacer returns the pacer of stages; every duration must be positive and every rate
// non-negative, and at least one stage must send something.
func NewStagesPacer(stages []Stage) (*StagesPacer, error) {
	if len(stages) == 0 {
		return nil, fmt.Errorf("engine: no stages")
	}
	p := &StagesPacer{segs: make([]segment, 0, len(stages))}
	prev, start, hits := 0.0, 0.0, 0.0
	for i, s := range stages {
		if s.Duration <= 0 {
			return nil, fmt.Errorf("engine: stage %d: duration %s is not positive", i+1, s.Duration)
		}
		if s.RatePerSec < 0 || math.IsNaN(s.RatePerSec) || math.IsInf(s.RatePerSec, 0) {
			return nil, fmt.Errorf("engine: stage %d: rate %v is not a non-negative number", i+1, s.RatePerSec)
		}
		d := s.Duration.Seconds()
		end := hits + (prev+s.RatePerSec)/2*d
		p.segs = append(p.segs, segment{start: start, dur: d, r0: prev, r1: s.RatePerSec, hits: hits, end: end})
		hits = end
		start += d
		prev = s.RatePerSec
		p.total += s.Duration
	}
	if hits <= 0 {
		return nil, fmt.Errorf("engine: stages send no requests (every rate is 0)")
	}
	p.totalHits = hits
	return p, nil
}

// Duration is the sum of the stages' durations.
func (p *StagesPacer) Duration() time.Duration { return p.total }

// Hits is the number of hits the whole schedule sends (N at the end, fractional).
func (p *StagesPacer) Hits() float64 { return p.totalHits }

// SendTime returns t_n = N⁻¹(n). Inside a segment, N(t) = C + r0·τ + (r1−r0)·τ²/(2D) with
// τ = t − start; solving for τ with the cancellation-free form of the quadratic formula gives
// τ = 2m / (r0 + √(r0² + 2m(r1−r0)/D)), m = n − C. Past the end it returns the total duration.
func (p *StagesPacer) SendTime(n uint64) time.Duration {
	m := float64(n)
	if m >= p.totalHits {
		return p.total
	}
	// the first segment that ends after hit m is due; it sends something (end > m ≥ its start)
	i := sort.Search(len(p.segs), func(i int) bool { return p.segs[i].end > m })
	s := p.segs[i]
	mm := m - s.hits
	if mm <= 0 {
		return secs(s.start)
	}
	disc := math.Max(0, s.r0*s.r0+2*mm*(s.r1-s.r0)/s.dur)
	tau := 2 * mm / (s.r0 + math.Sqrt(disc))
	return secs(s.start + tau)
}

func secs(s float64) time.Duration { return time.Duration(s * float64(time.Second)) }

// Pace implements vegeta.Pacer; like ConstantPacer it stops at the end of the stages even
// when hits due before it were not sent.
func (p *StagesPacer) Pace(elapsed time.Duration, hits uint64) (time.Duration, bool) {
	if float64(hits) >= p.totalHits || elapsed >= p.total+lateAfter {
		return 0, true
	}
	return p.SendTime(hits) - elapsed, false
}

// Rate implements vegeta.Pacer: the rate at elapsed, interpolated within its stage.
func (p *StagesPacer) Rate(elapsed time.Duration) float64 {
	t := elapsed.Seconds()
	for _, s := range p.segs {
		if t < s.start+s.dur {
			f := (t - s.start) / s.dur
			return s.r0 + (s.r1-s.r0)*f
		}
	}
	return p.segs[len(p.segs)-1].r1
}

// maxPacer sends as fast as the workers take hits, for duration (forever when 0).
type maxPacer struct{ duration time.Duration }

func (p maxPacer) Pace(elapsed time.Duration, _ uint64) (time.Duration, bool) {
	return 0, p.duration > 0 && elapsed >= p.duration
}

func (maxPacer) Rate(time.Duration) float64 { return 0 }

// limitPacer stops a pacer after max hits.
type limitPacer struct {
	vegeta.Pacer
	max uint64
}

func (p limitPacer) Pace(elapsed time.Duration, hits uint64) (time.Duration, bool) {
	if hits >= p.max {
		return 0, true
	}
	return p.Pacer.Pace(elapsed, hits)
}
