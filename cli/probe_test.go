package cli

import (
	"bytes"
	"math"
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

// TestProbeFindsCapacity probes a server of known capacity (4 slots × 40 ms = 100 req/s):
// above it requests queue, so a step ends late and achieves less than the rate asked, and
// p99 climbs. The machine running the tests is shared, and a step starved of CPU fails too,
// so the probe gets a second attempt before the test fails.
func TestProbeFindsCapacity(t *testing.T) {
	if testing.Short() {
		t.Skip("probes for several seconds")
	}
	const capacity = 100.0
	var got float64
	for attempt := 1; attempt <= 2; attempt++ {
		srv := limitedServer(t, 4, 40*time.Millisecond)
		out := filepath.Join(t.TempDir(), "probe.json")
		code, stdout, stderr := probeCLI(t, probeScenario(t), "--target", srv.URL,
			"--slo", "p99<200ms", "--slo", "errors<1%", "--start", "50/s", "--max", "1000/s",
			"--step-duration", "1s", "--pause", "200ms", "--precision", "5", "--max-steps", "10", "--out", out)
		if code != ExitOK {
			t.Fatalf("exit code: got %d, want 0\nstdout:\n%s\nstderr:\n%s", code, stdout, stderr)
		}
		r := readProbeResult(t, out)
		got = r.Probe.SustainableRate
		if r.RateAsked != got || len(r.Probe.Steps) < 4 || strings.Join(r.Probe.SLOs, " ") != "p99<200ms errors<1%" {
			t.Errorf("result: rate asked %v, %d steps, SLOs %v; want the sustainable step, several steps, both SLOs", r.RateAsked, len(r.Probe.Steps), r.Probe.SLOs)
		}
		if !strings.Contains(stdout, "sustainable rate: ") || !strings.Contains(stderr, "step 1: 50/s asked") {
			t.Errorf("output: want the steps table and progress\nstdout:\n%s\nstderr:\n%s", stdout, stderr)
		}
		t.Logf("attempt %d: capacity %v/s, probe found %v/s in %d steps", attempt, capacity, got, len(r.Probe.Steps))
		if math.Abs(got-capacity)/capacity <= 0.15 {
			return
		}
		t.Logf("steps:\n%s", stdout)
	}
	t.Errorf("sustainable rate: got %v/s, want within 15%% of %v/s", got, capacity)
}

func TestProbeStopsAtMaxSteps(t *testing.T) {
	srv := limitedServer(t, 64, time.Millisecond)
	out := filepath.Join(t.TempDir(), "probe.json")
	code, stdout, stderr := probeCLI(t, probeScenario(t), "--target", srv.URL, "--slo", "errors<1%",
		"--start", "20/s", "--step-duration", "500ms", "--pause", "0s", "--max-steps", "2", "--out", out, "--quiet")
	if code != ExitOK {
		t.Fatalf("exit code: got %d, want 0\nstdout:\n%s\nstderr:\n%s", code, stdout, stderr)
	}
	r := readProbeResult(t, out)
	// The second step doubles to 40/s after a pass, or bisects to 10/s after a failure (a
	// starved shared machine can fail even this light load): either way, two steps only.
	steps := r.Probe.Steps
	if len(steps) != 2 || steps[0].RateAsked != 20 || (steps[1].RateAsked != 40 && steps[1].RateAsked != 10) {
		t.Errorf("got steps %+v, want two: 20/s, then 40/s or 10/s", steps)
	}
	if stderr != "" {
		t.Errorf("--quiet: got stderr %q, want nothing", stderr)
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
