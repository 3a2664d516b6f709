package cli

import (
	"bytes"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/loadtestdev/loadtest/results"
)

// TestRunEchoWritesHostSection is the end-to-end check: a 3 s `loadtest run echo`
// (bundled server) writes a host section with at least 3 samples for each side. Sampled every
// 100ms, so that 3 samples do not hinge on the run's timing (about 30 are due).
func TestRunEchoWritesHostSection(t *testing.T) {
	bin := loadtestBinary(t)
	out := filepath.Join(t.TempDir(), "r.json")
	cmd := exec.Command(bin, "run", "echo", "--duration", "3s", "--rate", "50/s", "--sample-interval", "100ms", "--out", out, "--quiet", "--no-thresholds") // not a speed test
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("loadtest run echo: %v\n%s", err, stderr.String())
	}
	r := readResult(t, out)
	if r.Host == nil || r.Host.Generator == nil || r.Host.Server == nil {
		t.Fatalf("got host section %+v, want both sides", r.Host)
	}
	for side, hs := range map[string]*results.HostSeries{"generator": r.Host.Generator, "server": r.Host.Server} {
		if len(hs.Samples) < 3 {
			t.Errorf("%s: got %d samples, want at least 3", side, len(hs.Samples))
		}
		if st, ok := hs.Summary["load1"]; !ok || st.Min > st.Mean || st.Mean > st.Max {
			t.Errorf("%s: got load1 summary %+v (present %v), want min <= mean <= max", side, st, ok)
		}
		if _, ok := hs.Summary[side+"_cpu_percent"]; !ok {
			t.Errorf("%s: got summary series %v, want %s_cpu_percent", side, hs.Summary, side)
		}
	}
	if first, last := r.Host.Generator.Samples[0].Time, r.Host.Generator.Samples[len(r.Host.Generator.Samples)-1].Time; !first.Before(r.Started) || !last.After(r.Ended) {
		t.Errorf("got samples from %v to %v, want the first before the attack started (%v) and the last after it ended (%v)", first, last, r.Started, r.Ended)
	}
}
