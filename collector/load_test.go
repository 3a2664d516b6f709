package collector

import (
	"math"
	"strings"
	"testing"

	"github.com/loadtestdev/loadtest/results"
)

// steadyLoad returns the 1-minute load average after sec seconds of a steady n runnable tasks,
// from before, as Linux computes it every 5 s.
func steadyLoad(before, n, sec float64) float64 {
	d := math.Exp(-5.0 / 60)
	l := before
	for t := 5.0; t <= sec; t += 5 {
		l = l*d + n*(1-d)
	}
	return l
}

func TestServerLoadWarningCountsOnlyTheRunsLoad(t *testing.T) {
	tests := []struct {
		name    string
		samples []results.Snapshot
		want    bool
		// wantDuring is the load_during value when the warning fires
		wantDuring float64
	}{
		{
			// the old rule fired here: load1 4.4 > 2 cores, all of it from before the run
			name: "a busy hour before the run, idle during it",
			samples: []results.Snapshot{srvAt(0, 6, 2, 60), srvAt(10, steadyLoad(6, 0.5, 10), 2, 70),
				srvAt(20, steadyLoad(6, 0.5, 20), 2, 70)},
		},
		{
			name: "the run added load above the cores, CPU full",
			samples: []results.Snapshot{srvAt(0, 0.3, 2, 95), srvAt(10, steadyLoad(0.3, 4, 10), 2, 0),
				srvAt(20, steadyLoad(0.3, 4, 20), 2, 1)},
			want: true, wantDuring: 4,
		},
		{
			name: "the run added load under the cores",
			samples: []results.Snapshot{srvAt(0, 0.3, 2, 95), srvAt(10, steadyLoad(0.3, 1.5, 10), 2, 20),
				srvAt(20, steadyLoad(0.3, 1.5, 20), 2, 25)},
		},
		{
			// load average above the cores, but from tasks waiting for I/O: the CPU had room
			name: "load from I/O wait, CPU idle",
			samples: []results.Snapshot{srvAt(0, 0.3, 2, 95), srvAt(10, steadyLoad(0.3, 4, 10), 2, 70),
				srvAt(20, steadyLoad(0.3, 4, 20), 2, 70)},
		},
		{
			name:    "a run shorter than one load update says nothing",
			samples: []results.Snapshot{srvAt(0, 6, 2, 0), srvAt(2, 6, 2, 0)},
		},
		{
			name:    "a single sample says nothing",
			samples: []results.Snapshot{srvAt(0, 6, 2, 0)},
		},
		{
			name: "load from before that went on during the run, CPU full",
			samples: []results.Snapshot{srvAt(0, 5, 2, 0), srvAt(10, steadyLoad(5, 5, 10), 2, 0),
				srvAt(20, steadyLoad(5, 5, 20), 2, 0)},
			want: true, wantDuring: 5,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w, got := serverLoadWarning(Assessment{Server: tt.samples})
			if got != tt.want {
				t.Fatalf("fired %v (%+v), want %v", got, w, tt.want)
			}
			if !got {
				return
			}
			if d := w.Values["load_during"]; math.Abs(d-tt.wantDuring) > 0.05 {
				t.Errorf("got load_during %v, want %v", d, tt.wantDuring)
			}
			before := tt.samples[0].Load.Load1 > float64(tt.samples[0].NumCPU)
			if says := strings.Contains(w.Message, "already loaded before the run"); says != before {
				t.Errorf("got message %q, want it to say the load before the run: %v", w.Message, before)
			}
		})
	}
}

func TestLoadDuringRunInvertsTheKernelAverage(t *testing.T) {
	tests := []struct {
		name          string
		before, n     float64
		sec           float64
		wantUpdates   int
		wantDuringMin float64
		wantDuringMax float64
	}{
		{"rising", 0, 3, 30, 6, 2.99, 3.01},
		{"decaying", 8, 1, 60, 12, 0.99, 1.01},
		{"steady", 2, 2, 15, 3, 1.99, 2.01},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			l, ok := loadDuringRun([]results.Snapshot{srvAt(0, tt.before, 4, 50), srvAt(tt.sec, steadyLoad(tt.before, tt.n, tt.sec), 4, 50)})
			if !ok || l.Updates != tt.wantUpdates || l.During < tt.wantDuringMin || l.During > tt.wantDuringMax {
				t.Errorf("got %+v (ok %v), want %d updates and about %v runnable", l, ok, tt.wantUpdates, tt.n)
			}
		})
	}
}
