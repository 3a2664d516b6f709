package cli

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

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
// 10%: the sustainable rate is 100/s.
func TestProbeBisects(t *testing.T) {
	if testing.Short() {
		t.Skip("probes for several seconds")
	}
	srv := limitedServer(t, 64, 0)
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
	if got == nil || got.Scenario != "echo" || len(got.SLOs) != 2 || got.startRate != 10 || got.maxRate != 2000 ||
		got.Connections != 8 || !got.set["connections"] || got.set["timeout"] || !got.set["duration"] || got.Duration != 3*time.Second || got.StepDuration != 3*time.Second || got.Pause != 0 || got.PrecisionPct != 2.5 {
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
