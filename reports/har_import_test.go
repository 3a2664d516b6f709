package reports

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/loadtestdev/loadtest/scenarios/har"
)

func TestWriteHARScenario(t *testing.T) {
	im := &har.Import{YAML: []byte("name: session\n"), Target: "https://shop.example", Steps: 2}
	var out, errOut bytes.Buffer
	if err := WriteHARScenario(&out, &errOut, "", im); err != nil {
		t.Fatal(err)
	}
	if out.String() != "name: session\n" || !strings.HasPrefix(errOut.String(), "imported 2 steps against https://shop.example into stdout\n") {
		t.Errorf("to stdout: got %q and %q", out.String(), errOut.String())
	}
	path := filepath.Join(t.TempDir(), "journey.yaml")
	out.Reset()
	errOut.Reset()
	if err := WriteHARScenario(&out, &errOut, path, im); err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(path)
	if err != nil || string(data) != "name: session\n" || out.Len() != 0 || !strings.HasPrefix(errOut.String(), "imported 2 steps against https://shop.example into "+path+"\n") {
		t.Errorf("to a file: got %q, %v; %q on out, %q on errOut", data, err, out.String(), errOut.String())
	}
	if err := WriteHARScenario(&out, &errOut, filepath.Join(path, "sub", "x.yaml"), im); err == nil || !strings.HasPrefix(err.Error(), "scenarios import: ") {
		t.Errorf("to a path under a file: got %v, want a scenarios import error", err)
	}
}
