package cli

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

// The loadtest binary, built once for the tests that need a real process (a child server,
// real signals); the test binary itself is not loadtest.
var (
	binOnce sync.Once
	binDir  string
	binPath string
	binErr  error
)

func TestMain(m *testing.M) {
	code := m.Run()
	if binDir != "" {
		os.RemoveAll(binDir)
	}
	os.Exit(code)
}

// loadtestBinary builds ./cmd/loadtest on first use and returns its path.
func loadtestBinary(t *testing.T) string {
	t.Helper()
	binOnce.Do(func() {
		binDir, binErr = os.MkdirTemp("", "loadtest-cli-test-")
		if binErr != nil {
			return
		}
		binPath = filepath.Join(binDir, "loadtest")
		out, err := exec.Command("go", "build", "-o", binPath, "../cmd/loadtest").CombinedOutput()
		if err != nil {
			binErr = fmt.Errorf("go build ./cmd/loadtest: %v\n%s", err, out)
		}
	})
	if binErr != nil {
		t.Fatal(binErr)
	}
	return binPath
}

// runBinary runs the built binary with args, killing it after timeout, and fails the test
// with its stdout and stderr when it exits non-zero or does not finish; it returns both.
func runBinary(t *testing.T, timeout time.Duration, args ...string) (stdout, stderr string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, loadtestBinary(t), args...)
	var out, errOut bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errOut
	if err := cmd.Run(); err != nil {
		what := err.Error()
		if ctx.Err() != nil {
			what = "did not finish within " + timeout.String()
		}
		t.Fatalf("loadtest %s: %s\nstdout:\n%s\nstderr:\n%s", strings.Join(args, " "), what, out.String(), errOut.String())
	}
	return out.String(), errOut.String()
}
