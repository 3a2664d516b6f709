package cli

import (
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/loadtestdev/loadtest/results"
	"github.com/loadtestdev/loadtest/results/resultstest"
)

// writeFlowResult writes a fabricated run with flows (resultstest's signup run).
func writeFlowResult(t *testing.T, dir, name string, flows []resultstest.Flow) string {
	t.Helper()
	path := filepath.Join(dir, name)
	if err := results.WriteFile(path, resultstest.FlowResult(t, flows, 5)); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestReportAndCompareFlows(t *testing.T) {
	dir := t.TempDir()
	a := writeFlowResult(t, dir, "a.json", resultstest.SignupFlows())
	slower := resultstest.SignupFlows()
	slower[0].Base += 50 * time.Millisecond
	b := writeFlowResult(t, dir, "b.json", slower)
	tests := []struct {
		name   string
		args   []string
		code   int
		stdout []string
	}{
		{"report text", []string{"report", a}, 0, []string{"Flow login-and-swipe: checks", "716 / 720 (99.44 %)"}},
		{"report merged doubles the iterations", []string{"report", a, a}, 0, []string{"│ all             │        400 │       392 │      8 │      16 │"}},
		{"report merged json", []string{"report", a, a, "-f", "json"}, 0, []string{`"iterations": 400`, `"dropped_iterations": 16`}},
		{"report junit", []string{"report", a, "-f", "junit"}, 0, []string{`classname="loadtest.signup.checks.login-and-swipe"`}},
		{"compare", []string{"compare", a, b, "--max-regression", "checks=1%"}, 0, []string{"login-and-swipe.iteration.p99", "checks", "dropped_iterations"}},
		{"compare bound on a flow", []string{"compare", a, b, "--max-regression", "login-and-swipe.iteration.p99=10%"}, ExitThresholds, []string{"FAIL: 1 of 1 regression bounds broken: login-and-swipe.iteration.p99"}},
		{"compare bound on an unknown flow", []string{"compare", a, b, "--max-regression", "nope.iteration.p99=10%"}, ExitUsage, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, stdout, stderr := runCLI(t, tt.args...)
			if code != tt.code {
				t.Fatalf("got exit code %d, want %d\nstdout:\n%s\nstderr:\n%s", code, tt.code, stdout, stderr)
			}
			for _, w := range tt.stdout {
				if !strings.Contains(stdout, w) {
					t.Errorf("got stdout\n%s\nwant it to contain %q", stdout, w)
				}
			}
		})
	}
}
