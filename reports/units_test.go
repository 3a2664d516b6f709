package reports

import (
	"bytes"
	"html"
	"path/filepath"
	"strings"
	"testing"

	"github.com/loadtestdev/loadtest/gate"
	"github.com/loadtestdev/loadtest/internal/golden"
	"github.com/loadtestdev/loadtest/results"
	"github.com/loadtestdev/loadtest/results/resultstest"
)

// render writes r in format, HTML entities decoded.
func render(t *testing.T, r *results.Result, format string) string {
	t.Helper()
	var buf bytes.Buffer
	if err := Write(&buf, r, format, Options{}); err != nil {
		t.Fatal(err)
	}
	return html.UnescapeString(buf.String())
}

// TestFlowRatesInTheirUnits: a run of flows asks for iterations per second, so every format
// shows the asked rate and the achieved iteration rate in iterations/s, and the request rate
// in req/s; the fixture asked 40 iterations/s and achieved 200 iterations and 520 requests in
// 5 s (40 iterations/s, 104 req/s). A run of requests shows no iterations/s.
func TestFlowRatesInTheirUnits(t *testing.T) {
	flows := readFlowsFixture(t)
	tests := []struct {
		format string
		want   []string
	}{
		{FormatText, []string{"│ iteration rate asked    │ 40.00 iterations/s │", "│ iteration rate achieved │ 40.00 iterations/s │", "│ request rate achieved   │       104.00 req/s │"}},
		{FormatMarkdown, []string{"**104.00 req/s** achieved ·", "**40.00 iterations/s** achieved (asked 40.00 iterations/s)"}},
		{FormatHTML, []string{"iteration rate asked 40.00 iterations/s", "request rate", "104.00 req/s", "40.00 iterations/s"}},
		{FormatJUnit, []string{"request rate 104.00 req/s, 200 iterations at 40.00 iterations/s (asked 40.00 iterations/s)", `name="iteration_rate" value="40.00 iterations/s"`}},
	}
	for _, tt := range tests {
		t.Run(tt.format, func(t *testing.T) {
			out := render(t, flows, tt.format)
			for _, w := range tt.want {
				if !strings.Contains(out, w) {
					t.Errorf("%s report lacks %q", tt.format, w)
				}
			}
			if strings.Contains(out, "40.00 req/s") {
				t.Errorf("%s report gives the iteration rate 40 in req/s", tt.format)
			}
			if plain := render(t, fixtureResult(t), tt.format); strings.Contains(plain, "iterations/s") {
				t.Errorf("%s report of a run of requests speaks of iterations/s", tt.format)
			}
		})
	}
}

// failedFlowsRun is a run of one flow whose every iteration failed at its last step.
func failedFlowsRun(t *testing.T) *results.Result {
	return resultstest.FlowResult(t, []resultstest.Flow{{Name: "f", Steps: []string{"a", "b"}, Iterations: 10, Failed: 10}}, 2)
}

// evaluate loads set and evaluates it on r, recording the thresholds in r.
func evaluate(t *testing.T, r *results.Result, set gate.ThresholdSet) {
	t.Helper()
	set.Requests, set.Flows = sortedRequestNames(r), r.FlowNames()
	ths, err := gate.LoadThresholds(set)
	if err != nil {
		t.Fatal(err)
	}
	r.Thresholds = gate.Evaluate(r, ths)
}

// TestDefaultThresholdsShown: a run of flows whose every iteration failed, gated by the default
// thresholds: every format marks them as defaults and says why the run has them.
func TestDefaultThresholdsShown(t *testing.T) {
	r := failedFlowsRun(t)
	evaluate(t, r, gate.ThresholdSet{Defaults: gate.DefaultThresholds(true, true)})
	goldens := map[string]string{FormatText: "flows_failed.txt", FormatMarkdown: "flows_failed.md"}
	for _, format := range []string{FormatText, FormatMarkdown, FormatHTML, FormatJUnit} {
		t.Run(format, func(t *testing.T) {
			out := render(t, r, format)
			if g := goldens[format]; g != "" {
				golden.Assert(t, filepath.Join("testdata", g), []byte(out))
			}
			for _, w := range []string{"errors<1%", "checks>99%", "default"} {
				if !strings.Contains(out, w) {
					t.Errorf("%s report lacks %q", format, w)
				}
			}
		})
	}
	if got := gate.DescribeThresholds(r.Breached()); got != "errors<1% (default, measured 50 %), checks>99% (default, measured 66.67 %)" {
		t.Errorf("DescribeThresholds = %q, want each named as a default with its measured value", got)
	}
}

// TestNoDataThresholds: a threshold on the duration of completed iterations, in a run where
// none completed, fails and every format says "no data" where the value would be, never a
// measured 0.
func TestNoDataThresholds(t *testing.T) {
	r := failedFlowsRun(t)
	evaluate(t, r, gate.ThresholdSet{Flags: []string{"f.iteration.p99<2s"}})
	if got := r.Thresholds[0]; !got.NoData || got.Passed {
		t.Fatalf("f.iteration.p99<2s over no completed iteration = %+v, want failed with no data", got)
	}
	for _, format := range []string{FormatText, FormatMarkdown, FormatHTML, FormatJUnit} {
		t.Run(format, func(t *testing.T) {
			out := render(t, r, format)
			if !strings.Contains(out, "no data") {
				t.Errorf("%s report does not say no data", format)
			}
			for _, line := range strings.Split(out, "\n") {
				if strings.Contains(line, "f.iteration.p99<2s") && (format == FormatText || format == FormatMarkdown) && !strings.Contains(line, "no data") {
					t.Errorf("%s report: %q, want the measured value said as no data", format, line)
				}
			}
		})
	}
	if got := gate.DescribeThresholds(r.Breached()); got != "f.iteration.p99<2s (no data: nothing was measured)" {
		t.Errorf("DescribeThresholds = %q, want no data said", got)
	}
}
