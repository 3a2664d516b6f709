package cli

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"math"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/loadtestdev/loadtest/collector"
	"github.com/loadtestdev/loadtest/results"
)

// limitedServer serves every request in serviceTime with at most slots at once; the others
// wait for a slot. Its capacity is slots/serviceTime requests per second.
func limitedServer(t *testing.T, slots int, serviceTime time.Duration) *httptest.Server {
	t.Helper()
	sem := make(chan struct{}, slots)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case sem <- struct{}{}:
		case <-r.Context().Done():
			return
		}
		time.Sleep(serviceTime)
		<-sem
		_, _ = w.Write([]byte("ok"))
	}))
	t.Cleanup(srv.Close)
	return srv
}

// statsServer is limitedServer that also answers GET /stats as the bundled server does (this
// process in the server role), so that a run samples both sides.
func statsServer(t *testing.T, slots int, serviceTime time.Duration) *httptest.Server {
	t.Helper()
	limited := limitedServer(t, slots, serviceTime)
	stats := collector.StatsHandler(results.RoleServer)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/stats" {
			stats.ServeHTTP(w, r)
			return
		}
		limited.Config.Handler.ServeHTTP(w, r)
	}))
	t.Cleanup(srv.Close)
	return srv
}

func probeScenario(t *testing.T) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "probe.yaml")
	yaml := "name: limited\nrequests:\n  - name: hit\n    path: /\n"
	if err := os.WriteFile(path, []byte(yaml), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

func probeCLI(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	var out, errOut bytes.Buffer
	code := Execute(NewRootCmd(&IOStreams{In: strings.NewReader(""), Out: &out, ErrOut: &errOut}), append([]string{"probe"}, args...))
	return code, out.String(), errOut.String()
}

func readProbeResult(t *testing.T, path string) *results.Result {
	t.Helper()
	r := readResult(t, path)
	if r.Probe == nil {
		t.Fatal("the result file has no probe section")
	}
	return r
}

// TestProbeBisects checks the exact sequence of steps against an SLO the test controls by
// counts: "requests<=100" holds for a 1 s step at up to 100/s (ceil(rate × 1 s) requests) and
// breaks above, whatever the speed of the machine. From 50/s the probe doubles to 100 (pass)
// and 200 (fail), then bisects 150, 125, 113, 107 (all fail) until pass and fail are within
// 10%: the sustainable rate is 100/s. The probe converged on [100, 107]; every step records
// what a run records (counts, status codes, host samples of both sides); and plan --from
// the probe plans on 100 req/s.
func TestProbeBisects(t *testing.T) {
	if testing.Short() {
		t.Skip("probes for several seconds")
	}
	srv := statsServer(t, 64, 0)
	out := filepath.Join(t.TempDir(), "probe.json")
	code, stdout, stderr := probeCLI(t, probeScenario(t), "--target", srv.URL,
		"--slo", "requests<=100", "--start", "50/s", "--max", "1000/s",
		"--step-duration", "1s", "--pause", "0s", "--precision", "10", "--max-steps", "10", "--out", out)
	if code != ExitOK {
		t.Fatalf("exit code: got %d, want 0\nstdout:\n%s\nstderr:\n%s", code, stdout, stderr)
	}
	r := readProbeResult(t, out)
	var asked []float64
	for _, s := range r.Probe.Steps {
		asked = append(asked, s.RateAsked)
	}
	want := []float64{50, 100, 200, 150, 125, 113, 107}
	if fmt.Sprint(asked) != fmt.Sprint(want) {
		t.Errorf("steps asked %v, want %v\n%s", asked, want, stdout)
	}
	if r.Probe.SustainableRate != 100 || r.RateAsked != 100 || r.Requests != 100 {
		t.Errorf("sustainable %v/s, result of the %v/s step with %d requests; want 100, 100, 100", r.Probe.SustainableRate, r.RateAsked, r.Requests)
	}
	if !strings.Contains(stdout, "sustainable rate: ") || !strings.Contains(stderr, "step 1: 50.00 req/s asked") {
		t.Errorf("output: want the steps table and progress\nstdout:\n%s\nstderr:\n%s", stdout, stderr)
	}
	checkProbeConverged(t, r.Probe, stdout)
	checkProbeStepsRecorded(t, r.Probe)
	code, js, errOut := capRun(t, "plan", "--dau", "200000", "--from", out, "-o", "json")
	if code != ExitOK || !strings.Contains(js, `"server_rps": 100,`) || !strings.Contains(js, "the probe converged: 100 req/s met requests<=100 and 107 req/s failed") {
		t.Errorf("plan --from the probe: exit %d, want 0 on 100 req/s with the bracket as evidence\n%s%s", code, js, errOut)
	}
}

func checkProbeConverged(t *testing.T, p *results.Probe, stdout string) {
	t.Helper()
	if !p.Converged || p.Stop != results.ProbeConverged || p.Bracket == nil || p.Bracket.HighestPassed != 100 || p.Bracket.LowestFailed != 107 ||
		p.Precision != 0.1 || math.Abs(p.PrecisionReached-7.0/107) > 1e-9 {
		t.Errorf("probe converged %v (%s), bracket %+v, precision %v reached %v; want converged on [100, 107], 10%%, %v",
			p.Converged, p.Stop, p.Bracket, p.Precision, p.PrecisionReached, 7.0/107)
	}
	if want := "converged: 100.00 req/s passed, 107.00 req/s failed (6.5% apart, --precision 10%)"; !strings.Contains(stdout, want) {
		t.Errorf("stdout lacks %q:\n%s", want, stdout)
	}
}

// checkProbeStepsRecorded: each step of a 1 s step probe planned ceil(rate) requests, and
// every request it sent is counted and was answered 200; it sampled both hosts.
func checkProbeStepsRecorded(t *testing.T, p *results.Probe) {
	t.Helper()
	for _, s := range p.Steps {
		if s.Planned != uint64(math.Ceil(s.RateAsked)) || s.Sent == 0 || s.Sent > s.Planned || s.Requests != s.Sent ||
			s.StatusCodes["200"] != s.Requests || s.Successes != s.Requests {
			t.Errorf("step at %v/s: planned %d sent %d requests %d successes %d codes %v; want %v planned, every request sent counted, all 200",
				s.RateAsked, s.Planned, s.Sent, s.Requests, s.Successes, s.StatusCodes, math.Ceil(s.RateAsked))
		}
		if s.Host == nil || s.Host.Generator == nil || len(s.Host.Generator.Samples) == 0 || s.Host.Server == nil || len(s.Host.Server.Samples) == 0 {
			t.Errorf("step at %v/s: host %+v, want samples of the generator and of the server", s.RateAsked, s.Host)
		}
		if !s.Passed && s.FailedBy != results.FailedByServer {
			t.Errorf("step at %v/s failed by %q, want server", s.RateAsked, s.FailedBy)
		}
	}
}

func TestProbeStopsAtMaxSteps(t *testing.T) {
	srv := limitedServer(t, 64, time.Millisecond)
	out := filepath.Join(t.TempDir(), "probe.json")
	// requests>=1 holds for any step that sends: the second step must double
	code, stdout, stderr := probeCLI(t, probeScenario(t), "--target", srv.URL, "--slo", "requests>=1",
		"--start", "20/s", "--step-duration", "500ms", "--pause", "0s", "--max-steps", "2", "--out", out, "--quiet")
	if code != ExitOK {
		t.Fatalf("exit code: got %d, want 0\nstdout:\n%s\nstderr:\n%s", code, stdout, stderr)
	}
	r := readProbeResult(t, out)
	steps := r.Probe.Steps
	if len(steps) != 2 || steps[0].RateAsked != 20 || steps[1].RateAsked != 40 {
		t.Errorf("got steps %+v, want two: 20/s, then 40/s", steps)
	}
	if stderr != "" {
		t.Errorf("--quiet: got stderr %q, want nothing", stderr)
	}
	p := r.Probe
	if p.Converged || p.Stop != results.ProbeMaxSteps || !strings.Contains(stdout, "not converged: raise --max-steps") ||
		!strings.Contains(stdout, "sustainable rate: at least 40.00 req/s, not the server's limit") {
		t.Errorf("converged %v, stop %q; want not converged (max_steps) and said so:\n%s", p.Converged, p.Stop, stdout)
	}
	code, _, errOut := capRun(t, "plan", "--dau", "200000", "--from", out)
	if code != ExitUsage || !strings.Contains(errOut, "did not converge") || !strings.Contains(errOut, "raise --max-steps") || !strings.Contains(errOut, "--server-rps") {
		t.Errorf("plan --from the probe: exit %d, want 2 saying it did not converge, raise --max-steps or give --server-rps\n%s", code, errOut)
	}
}

// TestProbeFlagBinding checks, through the run-function hook, what the flags bind, without
// sending load.
func TestProbeFlagBinding(t *testing.T) {
	var got *probeOptions
	cmd := newCmdProbe(&IOStreams{Out: io.Discard, ErrOut: io.Discard}, func(_ context.Context, o *probeOptions) error {
		got = o
		return nil
	})
	cmd.SetArgs([]string{"echo", "--slo", "p99<10ms", "--slo", "errors<1%", "--start", "10/s", "--max", "2/ms", "-c", "8",
		"--step-duration", "3s", "--pause", "0s", "--precision", "2.5"})
	if err := cmd.Execute(); err != nil {
		t.Fatal(err)
	}
	if got == nil || got.Scenario != "echo" || len(got.SLOs) != 2 || got.StartRate != 10 || got.MaxRate != 2000 ||
		got.Connections != 8 || !got.Set["connections"] || got.Set["timeout"] || !got.Set["duration"] || got.Duration != 3*time.Second || got.StepDuration != 3*time.Second || got.Pause != 0 || got.PrecisionPct != 2.5 {
		t.Errorf("bound options %+v", got)
	}
}

func TestProbeNothingHolds(t *testing.T) {
	srv := limitedServer(t, 8, time.Millisecond)
	code, stdout, stderr := probeCLI(t, probeScenario(t), "--target", srv.URL, "--slo", "p99<1us",
		"--start", "20/s", "--step-duration", "300ms", "--pause", "0s", "--max-steps", "2", "--quiet")
	if code != ExitThresholds || !strings.Contains(stdout, "sustainable rate: none") || !strings.Contains(stderr, "no step met the SLOs") {
		t.Errorf("got %d\nstdout:\n%s\nstderr:\n%s\nwant 99 and no sustainable rate", code, stdout, stderr)
	}
}

func TestProbeBadInput(t *testing.T) {
	sc := probeScenario(t)
	tests := []struct {
		name string
		args []string
		want string
	}{
		{"bad slo", []string{sc, "--target", "http://127.0.0.1:1", "--slo", "p99<2xx"}, `threshold "p99<2xx": at 5: bad value "2xx"`},
		{"duplicate slo", []string{sc, "--target", "http://127.0.0.1:1", "--slo", "p99<1s", "--slo", "p99 < 1000ms"}, "duplicates"},
		{"no slo", []string{sc, "--target", "http://127.0.0.1:1"}, "no SLOs: give --slo EXPR"},
		{"unknown request", []string{sc, "--target", "http://127.0.0.1:1", "--slo", "login.p99<1s"}, `unknown request "login" (known: hit)`},
		{"zero start", []string{sc, "--slo", "p99<1s", "--start", "0"}, "--start \"0\": want a positive rate"},
		{"max below start", []string{sc, "--slo", "p99<1s", "--start", "100/s", "--max", "10/s"}, "--max 10/s is below --start 100/s"},
		{"bad precision", []string{sc, "--slo", "p99<1s", "--precision", "0"}, "--precision 0"},
		{"no steps", []string{sc, "--slo", "p99<1s", "--max-steps", "0"}, "--max-steps 0"},
		{"bad target", []string{sc, "--slo", "p99<1s", "--target", "localhost"}, "--target"},
		{"too many connections", []string{sc, "--slo", "p99<1s", "-c", "1000001"}, "want 1 to 1000000"},
		// no --target: a bad SLO must be refused before the bundled server is started
		{"unknown request, no target", []string{sc, "--slo", "login.p99<1s"}, `unknown request "login"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, _, stderr := probeCLI(t, tt.args...)
			if code != ExitUsage || !strings.Contains(stderr, tt.want) {
				t.Errorf("got %d %q, want 2 and %q", code, stderr, tt.want)
			}
		})
	}
}
