package cli

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/loadtestdev/loadtest/results"
)

// compareResultFile writes a result of n requests over 10 s (the first `failed` of them
// failures) with latencies of (i+1)×scale ms, and returns its path.
func compareResultFile(t *testing.T, name string, n, failed int, scale float64, edit func(*results.Result)) string {
	t.Helper()
	lat := results.NewHistogram()
	for i := range n {
		results.RecordDuration(lat, time.Duration(float64(i+1)*scale*float64(time.Millisecond)))
	}
	enc, err := results.EncodeHistogram(lat)
	if err != nil {
		t.Fatal(err)
	}
	r := &results.Result{
		Schema: results.Schema, Scenario: "echo", Target: "http://127.0.0.1:8080",
		DurationS: 10, RateAsked: 100, Requests: uint64(n), Successes: uint64(n - failed),
		Rate: float64(n) / 10, Throughput: float64(n-failed) / 10,
		LatencyMS: results.Summarize(lat), ServiceTimeMS: results.Summarize(lat),
		Histograms: results.Histograms{Latency: enc, ServiceTime: enc},
	}
	if edit != nil {
		edit(r)
	}
	path := filepath.Join(t.TempDir(), name)
	var buf bytes.Buffer
	if err := results.Write(&buf, r); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

func compareCLI(t *testing.T, stdin string, args ...string) (int, string, string) {
	t.Helper()
	var out, errOut bytes.Buffer
	code := Execute(NewRootCmd(&IOStreams{In: strings.NewReader(stdin), Out: &out, ErrOut: &errOut}), append([]string{"compare"}, args...))
	return code, out.String(), errOut.String()
}

func TestCompareCommand(t *testing.T) {
	base := compareResultFile(t, "base.json", 1000, 10, 1, nil)
	same := compareResultFile(t, "same.json", 1000, 10, 1, nil)
	slower := compareResultFile(t, "slower.json", 1000, 10, 1.2, nil)
	fewer := compareResultFile(t, "fewer.json", 900, 10, 1, nil)
	moreErrors := compareResultFile(t, "errors.json", 1000, 15, 1, nil)
	otherScenario := compareResultFile(t, "other.json", 1000, 10, 1, func(r *results.Result) { r.Scenario = "swiper"; r.DurationS = 60 })
	otherSchema := compareResultFile(t, "v0.json", 1000, 10, 1, func(r *results.Result) { r.Schema = "loadtest.result/v0" })
	empty := compareResultFile(t, "empty.json", 0, 0, 1, nil)
	baseData, err := os.ReadFile(base)
	if err != nil {
		t.Fatal(err)
	}

	tests := []struct {
		name    string
		stdin   string
		args    []string
		code    int
		out     []string
		errOut  []string
		noOut   bool
		noError bool
	}{
		{name: "same run passes the default bounds", args: []string{base, same}, code: ExitOK,
			out: []string{"│ p99 ", "pass: all 3 regression bounds held"}, noError: true},
		{name: "20% slower breaks p99=10%", args: []string{base, slower}, code: ExitThresholds,
			out: []string{"FAIL: 1 of 3 regression bounds broken: p99", "+20.0%"}},
		{name: "20% slower within p99=25%", args: []string{base, slower, "--max-regression", "p99=25%"}, code: ExitOK,
			out: []string{"pass: all 1 regression bounds held"}},
		{name: "absolute latency bound", args: []string{base, slower, "--max-regression", "p50=50ms"}, code: ExitThresholds,
			out: []string{"FAIL: 1 of 1 regression bounds broken: p50"}},
		{name: "10% fewer requests breaks rps=5%", args: []string{base, fewer}, code: ExitThresholds,
			out: []string{"broken: rps"}},
		{name: "half a point more errors", args: []string{base, moreErrors, "--max-regression", "errors=0.1%"}, code: ExitThresholds,
			out: []string{"+0.50 pp", "broken: errors"}},
		{name: "no bounds only reports", args: []string{base, slower, "--max-regression", ""}, code: ExitOK,
			out: []string{"no regression bounds given"}},
		{name: "markdown", args: []string{base, slower, "--format", "md"}, code: ExitThresholds,
			out: []string{"### loadtest compare", "| metric ", "|:---", "FAIL: 1 of 3"}},
		{name: "warns on another scenario and duration", args: []string{base, otherScenario}, code: ExitOK,
			errOut: []string{`warning: scenario differs: baseline "echo", current "swiper"`, "warning: duration differs: baseline 10s, current 60s"}},
		{name: "markdown carries the warnings", args: []string{base, otherScenario, "--format", "md"}, code: ExitOK,
			out: []string{"> **Warnings**", "> - scenario differs"}},
		{name: "baseline from stdin", stdin: string(baseData), args: []string{"-", slower}, code: ExitThresholds,
			out: []string{"baseline -, current"}},
		{name: "another schema is refused", args: []string{base, otherSchema}, code: ExitUsage,
			errOut: []string{"not a loadtest.result/v1 file"}, noOut: true},
		{name: "an empty baseline is refused", args: []string{empty, base}, code: ExitUsage,
			errOut: []string{"not comparable: the baseline has no requests"}, noOut: true},
		{name: "an empty current run fails", args: []string{base, empty}, code: ExitThresholds,
			out: []string{"FAIL (no data)"}, errOut: []string{"warning: the current run has no requests"}},
		{name: "bound on an unknown request is refused", args: []string{base, same, "--max-regression", "profile.p99=10%"}, code: ExitUsage,
			errOut: []string{`the baseline has no request "profile"`}, noOut: true},
		{name: "missing file", args: []string{base, filepath.Join(t.TempDir(), "nope.json")}, code: ExitUsage,
			errOut: []string{"nope.json: no such file"}, noOut: true},
		{name: "bad bound", args: []string{base, same, "--max-regression", "p99=10x"}, code: ExitUsage,
			errOut: []string{`--max-regression: regression bound "p99=10x": bad amount "10x"`}, noOut: true},
		{name: "bad format", args: []string{base, same, "--format", "html"}, code: ExitUsage,
			errOut: []string{`--format "html": want text or md`}, noOut: true},
		{name: "one argument", args: []string{base}, code: ExitUsage, noOut: true},
		{name: "both from stdin", args: []string{"-", "-"}, code: ExitUsage, noOut: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, out, errOut := compareCLI(t, tt.stdin, tt.args...)
			if code != tt.code {
				t.Errorf("exit code: got %d, want %d\nstdout:\n%s\nstderr:\n%s", code, tt.code, out, errOut)
			}
			for _, w := range tt.out {
				if !strings.Contains(out, w) {
					t.Errorf("stdout: want %q in\n%s", w, out)
				}
			}
			for _, w := range tt.errOut {
				if !strings.Contains(errOut, w) {
					t.Errorf("stderr: want %q in\n%s", w, errOut)
				}
			}
			if tt.noOut && out != "" {
				t.Errorf("stdout: got %q, want nothing", out)
			}
			if tt.noError && errOut != "" {
				t.Errorf("stderr: got %q, want nothing", errOut)
			}
		})
	}
}
