package runner

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/loadtestdev/loadtest/scenarios"
)

func TestCheckScenario(t *testing.T) {
	for _, name := range scenarios.Builtins() {
		if sc, err := CheckScenario(name); err != nil || sc == nil {
			t.Errorf("built-in %s: got %v, want it to check", name, err)
		}
	}
	bad := filepath.Join(t.TempDir(), "bad.yaml")
	yaml := "name: bad\nrate: 10/s\nduration: 1s\nrequests:\n  - name: echo\n    path: /echo\nthresholds:\n  - \"nosuch.p99<1s\"\n"
	if err := os.WriteFile(bad, []byte(yaml), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := CheckScenario(bad); err == nil || !strings.Contains(err.Error(), "nosuch") {
		t.Errorf("a threshold on an unknown request: got %v, want an error naming it", err)
	}
	if _, err := CheckScenario(filepath.Join(t.TempDir(), "none.yaml")); err == nil {
		t.Error("a missing file: got no error")
	}
}
