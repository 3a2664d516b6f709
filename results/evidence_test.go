package results_test

import (
	"math"
	"testing"
	"time"

	"github.com/loadtestdev/loadtest/collector"
	"github.com/loadtestdev/loadtest/engine"
	"github.com/loadtestdev/loadtest/results"
)

// TestEvidenceReadsTheWritersCodes: the evidence reads the codes and causes the collector and
// the engine write.
func TestEvidenceReadsTheWritersCodes(t *testing.T) {
	for _, code := range []string{collector.WarnGeneratorCPU, collector.WarnGeneratorHostIdle, collector.WarnGeneratorFDs} {
		r := &results.Result{Warnings: []results.Warning{{Code: code}}}
		if _, ok := r.GeneratorLimited(); !ok {
			t.Errorf("%s: not read as the generator's limit", code)
		}
	}
	for _, c := range []struct {
		cause, cpu    float64
		gen, onServer bool
	}{
		{engine.BehindConnections, 0, false, true},
		{engine.BehindConnections, 1, true, false},
		{engine.BehindGenerator, 0, true, false},
	} {
		r := &results.Result{Warnings: []results.Warning{{Code: "behind_schedule", Values: map[string]float64{"cause": c.cause, "cpu_saturated": c.cpu}}}}
		_, gen := r.GeneratorLimited()
		_, onServer := r.BehindOnServer()
		if gen != c.gen || onServer != c.onServer {
			t.Errorf("cause %v cpu %v: generator %v, on the server %v; want %v, %v", c.cause, c.cpu, gen, onServer, c.gen, c.onServer)
		}
	}
}

// TestServerCPUBusy: the mean busy share of the server over the samples whose interval lies
// mostly within the run; the process's CPU over all cores where it was sampled, else the host's
// when the server is alone on it.
func TestServerCPUBusy(t *testing.T) {
	start := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	at := func(s float64) time.Time { return start.Add(time.Duration(s * float64(time.Second))) }
	sample := func(s, procCPU, idle float64) results.Snapshot {
		snap := results.Snapshot{Time: at(s), NumCPU: 4, CPU: results.CPUPercent{Idle: idle}}
		if procCPU >= 0 {
			snap.Processes = []results.Process{{Role: results.RoleServer, CPUPercent: procCPU}}
		}
		return snap
	}
	tests := []struct {
		name     string
		sameHost bool
		samples  []results.Snapshot
		ok       bool
		share    float64
		basis    string
	}{
		// before (full: not counted, the first sample covers no interval of the run), three in
		// the run (40%, 80% and 120% of 4 cores = 10%, 20%, 30%), one whose 0.5 s lie 0.4 s in
		// the run (30%) and one long after (full, not counted): (10 + 20 + 30 + 30) / 4.
		{"process", true, []results.Snapshot{sample(-0.2, 400, 0), sample(1, 40, 50), sample(2, 80, 50), sample(2.6, 120, 50), sample(3.1, 120, 50), sample(9, 400, 0)},
			true, 0.225, "server process"},
		{"remote host", false, []results.Snapshot{sample(-0.2, -1, 0), sample(1, -1, 75), sample(2, -1, 25), sample(3, -1, 50)},
			true, 0.5, "server host"},
		{"host shared with the generator", true, []results.Snapshot{sample(-0.2, -1, 0), sample(1, -1, 75)}, false, 0, ""},
		{"no sample in the run", true, []results.Snapshot{sample(-0.2, 40, 0), sample(9, 40, 0)}, false, 0, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := &results.Result{Started: start, Ended: at(3),
				Host: &results.Host{Server: &results.HostSeries{SameHost: tt.sameHost, Samples: tt.samples}}}
			got, ok := r.ServerCPUBusy()
			if ok != tt.ok || math.Abs(got.Share-tt.share) > 1e-12 || got.Basis != tt.basis {
				t.Errorf("got %+v, %v; want share %v (%s), %v", got, ok, tt.share, tt.basis, tt.ok)
			}
		})
	}
}
