package engine

import (
	"math"
	"testing"
	"time"
)

func TestConstantPacerSchedule(t *testing.T) {
	p := ConstantPacer{RatePerSec: 200, Duration: 3 * time.Second}
	tests := []struct {
		name string
		n    uint64
		want time.Duration
	}{
		{"first hit at once", 0, 0},
		{"second hit", 1, 5 * time.Millisecond},
		{"one second", 200, time.Second},
		{"last hit", 599, 2995 * time.Millisecond},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := p.SendTime(tt.n); got != tt.want {
				t.Errorf("SendTime(%d) = %s, want %s", tt.n, got, tt.want)
			}
		})
	}
	if wait, stop := p.Pace(time.Second, 200); stop || wait != 0 {
		t.Errorf("Pace(1s, 200) = %s, %v, want 0, false", wait, stop)
	}
	if wait, stop := p.Pace(time.Second, 100); stop || wait != -500*time.Millisecond {
		t.Errorf("Pace(1s, 100) = %s, %v, want -500ms (behind), false", wait, stop)
	}
	if _, stop := p.Pace(3*time.Second, 600); !stop {
		t.Errorf("Pace(3s, 600) did not stop, want stop after 600 hits")
	}
	// the hard stop: hits still due when the time is up are not sent
	if wait, stop := p.Pace(3*time.Second+lateAfter/2, 500); stop || wait >= 0 {
		t.Errorf("Pace(3s+%s, 500) = %s, %v, want a late hit still sent within lateAfter", lateAfter/2, wait, stop)
	}
	if _, stop := p.Pace(3*time.Second+lateAfter, 500); !stop {
		t.Errorf("Pace(3s+%s, 500) did not stop, want stop when the duration is over", lateAfter)
	}
}

func TestStagesPacerQuarters(t *testing.T) {
	// 0→200/s over 1 s, then 200/s for 1 s: N(t) = 100t² in the ramp, so per 250 ms the
	// schedule holds 6.25, 18.75, 31.25, 43.75 hits, then 50 each
	p, err := NewStagesPacer([]Stage{{time.Second, 200}, {time.Second, 200}})
	if err != nil {
		t.Fatal(err)
	}
	var quarter [8]int
	for n := uint64(0); n < 300; n++ {
		quarter[p.SendTime(n)/(250*time.Millisecond)]++
	}
	// hits due in [q/4 s, (q+1)/4 s): n with N(q/4) ≤ n < N((q+1)/4), N = 6.25, 25, 56.25, 100, ...
	want := [8]int{7, 18, 32, 43, 50, 50, 50, 50}
	if quarter != want {
		t.Errorf("hits per quarter = %v, want %v", quarter, want)
	}
	if _, stop := p.Pace(2*time.Second+lateAfter, 290); !stop {
		t.Errorf("Pace(2s+%s, 290) did not stop, want stop at the end of the stages", lateAfter)
	}
}

// near reports whether got is within 1 µs of want (float rounding of the closed forms).
func near(got, want time.Duration) bool { return (got - want).Abs() <= time.Microsecond }

func TestStagesPacerClosedForms(t *testing.T) {
	// 0→100/s over 2 s: N(t) = 25t², t_n = √(n/25); 100/s for 2 s: t_n = 2 + (n−100)/100;
	// 100→0/s over 2 s: N = 300 + 100τ − 25τ², τ = (100 − √(10000 − 100(n−300)))/50.
	p, err := NewStagesPacer([]Stage{{2 * time.Second, 100}, {2 * time.Second, 100}, {2 * time.Second, 0}})
	if err != nil {
		t.Fatal(err)
	}
	if p.Hits() != 400 || p.Duration() != 6*time.Second {
		t.Fatalf("Hits, Duration = %v, %s, want 400, 6s", p.Hits(), p.Duration())
	}
	closed := func(n float64) float64 {
		switch {
		case n <= 100:
			return math.Sqrt(n / 25)
		case n <= 300:
			return 2 + (n-100)/100
		default:
			return 4 + (100-math.Sqrt(10000-100*(n-300)))/50
		}
	}
	for _, n := range []uint64{0, 1, 25, 99, 100, 101, 250, 300, 301, 350, 399} {
		want := secs(closed(float64(n)))
		if got := p.SendTime(n); !near(got, want) {
			t.Errorf("SendTime(%d) = %s, want %s", n, got, want)
		}
	}
	if _, stop := p.Pace(6*time.Second, 400); !stop {
		t.Errorf("Pace after 400 hits did not stop")
	}
	for _, tt := range []struct {
		at   time.Duration
		want float64
	}{{0, 0}, {time.Second, 50}, {3 * time.Second, 100}, {5 * time.Second, 50}, {7 * time.Second, 0}} {
		if got := p.Rate(tt.at); math.Abs(got-tt.want) > 1e-9 {
			t.Errorf("Rate(%s) = %v, want %v", tt.at, got, tt.want)
		}
	}
}

func TestStagesPacerZeroStageAndMonotonic(t *testing.T) {
	// a pause at 0/s between two ramps: no hit is due inside it
	p, err := NewStagesPacer([]Stage{{time.Second, 10}, {time.Second, 0}, {time.Second, 0}, {time.Second, 30}})
	if err != nil {
		t.Fatal(err)
	}
	// 5 hits in the first ramp, 5 in the ramp down, none in the pause, 15 in the last ramp
	if p.Hits() != 25 {
		t.Fatalf("Hits = %v, want 25", p.Hits())
	}
	prev := time.Duration(-1)
	for n := uint64(0); n < 25; n++ {
		got := p.SendTime(n)
		if got < prev {
			t.Fatalf("SendTime(%d) = %s < SendTime(%d) = %s, want non-decreasing", n, got, n-1, prev)
		}
		if got > 2*time.Second && got < 3*time.Second {
			t.Errorf("SendTime(%d) = %s falls in the 0/s pause", n, got)
		}
		prev = got
	}
	// hit 10 is the first of the last ramp: due when it starts (N = 10 at t = 3 s)
	if got := p.SendTime(10); !near(got, 3*time.Second) {
		t.Errorf("SendTime(10) = %s, want 3s", got)
	}
}

func TestNewStagesPacerErrors(t *testing.T) {
	tests := []struct {
		name   string
		stages []Stage
	}{
		{"none", nil},
		{"zero duration", []Stage{{0, 10}}},
		{"negative rate", []Stage{{time.Second, -1}}},
		{"nothing sent", []Stage{{time.Second, 0}}},
		{"NaN rate", []Stage{{time.Second, math.NaN()}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := NewStagesPacer(tt.stages); err == nil {
				t.Errorf("NewStagesPacer(%v) = nil error, want an error", tt.stages)
			}
		})
	}
}
