package reports

import (
	"bytes"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/loadtestdev/loadtest/gate"
	"github.com/loadtestdev/loadtest/internal/golden"
	"github.com/loadtestdev/loadtest/results"
	"github.com/loadtestdev/loadtest/results/resultstest"
)

// controlResult is the signup run with polls on login-and-swipe/rcmd (completions 100, 200,
// 300 ms, one poll timed out; attempts 2, 3, 4 and 9), skips of login-and-swipe/like (7) and
// browse/profile (3), a while group stopped at its max twice, and control thresholds
// evaluated (the attempts one fails).
func controlResult(t *testing.T) *results.Result {
	r := resultstest.FlowResult(t, resultstest.SignupFlows(), 5)
	ms := time.Millisecond
	resultstest.AddControl(t, r, []resultstest.Poll{
		{Flow: "login-and-swipe", Step: "rcmd", Completions: []time.Duration{100 * ms, 200 * ms, 300 * ms}, Attempts: []uint64{2, 3, 4, 9}, TimedOut: 1},
	}, map[string]uint64{"login-and-swipe/like": 7, "browse/profile": 3})
	r.Flows["browse"].LoopsAtMax = map[string]uint64{"feed": 2}
	ths, err := gate.LoadThresholds(gate.ThresholdSet{
		Flags:    []string{"login-and-swipe/rcmd.completion.p99<5s", "login-and-swipe/rcmd.attempts.max<5", "skipped<100"},
		Requests: sortedRequestNames(r), Flows: r.FlowNames()})
	if err != nil {
		t.Fatal(err)
	}
	r.Thresholds = gate.Evaluate(r, ths)
	return r
}

func TestControlGoldenFormats(t *testing.T) {
	r := controlResult(t)
	for _, tt := range []struct{ format, golden string }{
		{FormatText, "flows_control.txt"},
		{FormatMarkdown, "flows_control.md"},
		{FormatJUnit, "flows_control.junit.xml"},
	} {
		t.Run(tt.format, func(t *testing.T) {
			var buf bytes.Buffer
			if err := Write(&buf, r, tt.format, Options{}); err != nil {
				t.Fatal(err)
			}
			golden.Assert(t, filepath.Join("testdata", tt.golden), buf.Bytes())
		})
	}
}

func TestControlInEveryFormat(t *testing.T) {
	r := controlResult(t)
	want := map[string][]string{
		FormatText:     {"Flow login-and-swipe: polls (completion time)", "Flow browse: skipped steps (when)", "while group feed stopped at its max 2 time(s)", "4.50", "login-and-swipe/rcmd.attempts.max<5"},
		FormatMarkdown: {"Flow login-and-swipe: polls (completion time)", "| like | 7 |", "4.50"},
		FormatHTML:     {"Flow login-and-swipe: polls (completion time)", "Flow browse: skipped steps (when)", "<td>like</td>", "while group feed stopped"},
		FormatJUnit:    {`name="rcmd: poll"`, "1 of 4 polls timed out", `type="poll"`},
		FormatJSON:     {`"polls": {`, `"completion_ms"`, `"attempts_max": 9`, `"skipped": 10`, `"loops_at_max"`},
	}
	for format, ws := range want {
		t.Run(format, func(t *testing.T) {
			var buf bytes.Buffer
			if err := Write(&buf, r, format, Options{}); err != nil {
				t.Fatal(err)
			}
			for _, w := range ws {
				if !strings.Contains(buf.String(), w) {
					t.Errorf("%s report lacks %q", format, w)
				}
			}
		})
	}
	var page bytes.Buffer
	if err := HTML(&page, r); err != nil {
		t.Fatal(err)
	}
	if got := strings.Count(page.String(), `<tr class="fail"><td>rcmd</td>`); got != 1 {
		t.Errorf("html: %d highlighted poll rows, want 1 (the step with a timed-out poll)", got)
	}
}
