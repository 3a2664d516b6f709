package collector

import (
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"testing"
	"time"
)

// spinEnv makes the test binary, re-executed as a child, spin one core until killed (at most
// spinLimit), for the tests that need a busy process.
const (
	spinEnv   = "LOADTEST_COLLECTOR_TEST_SPIN"
	spinLimit = 10 * time.Second
)

func TestMain(m *testing.M) {
	if os.Getenv(spinEnv) == "1" {
		runtime.GOMAXPROCS(1)
		deadline := time.Now().Add(spinLimit)
		os.Stdout.WriteString("spinning\n")
		for n := 0; time.Now().Before(deadline); n++ {
		}
		os.Exit(0)
	}
	os.Exit(m.Run())
}

// startSpinner starts a child process that keeps one core busy; it is killed when the test ends.
func startSpinner(t *testing.T) int32 {
	t.Helper()
	exe, err := os.Executable()
	if err != nil {
		t.Fatalf("os.Executable: %v", err)
	}
	cmd := exec.Command(exe, "-test.run=^$")
	cmd.Env = append(os.Environ(), spinEnv+"=1")
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatalf("start spinner: %v", err)
	}
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
	})
	// Wait until it spins, so that its start-up is not in the samples.
	line := make([]byte, len("spinning\n"))
	if _, err := io.ReadFull(stdout, line); err != nil || string(line) != "spinning\n" {
		t.Fatalf("spinner did not start: read %q, %v", line, err)
	}
	return int32(cmd.Process.Pid)
}

// waitGoroutines waits briefly for the goroutine count to come back to at most want.
func waitGoroutines(t *testing.T, want int) {
	t.Helper()
	var got int
	for range 50 {
		if got = runtime.NumGoroutine(); got <= want {
			return
		}
		time.Sleep(20 * time.Millisecond)
	}
	buf := make([]byte, 1<<16)
	t.Errorf("got %d goroutines after the sampler stopped, want at most %d\n%s", got, want, buf[:runtime.Stack(buf, true)])
}

// schedRead is what the kernel's scheduler says about a process (/proc/PID/schedstat): the
// time it ran on a CPU and the time it waited, runnable, for one, read at a wall-clock time.
type schedRead struct {
	at          time.Time
	run, waited time.Duration
}

// readSchedstat reads /proc/PID/schedstat, an account independent of gopsutil's, so that the
// CPU tests hold on a crowded machine too (a spinning process there gets less than a core).
func readSchedstat(t *testing.T, pid int32) schedRead {
	t.Helper()
	// Sum over every thread: the spinner is a Go program, and its spinning goroutine may run
	// on any of its threads, while /proc/PID/schedstat covers the main thread alone.
	files, err := filepath.Glob(fmt.Sprintf("/proc/%d/task/*/schedstat", pid))
	if err != nil || len(files) == 0 {
		t.Skipf("no /proc/PID/task/*/schedstat on this system: %v", err)
	}
	var total schedRead
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			continue // the thread has exited
		}
		var run, waited int64
		if _, err := fmt.Sscan(string(b), &run, &waited); err != nil {
			t.Fatalf("parse %s %q: %v", f, b, err)
		}
		total.run += time.Duration(run)
		total.waited += time.Duration(waited)
	}
	total.at = time.Now()
	return total
}

// cpuSince is the percent of one core the process ran between two reads, and the percent of
// that wall time it spent waiting for a CPU.
func (r schedRead) cpuSince(prev schedRead) (cpuPercent, waitPercent float64) {
	wall := r.at.Sub(prev.at).Seconds()
	return (r.run - prev.run).Seconds() / wall * 100, (r.waited - prev.waited).Seconds() / wall * 100
}
