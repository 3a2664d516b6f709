//go:build linux

package cli

import (
	"bytes"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// Subprocess tests where signals and pipes are the point: a closed stdout (SIGPIPE), a parent
// killed with SIGKILL, SIGINT while the bundled server starts. Each runs the real binary with
// its bundled server in a cache directory of its own (a fresh SQLite database), finds the
// server's pid in /proc while the run lives, and checks that it is gone afterwards.

const (
	childAppearTimeout = 30 * time.Second // until the run has forked its server
	runExitTimeout     = 90 * time.Second // until a 1 s run has ended, on a loaded machine
	childGoneTimeout   = 30 * time.Second // until the server has shut down after its run died
)

const baseline = `{"schema":"loadtest.result/v1","scenario":"baseline"}` + "\n"

// startBundled starts `loadtest ARGS` with stdout going to stdout and returns it with its
// stderr and the pid of the bundled server it forked.
func startBundled(t *testing.T, stdout io.Writer, args ...string) (*exec.Cmd, *bytes.Buffer, int) {
	t.Helper()
	cmd := exec.Command(loadtestBinary(t), args...)
	cmd.Env = append(os.Environ(), "XDG_CACHE_HOME="+t.TempDir())
	var stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = stdout, &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = cmd.Process.Kill() })
	child := waitChildPID(t, cmd.Process.Pid, childAppearTimeout)
	if child == 0 {
		t.Fatalf("loadtest %s started no bundled server within %s; stderr %s", strings.Join(args, " "), childAppearTimeout, stderr.String())
	}
	return cmd, &stderr, child
}

// waitExit waits for cmd and returns its exit code (-1 when a signal killed it).
func waitExit(t *testing.T, cmd *exec.Cmd, stderr *bytes.Buffer) int {
	t.Helper()
	done := make(chan struct{})
	go func() { _ = cmd.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(runExitTimeout):
		_ = cmd.Process.Kill()
		t.Fatalf("did not exit within %s; stderr %s", runExitTimeout, stderr.String())
	}
	return cmd.ProcessState.ExitCode()
}

func writeBaseline(t *testing.T) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "base.json")
	if err := os.WriteFile(path, []byte(baseline), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

func wantBaseline(t *testing.T, path string) {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil || string(b) != baseline {
		t.Errorf("got %q (%v) in the --out file, want the old file intact", b, err)
	}
	if entries, _ := os.ReadDir(filepath.Dir(path)); len(entries) != 1 {
		t.Errorf("got %d files beside --out, want none (no temporary file left)", len(entries)-1)
	}
}

// TestRunStdoutClosed: `loadtest run echo --out r.json | head -0`. The run writes its result,
// stops its server and exits with its own code, saying on stderr that stdout was closed; it
// used to die of SIGPIPE (141) with a 0-byte r.json and an orphaned server.
func TestRunStdoutClosed(t *testing.T) {
	t.Parallel()
	out := filepath.Join(t.TempDir(), "r.json")
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	r.Close() // the reader has gone before the run prints anything
	cmd, stderr, child := startBundled(t, w, "run", "echo", "--rate", "20/s", "--duration", "1s", "--out", out, "--no-thresholds")
	w.Close()
	if code := waitExit(t, cmd, stderr); code != ExitOK {
		t.Errorf("got exit code %d (%s), want %d, the run's own; stderr %s", code, cmd.ProcessState, ExitOK, stderr)
	}
	if res := readResult(t, out); res.Requests != 20 {
		t.Errorf("got %d requests in the result file, want 20", res.Requests)
	}
	if !strings.Contains(stderr.String(), "stdout was closed") {
		t.Errorf("got stderr %q, want it to say that stdout was closed", stderr)
	}
	if !waitGone(child, childGoneTimeout) {
		t.Errorf("the bundled server (pid %d) still runs after its run ended", child)
	}
}

// TestKilledRunLeavesOldOutAndNoServer: `loadtest run echo -d 60s --out base.json & kill -9`
// (and the same for probe). The old base.json is intact and the bundled server goes away; it
// used to be 0 bytes, with the server listening for ever.
func TestKilledRunLeavesOldOutAndNoServer(t *testing.T) {
	tests := []struct {
		name string
		args []string
	}{
		{"run", []string{"run", "echo", "--rate", "20/s", "--duration", "60s", "--no-thresholds"}},
		{"probe", []string{"probe", "echo", "--slo", "errors<100%", "--start", "20/s", "--max", "20/s", "--step-duration", "60s", "--max-steps", "1"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			out := writeBaseline(t)
			cmd, stderr, child := startBundled(t, io.Discard, append(tt.args, "--out", out)...)
			// Give the run a moment to get past start-up; the assertions hold either way.
			time.Sleep(2 * time.Second)
			if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
				t.Fatal(err)
			}
			if code := waitExit(t, cmd, stderr); code != -1 {
				t.Fatalf("got exit code %d, want death by SIGKILL", code)
			}
			wantBaseline(t, out)
			if !waitGone(child, childGoneTimeout) {
				t.Errorf("the bundled server (pid %d) still runs %s after its %s was killed", child, childGoneTimeout, tt.name)
			}
		})
	}
}

// TestRunInterruptedWhileServerStarts: Ctrl-C while the bundled server seeds its database
// stops the run at once with 130, says so, leaves the old --out and no server. It used to
// print "context canceled" and delete the old --out file.
func TestRunInterruptedWhileServerStarts(t *testing.T) {
	t.Parallel()
	out := writeBaseline(t)
	// A fresh cache directory: the server seeds 10000 users before it listens, which is
	// start-up enough for the SIGINT sent as soon as it exists to land there.
	cmd, stderr, child := startBundled(t, io.Discard, "run", "echo", "--duration", "60s", "--out", out)
	if err := cmd.Process.Signal(syscall.SIGINT); err != nil {
		t.Fatal(err)
	}
	if code := waitExit(t, cmd, stderr); code != ExitInterrupted {
		t.Errorf("got exit code %d, want %d; stderr %s", code, ExitInterrupted, stderr)
	}
	if !strings.Contains(stderr.String(), "interrupted while the bundled server was starting") {
		t.Errorf("got stderr %q, want it to say the run was interrupted while the server started", stderr)
	}
	wantBaseline(t, out)
	if !waitGone(child, childGoneTimeout) {
		t.Errorf("the bundled server (pid %d) still runs after its run was interrupted", child)
	}
}
