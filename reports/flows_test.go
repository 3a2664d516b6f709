package reports

import (
	"bytes"
	"encoding/csv"
	"encoding/xml"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/loadtestdev/loadtest/gate"
	"github.com/loadtestdev/loadtest/internal/golden"
	"github.com/loadtestdev/loadtest/results"
	"github.com/loadtestdev/loadtest/results/resultstest"
)

// flowsFixturePath is the result file of a run with flows that the flows goldens render: the
// resultstest signup run, with three thresholds evaluated (one failed).
var flowsFixturePath = filepath.Join("testdata", "flows.result.json")

var flowsFixtureThresholds = []string{"checks>99%", "login-and-swipe.iteration.p99<500ms", "login-and-swipe/login.p99<300ms", "browse.checks==100%"}

// TestFlowsFixtureFile keeps testdata/flows.result.json equal to what resultstest builds
// (-update rewrites it), so that the goldens below render a file a real reader reads.
func TestFlowsFixtureFile(t *testing.T) {
	r := resultstest.FlowResult(t, resultstest.SignupFlows(), 5)
	ths, err := gate.LoadThresholds(gate.ThresholdSet{Flags: flowsFixtureThresholds, Requests: sortedRequestNames(r), Flows: r.FlowNames()})
	if err != nil {
		t.Fatal(err)
	}
	r.Thresholds = gate.Evaluate(r, ths)
	var buf bytes.Buffer
	if err := results.Write(&buf, r); err != nil {
		t.Fatal(err)
	}
	golden.Assert(t, flowsFixturePath, buf.Bytes())
}

func readFlowsFixture(t *testing.T) *results.Result {
	t.Helper()
	r, err := results.ReadFile(flowsFixturePath)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func TestFlowsGoldenFormats(t *testing.T) {
	for _, tt := range []struct{ format, golden string }{
		{FormatText, "flows.txt"},
		{FormatMarkdown, "flows.md"},
		{FormatJUnit, "flows.junit.xml"},
		{FormatCSV, "flows.csv"},
	} {
		t.Run(tt.format, func(t *testing.T) {
			var buf bytes.Buffer
			if err := Write(&buf, readFlowsFixture(t), tt.format, Options{}); err != nil {
				t.Fatal(err)
			}
			golden.Assert(t, filepath.Join("testdata", tt.golden), buf.Bytes())
		})
	}
}

func TestFlowsInEveryTableFormat(t *testing.T) {
	r := readFlowsFixture(t)
	// What each format must show: every flow's tables, a step, the iteration duration of
	// failed iterations, and the failed check with its sample.
	want := []string{"Flow login-and-swipe: steps (latency)", "Flow browse: checks", "Flow login-and-swipe: iteration duration",
		"json $.matched exists", "no value at $.matched", "Flows (iterations)", "296 / 300"}
	for _, format := range []string{FormatText, FormatMarkdown, FormatHTML} {
		t.Run(format, func(t *testing.T) {
			var buf bytes.Buffer
			if err := Write(&buf, r, format, Options{}); err != nil {
				t.Fatal(err)
			}
			out := buf.String()
			if format == FormatHTML {
				out = strings.ReplaceAll(out, "&#34;", `"`)
			}
			for _, w := range want {
				if !strings.Contains(out, w) {
					t.Errorf("%s report lacks %q", format, w)
				}
			}
		})
	}
	var page bytes.Buffer
	if err := HTML(&page, r); err != nil {
		t.Fatal(err)
	}
	if got := strings.Count(page.String(), `<tr class="fail"><td>like</td><td>json $.matched exists</td>`); got != 1 {
		t.Errorf("html: %d highlighted failed check rows, want 1", got)
	}
}

func TestFlowsAbsentFromPlainReports(t *testing.T) {
	for _, format := range []string{FormatText, FormatMarkdown, FormatHTML, FormatCSV} {
		var buf bytes.Buffer
		if err := Write(&buf, fixtureResult(t), format, Options{}); err != nil {
			t.Fatal(err)
		}
		for _, w := range []string{"Flow", "iterations"} {
			if strings.Contains(buf.String(), w) {
				t.Errorf("%s report of a plain run shows %q", format, w)
			}
		}
	}
}

func TestJUnitChecks(t *testing.T) {
	var buf bytes.Buffer
	if err := JUnit(&buf, readFlowsFixture(t)); err != nil {
		t.Fatal(err)
	}
	var doc junitSuites
	if err := xml.Unmarshal(buf.Bytes(), &doc); err != nil {
		t.Fatalf("invalid XML: %v", err)
	}
	s := doc.Suites[0]
	var checks, failed []junitCase
	for _, c := range s.Cases {
		if strings.HasPrefix(c.Classname, "loadtest.signup.checks.") {
			checks = append(checks, c)
			if c.Failure != nil {
				failed = append(failed, c)
			}
		}
	}
	// login-and-swipe: a status check on 4 steps and a json check; browse: 2 and 1.
	if len(checks) != 8 || len(failed) != 1 {
		t.Fatalf("got %d check cases, %d failed, want 8 and 1", len(checks), len(failed))
	}
	f := failed[0]
	if f.Name != "like: json $.matched exists" || f.Classname != "loadtest.signup.checks.login-and-swipe" ||
		f.Failure.Message != `check "json $.matched exists" of login-and-swipe/like failed 4 of 60 times` ||
		!strings.Contains(f.Failure.Text, `sample: json $.matched exists: no value at $.matched in {"ok":true}`) {
		t.Errorf("got %+v %+v, want the like check's failure with its counts and sample", f, f.Failure)
	}
	// 4 thresholds (1 failed) and 8 checks (1 failed).
	if s.Tests != 12 || s.Failures != 2 {
		t.Errorf("suite: got %d tests, %d failures, want 12 and 2", s.Tests, s.Failures)
	}
}

func TestCSVFlowColumns(t *testing.T) {
	r := readFlowsFixture(t)
	var buf bytes.Buffer
	if err := CSV(&buf, r); err != nil {
		t.Fatal(err)
	}
	rows, err := csv.NewReader(&buf).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	header := rows[0]
	if header[len(header)-2] != "iterations" || header[len(header)-1] != "dropped_iterations" {
		t.Fatalf("header %v, want iterations and dropped_iterations last", header)
	}
	var started, dropped uint64
	for i, s := range r.Timeline {
		row := rows[i+1]
		if row[len(row)-2] != formatUint(s.Iterations) || row[len(row)-1] != formatUint(s.DroppedIterations) {
			t.Errorf("second %d: got %v, want %d and %d", i, row[len(row)-2:], s.Iterations, s.DroppedIterations)
		}
		started += s.Iterations
		dropped += s.DroppedIterations
	}
	if started != r.Iterations || dropped != r.DroppedIterations {
		t.Errorf("timeline sums: %d started %d dropped, want %d and %d", started, dropped, r.Iterations, r.DroppedIterations)
	}
}

func TestJSONFlows(t *testing.T) {
	r := readFlowsFixture(t)
	var buf bytes.Buffer
	if err := JSON(&buf, r, true); err != nil {
		t.Fatal(err)
	}
	back, err := results.Read(&buf)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(back.Flows, r.Flows) || !reflect.DeepEqual(back.Checks, r.Checks) || back.Iterations != r.Iterations ||
		back.IterationsCompleted != r.IterationsCompleted || back.IterationsFailed != r.IterationsFailed || back.DroppedIterations != r.DroppedIterations {
		t.Errorf("the json format lost flow fields: got %+v, want %+v", back.Flows, r.Flows)
	}
}

func formatUint(n uint64) string { return strconv.FormatUint(n, 10) }

func TestCompareFlowsGolden(t *testing.T) {
	base := readFlowsFixture(t)
	slower := resultstest.SignupFlows()
	slower[0].Base += 50 * time.Millisecond
	slower[0].Failed, slower[1].Dropped = 12, 9
	cur := resultstest.FlowResult(t, slower, 5)
	bounds, err := gate.ParseBounds("iteration.p99=10%,checks=0.5%,dropped_iterations=2,login-and-swipe/login.p99=10ms")
	if err != nil {
		t.Fatal(err)
	}
	c, err := gate.Compare(base, cur, bounds)
	if err != nil {
		t.Fatal(err)
	}
	for format, file := range map[string]string{FormatText: "compare_flows.txt", FormatMarkdown: "compare_flows.md"} {
		var buf bytes.Buffer
		if err := WriteComparison(&buf, c, CompareOptions{Format: format, Baseline: "base.json", Current: "cur.json"}); err != nil {
			t.Fatal(err)
		}
		golden.Assert(t, filepath.Join("testdata", file), buf.Bytes())
	}
}

func TestHlogWholeRunFlows(t *testing.T) {
	r := readFlowsFixture(t)
	var buf bytes.Buffer
	if err := Hlog(&buf, r, true); err != nil {
		t.Fatal(err)
	}
	hs := readHlog(t, buf.Bytes())
	if len(hs) != 4 {
		t.Fatalf("got %d intervals, want latency, service time and one per flow", len(hs))
	}
	for i, name := range r.FlowNames() {
		h := hs[2+i]
		if h.Tag() != "iteration."+name || uint64(h.TotalCount()) != r.Flows[name].Completed || float64(h.Max())/1000 < r.Flows[name].IterationMS.P99 {
			t.Errorf("interval %d: tag %q with %d values, want iteration.%s with %d", 2+i, h.Tag(), h.TotalCount(), name, r.Flows[name].Completed)
		}
	}
	if got := HlogIterationTag("a b,c=d"); got != "iteration.a_b_c_d" {
		t.Errorf("tag: got %q, want iteration.a_b_c_d", got)
	}
}

func TestIterationChart(t *testing.T) {
	charts, err := Charts(readFlowsFixture(t))
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, c := range charts {
		names = append(names, c.Name)
	}
	if !strings.Contains(strings.Join(names, ","), "percentiles,iterations") {
		t.Errorf("charts %v, want iterations after percentiles", names)
	}
	plain, err := Charts(fixtureResult(t))
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range plain {
		if c.Name == "iterations" {
			t.Errorf("a plain run has an iterations chart")
		}
	}
}
