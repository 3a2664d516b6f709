package cli

import (
	"bytes"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/loadtestdev/loadtest/reports"
)

func TestParseReportSpecs(t *testing.T) {
	dir := t.TempDir()
	specs, err := parseReportSpecs([]string{
		"md=" + filepath.Join(dir, "new", "sub", "r.md"),
		"png=" + filepath.Join(dir, "charts"),
		" junit = " + filepath.Join(dir, "j.xml"),
	}, filepath.Join(dir, "r.json"))
	if err != nil {
		t.Fatal(err)
	}
	want := []reports.Spec{
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
	if _, err := parseReportSpecs([]string{"md=" + dir}, ""); err == nil || !strings.Contains(err.Error(), "is a directory") {
		t.Errorf("md report to a directory: err = %v, want it refused", err)
	}
	out := filepath.Join(dir, "r.json")
	if _, err := parseReportSpecs([]string{"json=" + out}, out); err == nil || !strings.Contains(err.Error(), "already the file of --out") {
		t.Errorf("report to the --out file: err = %v, want it refused", err)
	}
}

// TestRunReportsOfFailedRun checks that a run that failed (no request succeeded: exit 99 from the
// default errors<1%) still writes every report it was asked for.
func TestRunReportsOfFailedRun(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	dead := "http://" + ln.Addr().String()
	ln.Close()
	dir := t.TempDir()
	files := map[string]string{
		"json":  filepath.Join(dir, "r.json"),
		"csv":   filepath.Join(dir, "timeline.csv"),
		"junit": filepath.Join(dir, "junit.xml"),
		"text":  filepath.Join(dir, "summary.txt"),
	}
	args := []string{"run", writeScenario(t, twoRequests), "--target", dead, "--rate", "20/s", "--duration", "500ms"}
	for format, path := range files {
		args = append(args, "--report", format+"="+path)
	}
	code, stdout, errOut := runCLI(t, args...)
	if code != ExitThresholds || !strings.Contains(errOut, "errors<1% (default") { // the default threshold's verdict
		t.Fatalf("exit code = %d, want %d; stderr %q", code, ExitThresholds, errOut)
	}
	for format, path := range files {
		data, err := os.ReadFile(path)
		if err != nil || len(data) == 0 {
			t.Errorf("%s report %s: %v, %d bytes; want it written", format, path, err, len(data))
			continue
		}
		if !strings.Contains(errOut, "wrote "+format+" report to "+path) {
			t.Errorf("stderr does not say where the %s report went: %q", format, errOut)
		}
	}
	if text, _ := os.ReadFile(files["text"]); !bytes.Equal(text, []byte(stdout)) {
		t.Errorf("the text report differs from the summary printed:\n%s\n---\n%s", text, stdout)
	}
	if r := readResult(t, files["json"]); r.Requests != 10 || r.Successes != 0 {
		t.Errorf("json report: %d requests, %d successes; want 10 and 0", r.Requests, r.Successes)
	}
}
