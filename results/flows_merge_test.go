package results_test

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/loadtestdev/loadtest/results"
	"github.com/loadtestdev/loadtest/results/resultstest"
)

func TestMergeFlowsWithItselfDoublesEveryCount(t *testing.T) {
	a := resultstest.FlowResult(t, resultstest.SignupFlows(), 5)
	m, err := results.Merge(a, a)
	if err != nil {
		t.Fatal(err)
	}
	counts := []struct {
		name      string
		got, want uint64
	}{
		{"iterations", m.Iterations, 2 * a.Iterations},
		{"completed", m.IterationsCompleted, 2 * a.IterationsCompleted},
		{"failed", m.IterationsFailed, 2 * a.IterationsFailed},
		{"dropped", m.DroppedIterations, 2 * a.DroppedIterations},
		{"check passes", m.Checks.Passes, 2 * a.Checks.Passes},
		{"check fails", m.Checks.Fails, 2 * a.Checks.Fails},
		{"requests", m.Requests, 2 * a.Requests},
	}
	for _, name := range a.FlowNames() {
		af, mf := a.Flows[name], m.Flows[name]
		counts = append(counts, []struct {
			name      string
			got, want uint64
		}{
			{name + " iterations", mf.Iterations, 2 * af.Iterations},
			{name + " completed", mf.Completed, 2 * af.Completed},
			{name + " failed", mf.Failed, 2 * af.Failed},
			{name + " dropped", mf.Dropped, 2 * af.Dropped},
		}...)
		for i, c := range af.Checks {
			counts = append(counts, []struct {
				name      string
				got, want uint64
			}{
				{name + "/" + c.Step + " " + c.Name + " passes", mf.Checks[i].Passes, 2 * c.Passes},
				{name + "/" + c.Step + " " + c.Name + " fails", mf.Checks[i].Fails, 2 * c.Fails},
			}...)
		}
		// Every percentile is that of the source's histograms with each value twice (HdrHistogram
		// rounds a percentile's rank, so the p90 of 56 values and of the same 112 may differ).
		c, f, err := a.IterationHistograms(name)
		if err != nil {
			t.Fatal(err)
		}
		c2, f2, err := a.IterationHistograms(name)
		if err != nil {
			t.Fatal(err)
		}
		c.Merge(c2)
		f.Merge(f2)
		if mf.IterationMS != results.Summarize(c) || mf.FailedIterationMS != results.Summarize(f) {
			t.Errorf("%s iteration percentiles: got %+v / %+v, want %+v / %+v", name, mf.IterationMS, mf.FailedIterationMS, results.Summarize(c), results.Summarize(f))
		}
		if !reflect.DeepEqual(mf.Steps, af.Steps) || len(mf.Checks) != len(af.Checks) {
			t.Errorf("%s: steps %v with %d checks, want %v with %d", name, mf.Steps, len(mf.Checks), af.Steps, len(af.Checks))
		}
		for i, c := range af.Checks {
			if mf.Checks[i].Sample != c.Sample || mf.Checks[i].Name != c.Name || mf.Checks[i].Step != c.Step {
				t.Errorf("%s check %d: got %+v, want the sample and names of %+v", name, i, mf.Checks[i], c)
			}
		}
	}
	for i, s := range m.Timeline {
		counts = append(counts, []struct {
			name      string
			got, want uint64
		}{
			{"second iterations", s.Iterations, 2 * a.Timeline[i].Iterations},
			{"second dropped", s.DroppedIterations, 2 * a.Timeline[i].DroppedIterations},
		}...)
	}
	for _, c := range counts {
		if c.got != c.want {
			t.Errorf("%s: got %d, want %d", c.name, c.got, c.want)
		}
	}
	if m.Checks.Ratio != a.Checks.Ratio {
		t.Errorf("checks ratio: got %v, want %v", m.Checks.Ratio, a.Checks.Ratio)
	}
	for name, s := range a.ByRequest {
		if got := m.ByRequest[name]; got.Requests != 2*s.Requests || got.LatencyMS != s.LatencyMS {
			t.Errorf("step %s: got %d requests %+v, want %d %+v", name, got.Requests, got.LatencyMS, 2*s.Requests, s.LatencyMS)
		}
	}
}

func TestMergeFlowsIsExact(t *testing.T) {
	a := resultstest.FlowResult(t, resultstest.SignupFlows(), 5)
	slow := resultstest.SignupFlows()
	for i := range slow {
		slow[i].Base += 400 * time.Millisecond
		slow[i].Failed += 2
	}
	b := resultstest.FlowResult(t, slow, 5)
	m, err := results.Merge(a, b)
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range a.FlowNames() {
		// The merged summaries are those of one histogram of both runs' iterations.
		ac, af, err := a.IterationHistograms(name)
		if err != nil {
			t.Fatal(err)
		}
		bc, bf, err := b.IterationHistograms(name)
		if err != nil {
			t.Fatal(err)
		}
		ac.Merge(bc)
		af.Merge(bf)
		if got, want := m.Flows[name].IterationMS, results.Summarize(ac); got != want {
			t.Errorf("%s completed: got %+v, want %+v", name, got, want)
		}
		if got, want := m.Flows[name].FailedIterationMS, results.Summarize(af); got != want {
			t.Errorf("%s failed: got %+v, want %+v", name, got, want)
		}
	}
	if got, want := m.IterationsFailed, a.IterationsFailed+b.IterationsFailed; got != want || m.Flows["browse"].Failed != 2 {
		t.Errorf("failed iterations: got %d (browse %d), want %d (browse 2)", got, m.Flows["browse"].Failed, want)
	}
	if got, want := m.Checks.Ratio, results.ChecksRatio(a.Checks.Passes+b.Checks.Passes, a.Checks.Fails+b.Checks.Fails); got != want {
		t.Errorf("checks ratio: got %v, want %v", got, want)
	}
	// The merged file reads back with every flow histogram intact.
	var buf bytes.Buffer
	if err := results.Write(&buf, m); err != nil {
		t.Fatal(err)
	}
	back, err := results.Read(&buf)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(back.Flows, m.Flows) {
		t.Errorf("flows changed on the round trip: got %+v, want %+v", back.Flows, m.Flows)
	}
}

func TestMergeFlowsWithoutIterationHistogram(t *testing.T) {
	a := resultstest.FlowResult(t, resultstest.SignupFlows(), 2)
	b := resultstest.FlowResult(t, resultstest.SignupFlows(), 2)
	b.Flows["browse"].Histograms.Iteration = ""
	if _, err := results.Merge(a, b); !errors.Is(err, results.ErrMismatch) || !strings.Contains(err.Error(), `flow "browse" has no iteration histogram`) {
		t.Fatalf("got %v, want ErrMismatch naming flow browse", err)
	}
	m, err := results.MergeWith(results.MergeOptions{Force: true}, a, b)
	if err != nil {
		t.Fatal(err)
	}
	if got := m.Flows["browse"].Completed; got != 2*a.Flows["browse"].Completed {
		t.Errorf("forced: got %d completed, want %d", got, 2*a.Flows["browse"].Completed)
	}
}

func TestReadFileFlows(t *testing.T) {
	write := func(t *testing.T, r *results.Result) string {
		var buf bytes.Buffer
		if err := results.Write(&buf, r); err != nil {
			t.Fatal(err)
		}
		path := filepath.Join(t.TempDir(), "r.json")
		if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
		return path
	}
	for _, c := range []struct {
		name string
		edit func(*results.Result)
		want string // in the error, "" for none
	}{
		{name: "good", edit: func(*results.Result) {}},
		{name: "corrupt iteration histogram", edit: func(r *results.Result) { r.Flows["browse"].Histograms.Iteration = "HISTFAAAx" },
			want: `flows["browse"].histograms.iteration: corrupt histogram`},
		{name: "corrupt failed iteration histogram", edit: func(r *results.Result) { r.Flows["login-and-swipe"].Histograms.FailedIteration = "x" },
			want: `flows["login-and-swipe"].histograms.failed_iteration: corrupt histogram`},
		{name: "a null flow", edit: func(r *results.Result) { r.Flows["browse"] = nil }},
	} {
		t.Run(c.name, func(t *testing.T) {
			r := resultstest.FlowResult(t, resultstest.SignupFlows(), 2)
			c.edit(r)
			got, err := results.ReadFile(write(t, r))
			if c.want == "" {
				if err != nil {
					t.Fatalf("got %v, want no error", err)
				}
				if got.Iterations != r.Iterations || len(got.FlowNames()) != len(r.FlowNames()) {
					t.Errorf("got %d iterations in flows %v, want %d in %v", got.Iterations, got.FlowNames(), r.Iterations, r.FlowNames())
				}
				return
			}
			if err == nil || !errors.Is(err, results.ErrInvalid) || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("got %v, want an invalid-file error containing %q", err, c.want)
			}
		})
	}
}

func TestReadFileWithoutFlowFields(t *testing.T) {
	// A result written before flows existed: no iterations, checks or flows.
	old := `{"schema": "loadtest.result/v1", "scenario": "echo", "requests": 3, "successes": 3,
"timeline": [{"t": 1, "requests": 3}], "by_request": {"get": {"requests": 3}}}`
	r, err := results.Read(strings.NewReader(old))
	if err != nil {
		t.Fatal(err)
	}
	if r.HasFlows() || r.Checks != nil || r.Iterations != 0 || r.Timeline[0].Iterations != 0 {
		t.Errorf("got flows %v checks %v iterations %d, want none", r.Flows, r.Checks, r.Iterations)
	}
	m, err := results.MergeWith(results.MergeOptions{Force: true}, r, r) // it has no histograms either
	if err != nil {
		t.Fatal(err)
	}
	if m.HasFlows() || m.Checks != nil {
		t.Errorf("merged: got flows %v checks %v, want none", m.Flows, m.Checks)
	}
	var buf bytes.Buffer
	if err := results.Write(&buf, m); err != nil {
		t.Fatal(err)
	}
	for _, field := range []string{`"flows"`, `"checks"`, `"iterations"`, `"dropped_iterations"`} {
		if strings.Contains(buf.String(), field) {
			t.Errorf("a merged plain run writes %s, want it omitted", field)
		}
	}
}

func TestChecksRatioAndTotals(t *testing.T) {
	tests := []struct {
		name          string
		passes, fails uint64
		want          float64
	}{
		{"no check ran", 0, 0, 1},
		{"all passed", 10, 0, 1},
		{"one in four failed", 3, 1, 0.75},
		{"all failed", 0, 5, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := results.ChecksRatio(tt.passes, tt.fails); got != tt.want {
				t.Errorf("got %v, want %v", got, tt.want)
			}
		})
	}
	r := resultstest.FlowResult(t, resultstest.SignupFlows(), 2)
	f := r.Flows["login-and-swipe"]
	if c := f.CheckTotals(); c.Passes != 4*60+56 || c.Fails != 4 {
		t.Errorf("flow totals: got %+v, want 296 passes and 4 fails", c)
	}
	if c, ok := f.StepChecks("like"); !ok || c.Passes != 60+56 || c.Fails != 4 {
		t.Errorf("step like: got %+v %v, want 116 passes, 4 fails", c, ok)
	}
	if _, ok := f.StepChecks("nope"); ok {
		t.Errorf("step nope: got checks, want none")
	}
}
