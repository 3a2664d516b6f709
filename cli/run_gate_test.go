package cli

import (
	"bytes"
	"encoding/xml"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/loadtestdev/loadtest/gate"
	"github.com/loadtestdev/loadtest/results"
)

// status500 is a scenario file whose every request gets a 500 from the reference server.
const status500 = `name: fivehundred
rate: 20/s
duration: 1s
requests:
  - name: broken
    path: /status/500
`

// withThresholds is a scenario file with thresholds of its own.
const withThresholds = `name: gated
rate: 20/s
duration: 1s
requests:
  - name: a
    path: /a
thresholds:
  - "errors < 1%"
  - "a.p99 < 10s"
`

// junitFailures counts the testcases and the <failure> elements of a JUnit report.
func junitFailures(t *testing.T, path string) (cases, failures int) {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Suites []struct {
			Cases []struct {
				Name    string    `xml:"name,attr"`
				Failure *struct{} `xml:"failure"`
			} `xml:"testcase"`
		} `xml:"testsuite"`
	}
	if err := xml.Unmarshal(data, &doc); err != nil {
		t.Fatalf("junit report %s: %v\n%s", path, err, data)
	}
	for _, s := range doc.Suites {
		for _, c := range s.Cases {
			cases++
			if c.Failure != nil {
				failures++
			}
		}
	}
	return cases, failures
}

// TestRunGateAgainstReferenceServer runs short gated runs against the reference server and
// checks the exit code, the thresholds recorded in the result file, and the reports.
func TestRunGateAgainstReferenceServer(t *testing.T) {
	t.Parallel()
	const secret = "gate-secret"
	base := startReferenceServer(t, secret)
	fail500 := writeScenario(t, status500)
	common := []string{"--target", base, "--secret", secret, "--rate", "40/s", "--duration", "1s", "--seed", "7"}

	t.Run("p99<1us breaches: exit 99 and a junit failure", func(t *testing.T) {
		dir := t.TempDir()
		out, junit := filepath.Join(dir, "r.json"), filepath.Join(dir, "reports", "junit.xml")
		args := append([]string{"run", "echo", "--no-thresholds", "--threshold", "p99<1us", "--out", out, "--report", "junit=" + junit}, common...)
		code, stdout, errOut := runCLI(t, args...)
		if code != ExitThresholds {
			t.Fatalf("exit code = %d, want %d; stderr %q", code, ExitThresholds, errOut)
		}
		if !strings.Contains(stdout, "Thresholds: 0 of 1 passed") || !strings.Contains(errOut, "p99<1us (measured") {
			t.Errorf("stdout lacks the threshold table or stderr the breach:\n%s\n%s", stdout, errOut)
		}
		r := readResult(t, out)
		if len(r.Thresholds) != 1 || r.Thresholds[0].Passed || r.Thresholds[0].Measured <= 0.001 || r.Thresholds[0].Source != "flag" {
			t.Errorf("thresholds in the result = %+v, want p99<1us failed with a measured p99", r.Thresholds)
		}
		if cases, failures := junitFailures(t, junit); cases != 1 || failures != 1 {
			t.Errorf("junit has %d testcases, %d failures; want 1 and 1", cases, failures)
		}
	})

	t.Run("errors<100% passes: exit 0", func(t *testing.T) {
		out := filepath.Join(t.TempDir(), "r.json")
		args := append([]string{"run", "echo", "--no-thresholds", "--threshold", "errors<100%", "--out", out}, common...)
		code, stdout, errOut := runCLI(t, args...)
		if code != ExitOK {
			t.Fatalf("exit code = %d, want 0; stderr %q", code, errOut)
		}
		r := readResult(t, out)
		if len(r.Thresholds) != 1 || !r.Thresholds[0].Passed || r.Thresholds[0].Measured != 0 {
			t.Errorf("thresholds = %+v, want errors<100%% passed at 0", r.Thresholds)
		}
		if !strings.Contains(stdout, "Thresholds: 1 of 1 passed") {
			t.Errorf("no threshold table in the summary:\n%s", stdout)
		}
	})

	t.Run("built-in thresholds apply", func(t *testing.T) {
		out := filepath.Join(t.TempDir(), "r.json")
		code, _, errOut := runCLI(t, append([]string{"run", "echo", "--out", out}, common...)...)
		r := readResult(t, out)
		if len(r.Thresholds) != 2 || r.Thresholds[0].Source != "scenario" || r.Thresholds[1].Source != "scenario" {
			t.Fatalf("thresholds = %+v, want echo's two, from the scenario", r.Thresholds)
		}
		// echo's bounds are loose (p99 < 500ms) but still a speed: assert only that the exit
		// code agrees with them
		want := ExitOK
		if !gateAllPassed(r) {
			want = ExitThresholds
		}
		if code != want || r.Thresholds[0].Expression != "errors < 0.1%" || !r.Thresholds[0].Passed {
			t.Errorf("exit code = %d with thresholds %+v, want %d and no errors; stderr %q", code, r.Thresholds, want, errOut)
		}
	})

	t.Run("status 500 breaches errors<1%: exit 99", func(t *testing.T) {
		dir := t.TempDir()
		out, md, html := filepath.Join(dir, "r.json"), filepath.Join(dir, "r.md"), filepath.Join(dir, "r.html")
		args := append([]string{"run", fail500, "--threshold", "errors<1%", "--out", out, "--report", "md=" + md, "--report", "html=" + html}, common...)
		code, _, errOut := runCLI(t, args...)
		if code != ExitThresholds {
			t.Fatalf("exit code = %d, want %d (a breach wins over no success); stderr %q", code, ExitThresholds, errOut)
		}
		r := readResult(t, out)
		if r.Successes != 0 || len(r.Thresholds) != 1 || r.Thresholds[0].Passed || r.Thresholds[0].Measured != 100 {
			t.Errorf("successes %d thresholds %+v, want none and errors<1%% failed at 100", r.Successes, r.Thresholds)
		}
		for p, want := range map[string]string{md: "| `errors<1%` | 100 % | ❌ FAIL | flag |", html: `<tr class="fail"><td>errors&lt;1%</td>`} {
			data, err := os.ReadFile(p)
			if err != nil || !bytes.Contains(data, []byte(want)) {
				t.Errorf("report %s (%v) does not show the failed threshold as %q", p, err, want)
			}
		}
	})

	t.Run("abort-on-fail stops early", func(t *testing.T) {
		out := filepath.Join(t.TempDir(), "r.json")
		start := time.Now()
		code, stdout, errOut := runCLI(t, "run", fail500, "--target", base, "--rate", "40/s", "--duration", "20s",
			"--threshold", "errors<1%", "--abort-on-fail", "--out", out)
		took := time.Since(start)
		if code != ExitThresholds {
			t.Fatalf("exit code = %d, want %d; stderr %q", code, ExitThresholds, errOut)
		}
		if took > 10*time.Second {
			t.Errorf("the run took %s of its planned 20s, want it stopped within a few seconds", took)
		}
		r := readResult(t, out)
		if r.DurationS > 10 || r.Requests == 0 || r.Requests >= 800 || len(r.Thresholds) != 1 || r.Thresholds[0].Passed {
			t.Errorf("duration %.1fs requests %d thresholds %+v, want a short run of fewer than 800 requests, errors<1%% failed",
				r.DurationS, r.Requests, r.Thresholds)
		}
		w := findWarning(r, gate.WarningAborted)
		if w == nil || !strings.Contains(w.Message, "errors<1%") || w.Values["planned_requests"] != 800 {
			t.Errorf("warnings = %+v, want %s naming errors<1%% with 800 planned requests", r.Warnings, gate.WarningAborted)
		}
		if !strings.Contains(stdout, gate.WarningAborted) || !strings.Contains(errOut, "stopped by --abort-on-fail: errors<1% (measured 100 %) could no longer pass after") {
			t.Errorf("the summary or stderr does not say the run was aborted:\n%s\n%s", stdout, errOut)
		}
	})
}

func gateAllPassed(r *results.Result) bool {
	for _, tr := range r.Thresholds {
		if !tr.Passed {
			return false
		}
	}
	return true
}

func findWarning(r *results.Result, code string) *results.Warning {
	for i := range r.Warnings {
		if r.Warnings[i].Code == code {
			return &r.Warnings[i]
		}
	}
	return nil
}

// TestRunGateBadInput checks that bad thresholds and report specs are refused with exit code
// 2 before any load is sent.
func TestRunGateBadInput(t *testing.T) {
	srv, n := countingServer(t)
	sc := writeScenario(t, withThresholds)
	dir := t.TempDir()
	notDir := filepath.Join(dir, "file")
	if err := os.WriteFile(notDir, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		args []string
		want []string
	}{
		{"bad threshold names its position", []string{"--threshold", "p99<2xx"}, []string{`--threshold: threshold "p99<2xx": at 5`, "want a duration"}},
		{"every bad threshold is reported", []string{"--threshold", "p99<<1s", "--threshold", "errs<1%"}, []string{"at 4", "at 1", `unknown metric "errs"`}},
		{"duplicate of the scenario's", []string{"--threshold", "errors<1%"}, []string{`"errors<1%" (flag)`, "duplicates", "--no-thresholds"}},
		{"duplicate flags", []string{"--no-thresholds", "--threshold", "p95<200ms", "--threshold", "p(95) < 0.2s"}, []string{"duplicates"}},
		{"unknown request", []string{"--threshold", "nosuch.p99<1s"}, []string{`unknown request "nosuch"`, "known: a"}},
		{"abort-on-fail without thresholds", []string{"--no-thresholds", "--abort-on-fail"}, []string{"--abort-on-fail needs thresholds"}},
		{"report without =", []string{"--report", "junit"}, []string{"--report", "FORMAT=FILE"}},
		{"report format", []string{"--report", "pdf=x.pdf"}, []string{`unknown format "pdf"`, "junit"}},
		{"report path", []string{"--report", "md=" + filepath.Join(notDir, "r.md")}, []string{"--report md=", "not a directory"}},
		{"report twice to one file", []string{"--report", "md=" + filepath.Join(dir, "r.md"), "--report", "html=" + filepath.Join(dir, "r.md")}, []string{"already the file"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			args := append([]string{"run", sc, "--target", srv.URL}, tt.args...)
			code, _, errOut := runCLI(t, args...)
			if code != ExitUsage {
				t.Errorf("exit code = %d, want %d; stderr %q", code, ExitUsage, errOut)
			}
			for _, w := range tt.want {
				if !strings.Contains(errOut, w) {
					t.Errorf("stderr = %q, want it to contain %q", errOut, w)
				}
			}
		})
	}
	if got := n.Load(); got != 0 {
		t.Errorf("the server received %d requests, want none: bad input must fail before the run", got)
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 1 {
		t.Errorf("the report checks left files behind in %s: %v", dir, entries)
	}
}

// TestRunGateExitCodes checks which exit code wins when runs fail, breach or pass.
func TestRunGateExitCodes(t *testing.T) {
	srv, _ := countingServer(t)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	dead := "http://" + ln.Addr().String()
	ln.Close()
	sc := writeScenario(t, twoRequests)
	gated := writeScenario(t, withThresholds)
	tests := []struct {
		name    string
		args    []string
		code    int
		want    string
		nThresh int
	}{
		{"dead target with the default thresholds", []string{sc, "--target", dead}, ExitThresholds, "errors<1% (default, measured 100 %)", 1},
		{"dead target with no thresholds at all fails", []string{sc, "--target", dead, "--no-thresholds"}, ExitFailure, "no request succeeded (10 sent,", 0},
		{"abort-on-fail with the default thresholds", []string{sc, "--target", srv.URL, "--abort-on-fail"}, ExitOK, "", 1},
		{"dead target with a breached threshold", []string{sc, "--target", dead, "--threshold", "errors<1%"}, ExitThresholds, "1 of 1 thresholds breached", 1},
		{"dead target, thresholds that hold", []string{sc, "--target", dead, "--threshold", "requests>=1"}, ExitOK, "", 1},
		{"scenario thresholds pass", []string{gated, "--target", srv.URL}, ExitOK, "", 2},
		{"scenario thresholds plus a flag", []string{gated, "--target", srv.URL, "--threshold", "max<1us"}, ExitThresholds, "max<1us (measured", 3},
		{"--no-thresholds drops the scenario's", []string{gated, "--target", srv.URL, "--no-thresholds", "--threshold", "requests>=1"}, ExitOK, "", 1},
		{"scoped threshold", []string{sc, "--target", srv.URL, "--threshold", "b.requests<1"}, ExitThresholds, "b.requests<1", 1},
		{"abort-on-fail lets a passing run finish", []string{sc, "--target", srv.URL, "--threshold", "errors<1%", "--threshold", "max<10s", "--abort-on-fail"}, ExitOK, "", 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out := filepath.Join(t.TempDir(), "r.json")
			args := append(append([]string{"run"}, tt.args...), "--rate", "20/s", "--duration", "500ms", "--out", out)
			code, _, errOut := runCLI(t, args...)
			if code != tt.code {
				t.Fatalf("exit code = %d, want %d; stderr %q", code, tt.code, errOut)
			}
			if tt.want != "" && !strings.Contains(errOut, tt.want) {
				t.Errorf("stderr = %q, want it to contain %q", errOut, tt.want)
			}
			r := readResult(t, out)
			if len(r.Thresholds) != tt.nThresh {
				t.Errorf("result has %d thresholds (%+v), want %d", len(r.Thresholds), r.Thresholds, tt.nThresh)
			}
			if r.Requests != 10 || findWarning(r, gate.WarningAborted) != nil {
				t.Errorf("requests %d, warnings %+v; want the whole run of 10 requests, not aborted", r.Requests, r.Warnings)
			}
		})
	}
}

// TestRunGateAbortOnLatency stops a run whose max latency bound broke, against a server that
// turns slow; a run whose thresholds can still pass is not stopped.
func TestRunGateAbortOnLatency(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		time.Sleep(30 * time.Millisecond)
		_, _ = w.Write([]byte("ok"))
	}))
	defer srv.Close()
	out := filepath.Join(t.TempDir(), "r.json")
	code, _, errOut := runCLI(t, "run", writeScenario(t, twoRequests), "--target", srv.URL, "--rate", "20/s", "--duration", "15s",
		"--threshold", "max<10ms", "--threshold", "rps>1000", "--abort-on-fail", "--out", out)
	if code != ExitThresholds {
		t.Fatalf("exit code = %d, want %d; stderr %q", code, ExitThresholds, errOut)
	}
	r := readResult(t, out)
	if r.Planned != 300 || r.Requests == 0 || r.Requests >= r.Planned/2 {
		t.Errorf("the run sent %d of %d planned requests, want it stopped early by max<10ms", r.Requests, r.Planned)
	}
	// rps>1000 fails too, but a longer run could still reach it: only max<10ms stopped the run
	w := findWarning(r, gate.WarningAborted)
	if w == nil || !strings.Contains(w.Message, "max<10ms (measured") || strings.Contains(w.Message, "rps>1000") {
		t.Errorf("warnings = %+v, want %s naming max<10ms alone", r.Warnings, gate.WarningAborted)
	}
	if len(r.Thresholds) != 2 || r.Thresholds[0].Passed || r.Thresholds[1].Passed {
		t.Errorf("thresholds = %+v, want both failed at the end", r.Thresholds)
	}
}

// TestRunGateInterrupted interrupts a gated run after its 20th request: 130 wins, but the
// thresholds are evaluated, printed, recorded and reported.
func TestRunGateInterrupted(t *testing.T) {
	srv, _, reached := interruptServer(t, 20)
	dir := t.TempDir()
	out, junit := filepath.Join(dir, "r.json"), filepath.Join(dir, "junit.xml")
	code, stdout, stderr := runInterrupted(t, reached, "run", writeScenario(t, twoRequests), "--target", srv.URL, "--rate", "50/s", "--duration", "30s",
		"--threshold", "p99<1us", "--threshold", "errors<1%", "--out", out, "--report", "junit="+junit)
	if code != ExitInterrupted {
		t.Fatalf("exit code = %d, want %d; stderr %q", code, ExitInterrupted, stderr)
	}
	if !strings.Contains(stdout, "Thresholds: 1 of 2 passed") || !strings.Contains(stderr, "1 of 2 thresholds breached") {
		t.Errorf("the interrupted run does not show its thresholds:\n%s\n%s", stdout, stderr)
	}
	if r := readResult(t, out); !r.Interrupted || len(r.Thresholds) != 2 {
		t.Errorf("interrupted %v thresholds %+v, want an interrupted result with both thresholds", r.Interrupted, r.Thresholds)
	}
	if cases, failures := junitFailures(t, junit); cases != 2 || failures != 1 {
		t.Errorf("junit has %d testcases, %d failures; want 2 and 1", cases, failures)
	}
}
