package reports

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/loadtestdev/loadtest/results"
)

func TestParseReportSpecs(t *testing.T) {
	dir := t.TempDir()
	specs, err := ParseSpecs([]string{
		"md=" + filepath.Join(dir, "new", "sub", "r.md"),
		"png=" + filepath.Join(dir, "charts"),
		" junit = " + filepath.Join(dir, "j.xml"),
	}, filepath.Join(dir, "r.json"))
	if err != nil {
		t.Fatal(err)
	}
	want := []Spec{
		{Format: "md", Path: filepath.Join(dir, "new", "sub", "r.md")},
		{Format: "png", Path: filepath.Join(dir, "charts")},
		{Format: "junit", Path: filepath.Join(dir, "j.xml")},
	}
	if len(specs) != len(want) {
		t.Fatalf("got %+v, want %+v", specs, want)
	}
	for i := range want {
		if specs[i] != want[i] {
			t.Errorf("spec %d: got %+v, want %+v", i, specs[i], want[i])
		}
	}
	for _, d := range []string{filepath.Join(dir, "new", "sub"), filepath.Join(dir, "charts")} {
		if st, err := os.Stat(d); err != nil || !st.IsDir() {
			t.Errorf("directory %s not created before the run: %v", d, err)
		}
	}
	for _, d := range []string{dir, filepath.Join(dir, "new", "sub"), filepath.Join(dir, "charts")} {
		entries, _ := os.ReadDir(d)
		for _, e := range entries {
			if strings.HasPrefix(e.Name(), ".loadtest-report-check") {
				t.Errorf("the writability check left %s in %s", e.Name(), d)
			}
		}
	}
	if _, err := ParseSpecs([]string{"md=" + dir}, ""); err == nil || !strings.Contains(err.Error(), "is a directory") {
		t.Errorf("md report to a directory: err = %v, want it refused", err)
	}
	out := filepath.Join(dir, "r.json")
	if _, err := ParseSpecs([]string{"json=" + out}, out); err == nil || !strings.Contains(err.Error(), "already the file of --out") {
		t.Errorf("report to the --out file: err = %v, want it refused", err)
	}
}

func TestWriteTo(t *testing.T) {
	r := &results.Result{Schema: results.Schema, Scenario: "echo", Requests: 3}
	var out, errOut bytes.Buffer
	if err := WriteTo(&out, &errOut, "", r, FormatJSON, Options{CompactJSON: true}); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out.String(), `"scenario":"echo"`) || errOut.Len() != 0 {
		t.Errorf("to out: got %q and %q on errOut, want the JSON and nothing", out.String(), errOut.String())
	}
	path := filepath.Join(t.TempDir(), "r.json")
	out.Reset()
	if err := WriteTo(&out, &errOut, path, r, FormatJSON, Options{CompactJSON: true}); err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(path)
	if err != nil || !strings.Contains(string(data), `"scenario":"echo"`) || out.Len() != 0 {
		t.Errorf("to a file: got %q, %v and %q on out, want the JSON in the file", data, err, out.String())
	}
	if want := "wrote json report to " + path + "\n"; errOut.String() != want {
		t.Errorf("got %q on errOut, want %q", errOut.String(), want)
	}
}
