package reports

import (
	"bytes"
	"html"
	"strings"
	"testing"

	"github.com/loadtestdev/loadtest/gate"
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

// TestDefaultAndNoDataThresholds: a run of flows whose every iteration failed, gated by the
// default thresholds and by an iteration duration that has no sample: every format marks the
// default ones as such and says "no data" where nothing was measured, never "0 ms".
func TestDefaultAndNoDataThresholds(t *testing.T) {
	r := resultstest.FlowResult(t, []resultstest.Flow{{Name: "f", Steps: []string{"a", "b"}, Iterations: 10, Failed: 10}}, 2)
	set := gate.ThresholdSet{Defaults: gate.DefaultThresholds(true, true), Requests: sortedRequestNames(r), Flows: r.FlowNames()}
	ths, err := gate.LoadThresholds(set)
	if err != nil {
		t.Fatal(err)
	}
	more, err := gate.LoadThresholds(gate.ThresholdSet{Flags: []string{"f.iteration.p99<2s"}, Flows: r.FlowNames()})
	if err != nil {
		t.Fatal(err)
	}
	r.Thresholds = gate.Evaluate(r, append(ths, more...))
	if got := r.Thresholds[2]; !got.NoData || got.Passed {
		t.Fatalf("f.iteration.p99<2s over no completed iteration = %+v, want failed with no data", got)
	}
	for _, format := range []string{FormatText, FormatMarkdown, FormatHTML, FormatJUnit} {
		t.Run(format, func(t *testing.T) {
			out := render(t, r, format)
			for _, w := range []string{"errors<1%", "checks>99%", "default", "no data"} {
				if !strings.Contains(out, w) {
					t.Errorf("%s report lacks %q", format, w)
				}
			}
			for _, line := range strings.Split(out, "\n") {
				if strings.Contains(line, "f.iteration.p99<2s") && (format == FormatText || format == FormatMarkdown) && !strings.Contains(line, "no data") {
					t.Errorf("%s report: %q, want the measured value said as no data", format, line)
				}
			}
		})
	}
	if got := gate.DescribeThresholds(r.Breached()); !strings.Contains(got, "f.iteration.p99<2s (no data") || !strings.Contains(got, "errors<1% (default, measured 50 %)") {
		t.Errorf("DescribeThresholds = %q, want the default named and the missing data said", got)
	}
}
