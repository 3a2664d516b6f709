package cli

import (
	"bytes"
	"context"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/loadtestdev/loadtest/results"
	"github.com/loadtestdev/loadtest/runner/bundled"
)

// runCLI runs loadtest in-process with args and returns the exit code, stdout and stderr.
func runCLI(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	var out, errOut bytes.Buffer
	code := Execute(NewRootCmd(&IOStreams{In: strings.NewReader(""), Out: &out, ErrOut: &errOut}), args)
	return code, out.String(), errOut.String()
}

// countingServer answers every request and counts those of the test scenarios (/a and /b;
// not the host sampler's GET /stats).
func countingServer(t *testing.T) (*httptest.Server, *atomic.Uint64) {
	t.Helper()
	var n atomic.Uint64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/a" || r.URL.Path == "/b" {
			n.Add(1)
		}
		_, _ = w.Write([]byte("ok"))
	}))
	t.Cleanup(srv.Close)
	return srv, &n
}

func writeScenario(t *testing.T, yaml string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "s.yaml")
	if err := os.WriteFile(path, []byte(yaml), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

func readResult(t *testing.T, path string) *results.Result {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	r, err := results.Read(f)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

const twoRequests = `name: two
rate: 10/s
duration: 1s
requests:
  - name: a
    path: /a
    weight: 3
  - name: b
    path: /b?x={{ randInt 1 9 }}
`

func TestRunBadFlags(t *testing.T) {
	sc := writeScenario(t, twoRequests)
	tests := []struct {
		name string
		args []string
		want string
	}{
		{"rate", []string{"run", sc, "--rate", "fast"}, "--rate"},
		{"connections", []string{"run", sc, "--connections", "0"}, "--connections"},
		{"too many connections", []string{"run", sc, "--connections", "10000000"}, "want 1 to 1000000"},
		{"duration", []string{"run", sc, "--duration", "-1s"}, "--duration"},
		{"duration syntax", []string{"run", sc, "--duration", "ten"}, "--duration"},
		{"timeout", []string{"run", sc, "--timeout", "0s"}, "--timeout"},
		{"target", []string{"run", sc, "--target", "ftp://x"}, "--target"},
		{"no scenario", []string{"run"}, "name a scenario"},
		{"both", []string{"run", sc, "--vegeta-targets", "t.txt"}, "not both"},
		{"unknown scenario", []string{"run", "nosuch"}, "nosuch"},
		{"bad scenario", []string{"run", writeScenario(t, "name: x\nrate: fast\n")}, "rate"},
		{"out dir missing", []string{"run", sc, "--target", "http://127.0.0.1:1", "--out", "/nonexistent/dir/r.json"}, "--out"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, _, errOut := runCLI(t, tt.args...)
			if code != ExitUsage {
				t.Errorf("exit code = %d, want %d (stderr %q)", code, ExitUsage, errOut)
			}
			if !strings.Contains(errOut, tt.want) {
				t.Errorf("stderr = %q, want it to name %q", errOut, tt.want)
			}
		})
	}
}

// TestRunFlagBinding checks, through the run-function hook, what the flags bind, without
// sending load.
func TestRunFlagBinding(t *testing.T) {
	var got *runOptions
	cmd := newCmdRun(&IOStreams{Out: io.Discard, ErrOut: io.Discard}, func(_ context.Context, o *runOptions) error {
		got = o
		return nil
	})
	cmd.SetArgs([]string{"echo", "--rate", "30/m", "-c", "7", "-d", "2s", "--threshold", "p99<1s", "--abort-on-fail",
		"--no-thresholds", "--report", "md=r.md", "--sample-interval", "250ms"})
	if err := cmd.Execute(); err != nil {
		t.Fatal(err)
	}
	if got == nil || got.Scenario != "echo" || got.Rate != "30/m" || got.Connections != 7 || got.Duration != 2*time.Second ||
		len(got.Thresholds) != 1 || !got.AbortOnFail || !got.NoThresholds || len(got.Reports) != 1 || got.SampleInterval != 250*time.Millisecond {
		t.Fatalf("bound options %+v", got)
	}
	if !got.Set["rate"] || !got.Set["connections"] || !got.Set["duration"] || got.Set["timeout"] || got.Set["target"] {
		t.Errorf("flags seen as set: %v, want rate, connections and duration only", got.Set)
	}
}

func TestRunAgainstTarget(t *testing.T) {
	srv, n := countingServer(t)
	out := filepath.Join(t.TempDir(), "r.json")
	code, stdout, errOut := runCLI(t, "run", writeScenario(t, twoRequests), "--target", srv.URL,
		"--rate", "50/s", "--duration", "1s", "--seed", "42", "--out", out)
	if code != ExitOK {
		t.Fatalf("exit code = %d, want 0; stderr %q", code, errOut)
	}
	r := readResult(t, out)
	if r.Requests != 50 || r.Requests != n.Load() || r.Successes != r.Requests {
		t.Errorf("requests %d successes %d, server received %d; want 50 each", r.Requests, r.Successes, n.Load())
	}
	if r.Seed != 42 || r.RateAsked != 50 || r.Target != srv.URL || r.Scenario != "two" || r.Version == "" {
		t.Errorf("seed %d rate %v target %q scenario %q version %q", r.Seed, r.RateAsked, r.Target, r.Scenario, r.Version)
	}
	if len(r.ByRequest) != 2 || r.ByRequest["a"] == nil || r.ByRequest["b"] == nil {
		t.Errorf("by_request = %v, want a and b", r.ByRequest)
	}
	if !strings.Contains(stdout, "two") || !strings.Contains(stdout, "p99") {
		t.Errorf("summary on stdout lacks the scenario or p99:\n%s", stdout)
	}
	if strings.Contains(errOut, "req/s") {
		t.Errorf("stderr = %q, want no live progress (not a terminal)", errOut)
	}
}

// TestRunDeadTargetExit1: with no threshold at all (--no-thresholds; else the default ones
// answer 99), a run in which no request succeeded exits 1.
func TestRunDeadTargetExit1(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	dead := "http://" + ln.Addr().String()
	ln.Close()
	out := filepath.Join(t.TempDir(), "r.json")
	code, _, errOut := runCLI(t, "run", writeScenario(t, twoRequests), "--target", dead, "--rate", "20/s", "--duration", "500ms", "--out", out, "--no-thresholds")
	if code != ExitFailure {
		t.Fatalf("exit code = %d, want 1; stderr %q", code, errOut)
	}
	if !strings.Contains(errOut, "no request succeeded") {
		t.Errorf("stderr = %q, want it to say no request succeeded", errOut)
	}
	r := readResult(t, out)
	if r.Requests != 10 || r.Successes != 0 || len(r.Errors) != 1 || r.Errors[0].Class != "connection refused" || r.Errors[0].Count != 10 {
		t.Errorf("requests %d successes %d errors %+v, want 10 connection refused", r.Requests, r.Successes, r.Errors)
	}
}

// interruptServer counts the requests of the test scenarios as countingServer does, and closes
// reached on the nth of them.
func interruptServer(t *testing.T, nth uint64) (*httptest.Server, *atomic.Uint64, <-chan struct{}) {
	t.Helper()
	var n atomic.Uint64
	reached := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/a" || r.URL.Path == "/b" {
			if n.Add(1) == nth {
				close(reached)
			}
		}
		_, _ = w.Write([]byte("ok"))
	}))
	t.Cleanup(srv.Close)
	return srv, &n, reached
}

// runInterrupted runs loadtest in-process with the injected signal source and sends it one
// SIGINT once reached is closed (the server got its nth request): the run is stopped after a
// count of requests, not after a sleep.
func runInterrupted(t *testing.T, reached <-chan struct{}, args ...string) (int, string, string) {
	t.Helper()
	sigs := newFakeSignals()
	var stdout, stderr syncBuffer
	done := make(chan int, 1)
	go func() { done <- Execute(NewRootCmd(sigs.streams(&stdout, &stderr)), args) }()
	select {
	case <-reached:
	case code := <-done:
		t.Fatalf("the run ended (exit code %d) before the request to interrupt at; stderr %s", code, stderr.String())
	case <-time.After(60 * time.Second):
		t.Fatalf("the server never got the request to interrupt at; stderr %s", stderr.String())
	}
	sigs.send(t, syscall.SIGINT)
	select {
	case code := <-done:
		select {
		case c := <-sigs.exited:
			t.Errorf("one SIGINT exited the process with %d, want only the run stopped", c)
		default:
		}
		return code, stdout.String(), stderr.String()
	case <-time.After(60 * time.Second):
		t.Fatal("the run did not stop after SIGINT")
	}
	return 0, "", ""
}

// TestRunSIGINT: a SIGINT after the 20th request stops a 30 s run with 130, and the result
// and summary are of what was sent.
func TestRunSIGINT(t *testing.T) {
	srv, n, reached := interruptServer(t, 20)
	out := filepath.Join(t.TempDir(), "r.json")
	code, stdout, stderr := runInterrupted(t, reached, "run", writeScenario(t, twoRequests), "--target", srv.URL,
		"--rate", "100/s", "--duration", "30s", "--out", out)
	if code != ExitInterrupted {
		t.Fatalf("exit code = %d, want 130; stderr %q", code, stderr)
	}
	r := readResult(t, out)
	if !r.Interrupted || r.Requests < 20 || r.Requests >= r.Planned || r.Requests != n.Load() {
		t.Errorf("interrupted %v, requests %d of %d planned, server received %d; want interrupted, at least 20, fewer than planned and equal counts",
			r.Interrupted, r.Requests, r.Planned, n.Load())
	}
	if !strings.Contains(stdout, "p99") {
		t.Errorf("no summary printed after the interrupt:\n%s", stdout)
	}
}

func TestRunVegetaTargets(t *testing.T) {
	srv, n := countingServer(t)
	targets := filepath.Join(t.TempDir(), "targets.txt")
	if err := os.WriteFile(targets, []byte("GET "+srv.URL+"/a\n\nGET "+srv.URL+"/b\nX-Test: 1\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(t.TempDir(), "r.json")
	code, _, errOut := runCLI(t, "run", "--vegeta-targets", targets, "--rate", "20/s", "--duration", "500ms", "--out", out)
	if code != ExitOK {
		t.Fatalf("exit code = %d, want 0; stderr %q", code, errOut)
	}
	r := readResult(t, out)
	if r.Requests != 10 || n.Load() != 10 || len(r.ByRequest) != 2 {
		t.Errorf("requests %d, server %d, by_request %d names; want 10, 10, 2", r.Requests, n.Load(), len(r.ByRequest))
	}
}

// TestBundledServerFlag: `loadtest server` binds the flag runner/bundled starts it with.
func TestBundledServerFlag(t *testing.T) {
	if f := newServerCmd(&IOStreams{}).Flags().Lookup(bundled.FlagStopOnStdinEOF); f == nil {
		t.Errorf("loadtest server has no --%s", bundled.FlagStopOnStdinEOF)
	}
}
