package cli

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"testing"
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
