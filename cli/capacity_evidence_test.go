package cli

import (
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/loadtestdev/loadtest/results"
)

// capRunStart is when the synthetic runs of these tests start; they last 3 s.
var capRunStart = time.Date(2026, 12, 4, 12, 0, 0, 0, time.UTC)

// capServerBusy gives r a 3 s run and a server side sampled once a second in which the server
// process used cpuPercent of one core on a host of numCPU cores; a sample before the run and
// one long after it show the process at 100% of the host, which must not count.
func capServerBusy(r *results.Result, cpuPercent float64, numCPU int) {
	r.Started, r.Ended, r.DurationS = capRunStart, capRunStart.Add(3*time.Second), 3
	var samples []results.Snapshot
	for i, at := range []float64{-0.25, 1, 2, 3, 60} {
		busy := cpuPercent
		if i == 0 || i == 4 {
			busy = 100 * float64(numCPU)
		}
		samples = append(samples, results.Snapshot{Time: capRunStart.Add(time.Duration(at * float64(time.Second))), NumCPU: numCPU,
			CPU:       results.CPUPercent{Idle: 100 - busy/float64(numCPU)},
			Processes: []results.Process{{PID: 7, Role: results.RoleServer, CPUPercent: busy}}})
	}
	r.Host = &results.Host{Generator: results.NewHostSeries("local", true, nil), Server: results.NewHostSeries("pid 7", true, samples)}
}

// capConvergedProbe is a probe that converged at rate: rate passed, rate × 1.04 failed.
func capConvergedProbe(rate float64) *results.Probe {
	return &results.Probe{SLOs: []string{"p99<100ms"}, SustainableRate: rate, Converged: true, Stop: results.ProbeConverged,
		Bracket: &results.ProbeBracket{HighestPassed: rate, LowestFailed: rate * 1.04}, Precision: 0.05, PrecisionReached: 0.04 / 1.04}
}

func capWrite(t *testing.T, r *results.Result) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "r.json")
	if err := results.WriteFile(path, r); err != nil {
		t.Fatal(err)
	}
	return path
}

// TestCapacityPlanFromEvidenceOnly: plan --from takes a run's throughput only when the run
// shows it ran at the server's limit; from any other run it exits 2, names loadtest probe and
// --server-rps and, where the server's CPU was sampled, the utilization law's bound.
func TestCapacityPlanFromEvidenceOnly(t *testing.T) {
	kept := func() *results.Result {
		return &results.Result{Schema: results.Schema, Scenario: "echo", RateAsked: 50, Rate: 50, Throughput: 50}
	}
	behind := func(cause, cpuSaturated float64) results.Warning {
		return results.Warning{Code: "behind_schedule", Message: "5.0% of the requests left more than 10ms late",
			Values: map[string]float64{"cause": cause, "cpu_saturated": cpuSaturated}}
	}
	tests := []struct {
		name     string
		edit     func(*results.Result)
		code     int
		want     []string // in stderr (refused) or in the text plan (taken)
		evidence string   // in the JSON's inputs.server_rps_evidence
	}{
		{"kept up, nothing sampled", func(*results.Result) {}, ExitUsage,
			[]string{"--from ", "does not show where the server saturates", "(50 req/s asked)", "loadtest probe echo", "--server-rps"}, ""},
		{"kept up, server 4% busy", func(r *results.Result) { capServerBusy(r, 4, 1) }, ExitUsage,
			[]string{"the server was 4% busy at 50 req/s (server process); by the utilization law it might hold about 1,250 req/s", "loadtest probe", "--server-rps"}, ""},
		{"kept up, server 8% of one of two cores", func(r *results.Result) { capServerBusy(r, 8, 2) }, ExitUsage,
			[]string{"the server was 4% busy at 50 req/s", "about 1,250 req/s"}, ""},
		{"kept up, remote server host 40% busy", func(r *results.Result) {
			capServerBusy(r, 40, 1)
			r.Host.Server.SameHost = false
			for i := range r.Host.Server.Samples {
				r.Host.Server.Samples[i].Processes = nil
			}
		}, ExitUsage, []string{"the server was 40% busy at 50 req/s (server host); by the utilization law it might hold about 125 req/s"}, ""},
		{"behind, generator to blame", func(r *results.Result) { r.Warnings = []results.Warning{behind(2, 0)} }, ExitUsage,
			[]string{"the load generator limited it (behind_schedule)", "loadtest probe"}, ""},
		{"behind on connections, CPU saturated", func(r *results.Result) { r.Warnings = []results.Warning{behind(1, 1)} }, ExitUsage,
			[]string{"the load generator limited it"}, ""},
		{"behind on connections, generator fine", func(r *results.Result) { r.Warnings = []results.Warning{behind(1, 0)} }, ExitOK,
			[]string{"per-server rate: 50 req/s, the throughput of", "evidence of saturation: the run fell behind its schedule with all its connections busy"}, "behind_schedule"},
		{"server CPU full", func(r *results.Result) { capServerBusy(r, 190, 2) }, ExitOK,
			[]string{"evidence of saturation: the server's CPU was 95% busy during the run (server process, mean of 3 samples)"}, "95% busy"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := kept()
			tt.edit(r)
			path := capWrite(t, r)
			code, out, errOut := capRun(t, "plan", "--dau", "200000", "--from", path)
			if code != tt.code {
				t.Fatalf("exit code: got %d, want %d\nstdout:\n%s\nstderr:\n%s", code, tt.code, out, errOut)
			}
			text := out
			if code != ExitOK {
				text = errOut
				if out != "" {
					t.Errorf("a refused plan printed a plan:\n%s", out)
				}
			}
			for _, w := range tt.want {
				if !strings.Contains(text, w) {
					t.Errorf("output lacks %q:\n%s", w, text)
				}
			}
			if code != ExitOK {
				return
			}
			_, js, _ := capRun(t, "plan", "--dau", "200000", "--from", path, "-o", "json")
			var doc struct {
				Inputs struct {
					ServerRPS float64 `json:"server_rps"`
					Source    string  `json:"server_rps_source"`
					Evidence  string  `json:"server_rps_evidence"`
				} `json:"inputs"`
			}
			if err := json.Unmarshal([]byte(js), &doc); err != nil {
				t.Fatal(err)
			}
			if doc.Inputs.ServerRPS != 50 || doc.Inputs.Source != "throughput of "+path || !strings.Contains(doc.Inputs.Evidence, tt.evidence) {
				t.Errorf("json inputs %+v: want 50 req/s from the throughput of %s, evidence with %q", doc.Inputs, path, tt.evidence)
			}
		})
	}
}

// TestCapacityPlanFromProbeEvidence: a probe that converged gives its sustainable rate with
// the bracket as evidence; one that did not converge is refused (exit 2) with the reason and
// what to do, --server-rps among it.
func TestCapacityPlanFromProbeEvidence(t *testing.T) {
	probe := func(edit func(*results.Probe)) string {
		r := &results.Result{Schema: results.Schema, Scenario: "echo", Throughput: 800}
		r.Probe = capConvergedProbe(800)
		edit(r.Probe)
		return capWrite(t, r)
	}
	tests := []struct {
		name string
		edit func(*results.Probe)
		code int
		want []string
	}{
		{"converged", func(*results.Probe) {}, ExitOK,
			[]string{"per-server rate: 800 req/s, the probe.sustainable_rate of", "evidence of saturation: the probe converged: 800 req/s met p99<100ms and 832 req/s failed (3.8% apart, --precision 5%)"}},
		{"max steps ran out", func(p *results.Probe) {
			p.Converged, p.Stop, p.Bracket.LowestFailed, p.PrecisionReached = false, results.ProbeMaxSteps, 1600, 0.5
		}, ExitUsage, []string{"the probe did not converge on the server's limit: 800 req/s passed and 1,600 req/s failed, 50% apart, wider than --precision 5%", "raise --max-steps", "--server-rps"}},
		{"every step passed", func(p *results.Probe) {
			p.Converged, p.Stop, p.Bracket.LowestFailed, p.PrecisionReached = false, results.ProbeMaxRate, 0, 0
		}, ExitUsage, []string{"every step passed up to --max 800 req/s", "raise --max", "--server-rps"}},
		{"the generator was the limit", func(p *results.Probe) {
			p.Converged, p.Stop, p.Bracket.LowestFailed, p.PrecisionReached, p.GeneratorLimit = false, results.ProbeGenerator, 0, 0, 830
		}, ExitUsage, []string{"the step at 830 req/s failed because the load generator limited it, not the server", "more generators", "--server-rps"}},
		{"older probe", func(p *results.Probe) { *p = results.Probe{SLOs: p.SLOs, SustainableRate: 800} }, ExitUsage,
			[]string{"does not say whether it converged", "re-run loadtest probe", "--server-rps"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := probe(tt.edit)
			code, out, errOut := capRun(t, "plan", "--dau", "200000", "--from", path)
			if code != tt.code {
				t.Fatalf("exit code: got %d, want %d\nstdout:\n%s\nstderr:\n%s", code, tt.code, out, errOut)
			}
			text := out
			if code != ExitOK {
				text = errOut
			}
			for _, w := range tt.want {
				if !strings.Contains(text, w) {
					t.Errorf("output lacks %q:\n%s", w, text)
				}
			}
		})
	}
}
