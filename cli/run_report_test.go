package cli

import (
	"bytes"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

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
