package cli

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/loadtestdev/loadtest/collector"
	"github.com/loadtestdev/loadtest/results"
)

// sampleRun samples for d as a run would around its attack and returns what finish records.
func sampleRun(t *testing.T, target string, serverPID int, d time.Duration) (*results.Result, string) {
	t.Helper()
	hs := startHostSampling(context.Background(), target, serverPID, 100*time.Millisecond)
	time.Sleep(d)
	r := &results.Result{Errors: []results.ErrorCount{{Class: "other", Message: "dial tcp: socket: too many open files", Count: 3}}}
	var errOut bytes.Buffer
	hs.finish(r, &errOut)
	return r, errOut.String()
}

func TestHostSamplingStartedServer(t *testing.T) {
	child := exec.Command("sleep", "5")
	if err := child.Start(); err != nil {
		t.Skipf("cannot start sleep: %v", err)
	}
	defer func() { _ = child.Process.Kill(); _ = child.Wait() }()
	r, _ := sampleRun(t, "http://127.0.0.1:1", child.Process.Pid, 350*time.Millisecond)
	if r.Host == nil || r.Host.Generator == nil || r.Host.Server == nil {
		t.Fatalf("got host %+v, want both sides", r.Host)
	}
	gen, srv := r.Host.Generator, r.Host.Server
	if len(gen.Samples) < 3 || len(srv.Samples) != len(gen.Samples) {
		t.Errorf("got %d generator and %d server samples, want at least 3 of each", len(gen.Samples), len(srv.Samples))
	}
	if !srv.SameHost || srv.Origin != fmt.Sprintf("pid %d", child.Process.Pid) {
		t.Errorf("got server origin %q same host %v, want pid %d on the same host", srv.Origin, srv.SameHost, child.Process.Pid)
	}
	for i := range gen.Samples {
		if p := gen.Samples[i].Processes; len(p) != 1 || p[0].Role != results.RoleGenerator {
			t.Errorf("generator sample %d: got processes %+v, want only the generator", i, p)
		}
		if p := srv.Samples[i].Processes; len(p) != 1 || p[0].Role != results.RoleServer {
			t.Errorf("server sample %d: got processes %+v, want only the server", i, p)
		}
	}
	if _, ok := gen.Summary["generator_cpu_percent"]; !ok {
		t.Errorf("got generator summary %v, want generator_cpu_percent", gen.Summary)
	}
	var codes []string
	for _, w := range r.Warnings {
		codes = append(codes, w.Code)
	}
	if !strings.Contains(strings.Join(codes, ","), collector.WarnGeneratorFDs) {
		t.Errorf("got warnings %v, want %s from the \"too many open files\" errors", codes, collector.WarnGeneratorFDs)
	}
}

func TestHostSamplingRemoteStats(t *testing.T) {
	ts := httptest.NewServer(collector.StatsHandler(results.RoleServer))
	defer ts.Close()
	r, note := sampleRun(t, ts.URL, 0, 600*time.Millisecond)
	if r.Host == nil || r.Host.Server == nil {
		t.Fatalf("got host %+v, want a server side from /stats", r.Host)
	}
	if s := r.Host.Server; len(s.Samples) < 2 || s.Origin != ts.URL+"/stats" || !s.SameHost {
		t.Errorf("got %d server samples from %q (same host %v), want at least 2 from %s/stats on this host", len(s.Samples), s.Origin, s.SameHost, ts.URL)
	}
	if note != "" {
		t.Errorf("got note %q, want none", note)
	}
}

func TestHostSamplingTargetWithoutStats(t *testing.T) {
	ts := httptest.NewServer(http.NotFoundHandler())
	defer ts.Close()
	r, note := sampleRun(t, ts.URL, 0, 250*time.Millisecond)
	if r.Host == nil || r.Host.Generator == nil || r.Host.Server != nil {
		t.Fatalf("got host %+v, want only the generator side", r.Host)
	}
	if !strings.Contains(note, "404") {
		t.Errorf("got note %q, want one naming the 404", note)
	}
}

func TestLoopbackTarget(t *testing.T) {
	tests := []struct {
		target string
		want   bool
	}{
		{"http://127.0.0.1:8080", true},
		{"http://[::1]:8080/x", true},
		{"http://localhost:8080", true},
		{"http://0.0.0.0:8080", true},
		{"http://10.1.2.3:8080", false},
		{"https://api.example.com", false},
	}
	for _, tt := range tests {
		if got := loopbackTarget(tt.target); got != tt.want {
			t.Errorf("loopbackTarget(%q): got %v, want %v", tt.target, got, tt.want)
		}
	}
}

// TestRunEchoWritesHostSection is the end-to-end check: a 3 s `loadtest run echo`
// (bundled server) writes a host section with at least 3 samples for each side.
func TestRunEchoWritesHostSection(t *testing.T) {
	bin := loadtestBinary(t)
	out := filepath.Join(t.TempDir(), "r.json")
	cmd := exec.Command(bin, "run", "echo", "--duration", "3s", "--rate", "50/s", "--out", out, "--quiet", "--no-thresholds") // not a speed test
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
