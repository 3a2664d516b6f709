package gate

import (
	"errors"
	"math"
	"strings"
	"testing"
	"time"

	"github.com/loadtestdev/loadtest/results"
	"github.com/loadtestdev/loadtest/results/resultstest"
)

// The fixture (resultstest.SignupFlows over 5 s): login-and-swipe 60 iterations (56 completed
// in 380..540 ms, 4 failed in 430..460 ms at the like step's json check), 3 dropped, 296 check
// passes and 4 fails; browse 140 iterations of 10..58 ms, 5 dropped, 420 passes. The run: 200
// iterations, 8 dropped, checks 716/720.
func flowFixture(t testing.TB) *results.Result {
	return resultstest.FlowResult(t, resultstest.SignupFlows(), 5)
}

func TestParseFlowMetrics(t *testing.T) {
	it := func(s Stat, p float64) Metric { return Metric{Kind: KindIteration, Stat: s, Percentile: p} }
	tests := []struct {
		name          string
		expr          string
		request, flow string
		metric        Metric
		value         float64
		canon         string
	}{
		{"checks", "checks>99%", "", "", Metric{Kind: KindChecks}, 0.99, "checks>0.99"},
		{"checks of a flow", "login-and-swipe.checks>=99.5%", "", "login-and-swipe", Metric{Kind: KindChecks}, 0.995, "login-and-swipe.checks>=0.995"},
		{"checks of a step", "login-and-swipe/like.checks==100%", "login-and-swipe/like", "", Metric{Kind: KindChecks}, 1, "login-and-swipe/like.checks==1"},
		{"iterations", "iterations>=1000", "", "", Metric{Kind: KindIterations}, 1000, "iterations>=1000"},
		{"dropped", "dropped_iterations<10", "", "", Metric{Kind: KindDroppedIterations}, 10, "dropped_iterations<10"},
		{"dropped of a flow", "browse.dropped_iterations==0", "", "browse", Metric{Kind: KindDroppedIterations}, 0, "browse.dropped_iterations==0"},
		{"iteration p99", "iteration.p99<2s", "", "", it(StatPercentile, 99), 2000, "iteration.p99<2000ms"},
		{"iteration p99 of a flow", "login-and-swipe.iteration.p99<2s", "", "login-and-swipe", it(StatPercentile, 99), 2000, "login-and-swipe.iteration.p99<2000ms"},
		{"iteration p(99.9)", "iteration.p(99.9)<3s", "", "", it(StatPercentile, 99.9), 3000, "iteration.p99.9<3000ms"},
		{"iteration mean", "iteration.mean<1s", "", "", it(StatMean, 0), 1000, "iteration.mean<1000ms"},
		{"iteration min", "iteration.min>=100ms", "", "", it(StatMin, 0), 100, "iteration.min>=100ms"},
		{"iteration max", "browse.iteration.max<1m", "", "browse", it(StatMax, 0), 60000, "browse.iteration.max<60000ms"},
		{"failed iteration", "failed_iteration.p50<1s", "", "", Metric{Kind: KindFailedIteration, Stat: StatPercentile, Percentile: 50}, 1000, "failed_iteration.p50<1000ms"},
		{"step latency", "login-and-swipe/login.p99<300ms", "login-and-swipe/login", "", Metric{Kind: KindLatency, Stat: StatPercentile, Percentile: 99}, 300, "login-and-swipe/login.p99<300ms"},
		{"step errors", "login-and-swipe/login.errors<1%", "login-and-swipe/login", "", Metric{Kind: KindErrors}, 0.01, "login-and-swipe/login.errors<0.01"},
		{"min latency", "min>=1ms", "", "", Metric{Kind: KindLatency, Stat: StatMin}, 1, "min>=1ms"},
		{"service time min", "service_time.min<1ms", "", "", Metric{Kind: KindServiceTime, Stat: StatMin}, 1, "service_time.min<1ms"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			th, err := Parse(tt.expr)
			if err != nil {
				t.Fatal(err)
			}
			if th.Request != tt.request || th.Flow != tt.flow || th.Metric != tt.metric || math.Abs(th.Value-tt.value) > 1e-12 {
				t.Errorf("got request %q flow %q metric %+v value %v, want %q %q %+v %v", th.Request, th.Flow, th.Metric, th.Value, tt.request, tt.flow, tt.metric, tt.value)
			}
			if got := th.Canonical(); got != tt.canon {
				t.Errorf("canonical: got %q, want %q", got, tt.canon)
			}
		})
	}
}

func TestParseFlowMetricErrors(t *testing.T) {
	tests := []struct {
		name, expr string
		col        int
		want       string
	}{
		{"iteration of a step", "login-and-swipe/login.iteration.p99<1s", 1, "iteration.p99 is measured per flow, not per step: scope it to the flow (login-and-swipe.iteration.p99)"},
		{"iterations of a step", "a/b.iterations>1", 1, "iterations is measured per flow, not per step"},
		{"unknown iteration statistic", "iteration.pz<1s", 11, `unknown statistic "pz" after iteration., want a percentile (p99, p(99.9)), mean, min or max`},
		{"scoped unknown statistic", "browse.failed_iteration.avg<1s", 25, `unknown statistic "avg" after failed_iteration.`},
		{"checks above 100%", "checks>101%", 8, "want 0% to 100%"},
		{"checks as a duration", "checks>1s", 8, "want a ratio like 0.1% or 0.001"},
		{"iterations not a count", "iterations>1.5", 12, "want a count like 1000"},
		{"iteration as a ratio", "iteration.p99<1%", 15, "want a duration like 200ms"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Parse(tt.expr)
			pe, ok := err.(*ParseError)
			if !ok {
				t.Fatalf("got %v, want a *ParseError", err)
			}
			if pe.Col != tt.col || !strings.Contains(pe.Msg, tt.want) {
				t.Errorf("got column %d %q, want column %d containing %q", pe.Col, pe.Msg, tt.col, tt.want)
			}
		})
	}
}

func TestEvaluateFlows(t *testing.T) {
	r := flowFixture(t)
	all, _, err := r.IterationHistograms("")
	if err != nil {
		t.Fatal(err)
	}
	browse, _, err := r.IterationHistograms("browse")
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		expr     string
		measured float64
		unit     string
		passed   bool
	}{
		{"checks>99%", 100 * 716.0 / 720, "%", true},
		{"checks==100%", 100 * 716.0 / 720, "%", false},
		{"login-and-swipe.checks>99%", 100 * 296.0 / 300, "%", false},
		{"login-and-swipe/like.checks>=100%", 100 * 116.0 / 120, "%", false},
		{"login-and-swipe/vcode.checks==100%", 100, "%", true},
		{"browse.checks==100%", 100, "%", true},
		{"iterations==200", 200, "", true},
		{"browse.iterations>=150", 140, "", false},
		{"dropped_iterations<=8", 8, "", true},
		{"login-and-swipe.dropped_iterations<3", 3, "", false},
		{"iteration.max<100ms", r.Flows["login-and-swipe"].IterationMS.Max, "ms", false},
		{"iteration.p50<100ms", percentileMS(all, 50), "ms", true},
		{"iteration.p(75)<1s", percentileMS(all, 75), "ms", true},
		{"iteration.min>=10ms", r.Flows["browse"].IterationMS.Min, "ms", true},
		{"login-and-swipe.iteration.p99<2s", r.Flows["login-and-swipe"].IterationMS.P99, "ms", true},
		{"login-and-swipe.iteration.min>=379ms", r.Flows["login-and-swipe"].IterationMS.Min, "ms", true},
		{"browse.iteration.p(75)<60ms", percentileMS(browse, 75), "ms", true},
		{"browse.iteration.mean<20ms", r.Flows["browse"].IterationMS.Mean, "ms", false},
		{"failed_iteration.max<470ms", r.Flows["login-and-swipe"].FailedIterationMS.Max, "ms", true},
		{"login-and-swipe/login.p99<300ms", r.ByRequest["login-and-swipe/login"].LatencyMS.P99, "ms", true},
		{"login-and-swipe/like.errors<1%", 100 * 4.0 / 60, "%", false},
		// No evidence fails: a flow without failed iterations, an unknown flow.
		{"browse.failed_iteration.p99<1s", 0, "ms", false},
		{"nope.iterations>=0", 0, "", false},
		{"nope/step.checks>0", 0, "%", false},
	}
	for _, tt := range tests {
		t.Run(tt.expr, func(t *testing.T) {
			got := Evaluate(r, []Threshold{mustParse(t, tt.expr)})[0]
			if got.Passed != tt.passed || got.Unit != tt.unit {
				t.Errorf("got passed %v unit %q (measured %v), want %v %q", got.Passed, got.Unit, got.Measured, tt.passed, tt.unit)
			}
			if math.Abs(got.Measured-tt.measured) > 1e-9*math.Max(1, tt.measured) {
				t.Errorf("measured: got %v, want %v", got.Measured, tt.measured)
			}
		})
	}
}

func TestEvaluateFlowMetricsOnPlainRun(t *testing.T) {
	r := fabricate(t, 100, 0, 1, linear)
	for _, expr := range []string{"checks>=0%", "iterations>=0", "dropped_iterations<1", "iteration.p99<1m"} {
		if got := Evaluate(r, []Threshold{mustParse(t, expr)})[0]; got.Passed || got.Measured != 0 {
			t.Errorf("%s on a run without flows: got %+v, want a failure measured 0 (no evidence)", expr, got)
		}
	}
}

func TestLoadThresholdsFlows(t *testing.T) {
	steps := []string{"login-and-swipe/vcode", "login-and-swipe/login", "login-and-swipe/like", "browse/rcmd"}
	flows := []string{"login-and-swipe", "browse"}
	tests := []struct {
		name     string
		flags    []string
		requests []string
		flows    []string
		want     string // in the error; "" for none
	}{
		{"run-wide flow metrics", []string{"checks>99%", "iteration.p99<2s", "dropped_iterations==0", "iterations>10"}, steps, flows, ""},
		{"a flow", []string{"login-and-swipe.iteration.p99<2s", "browse.checks>99%"}, steps, flows, ""},
		{"a step", []string{"login-and-swipe/login.p99<300ms", "login-and-swipe/like.checks==100%"}, steps, flows, ""},
		{"unknown flow", []string{"login.iteration.p99<2s"}, steps, flows,
			`threshold "login.iteration.p99<2s": unknown flow "login" (known flows: browse, login-and-swipe)`},
		{"unknown step", []string{"login-and-swipe/logout.p99<1s"}, steps, flows, `unknown request "login-and-swipe/logout"`},
		{"a request metric on a flow", []string{"login-and-swipe.p99<1s"}, steps, flows,
			`threshold "login-and-swipe.p99<1s": "login-and-swipe" is a flow, and p99 is measured per request: scope it to a step (login-and-swipe/STEP.p99), or use a flow metric (login-and-swipe.iteration.p99, login-and-swipe.checks)`},
		{"unknown step of checks", []string{"browse/like.checks>99%"}, steps, flows, `unknown request "browse/like"`},
		{"flows not known: not checked", []string{"login.iteration.p99<2s", "checks>99%"}, steps, nil, ""},
		{"a scenario without flows", []string{"checks>99%", "p99<1s"}, []string{"get"}, []string{},
			`threshold "checks>99%": checks is measured on flows, and the scenario has none (it has requests:) (the scenario has no flows)`},
		{"a flow metric scoped in a scenario without flows", []string{"x.iterations>1"}, []string{"get"}, []string{}, "measured on flows"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ths, err := LoadThresholds(ThresholdSet{Flags: tt.flags, Requests: tt.requests, Flows: tt.flows})
			if tt.want == "" {
				if err != nil || len(ths) != len(tt.flags) {
					t.Fatalf("got %d thresholds, %v, want %d and no error", len(ths), err, len(tt.flags))
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("got %v, want an error containing %q", err, tt.want)
			}
		})
	}
}

func TestCanRecoverFlows(t *testing.T) {
	partial := flowFixture(t)
	plain := fabricate(t, 100, 0, 1, linear)
	tests := []struct {
		name    string
		expr    string
		partial *results.Result
		want    bool
	}{
		{"dropped reached its bound", "dropped_iterations<8", partial, false},
		{"dropped below its bound", "dropped_iterations<9", partial, true},
		{"dropped equal passed over", "dropped_iterations==7", partial, false},
		{"dropped lower bound", "dropped_iterations>100", partial, true},
		{"flow dropped", "login-and-swipe.dropped_iterations<=2", partial, false},
		{"iterations upper bound crossed", "iterations<200", partial, false},
		{"iterations lower bound: more can start", "iterations>=100000", partial, true},
		{"checks all must pass: a fail is for good", "checks==100%", partial, false},
		{"checks at least 100%", "checks>=100%", partial, false},
		{"checks above a ratio: passes can come", "checks>99.9%", partial, true},
		{"checks at most 0: a pass is for good", "checks<=0", partial, false},
		{"checks below a ratio: fails can come", "checks<50%", partial, true},
		{"flow without fails", "browse.checks==100%", partial, true},
		{"step with fails", "login-and-swipe/like.checks>=100%", partial, false},
		{"step without fails", "login-and-swipe/vcode.checks==100%", partial, true},
		{"iteration max crossed", "iteration.max<500ms", partial, false},
		{"iteration max lower bound", "iteration.max>10s", partial, true},
		{"iteration min crossed", "iteration.min>100ms", partial, false},
		{"iteration min can fall", "iteration.min<5ms", partial, true},
		{"iteration percentile: unknown", "iteration.p99<100ms", partial, true},
		{"iteration mean: unknown", "iteration.mean<1ms", partial, true},
		{"failed iteration max", "login-and-swipe.failed_iteration.max<450ms", partial, false},
		{"no failed iteration yet", "browse.failed_iteration.max<1ms", partial, true},
		{"unknown flow", "nope.iterations<1", partial, true},
		{"no flows yet", "checks==100%", plain, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			th := mustParse(t, tt.expr)
			if got := CanRecover(th, tt.partial, 0); got != tt.want {
				t.Errorf("CanRecover(%s): got %v, want %v", tt.expr, got, tt.want)
			}
			// Never abort what passes now.
			if Evaluate(tt.partial, []Threshold{th})[0].Passed && len(Unrecoverable(tt.partial, []Threshold{th}, 0)) > 0 {
				t.Errorf("%s passes but is unrecoverable", tt.expr)
			}
		})
	}
}

func TestUnrecoverableFlows(t *testing.T) {
	partial := flowFixture(t)
	ths := []Threshold{
		mustParse(t, "checks==100%"),                // failing, lost: 4 checks failed
		mustParse(t, "checks>99.9%"),                // failing, recoverable
		mustParse(t, "dropped_iterations<100"),      // passing
		mustParse(t, "browse.dropped_iterations<5"), // failing, lost
		mustParse(t, "iteration.p99<100ms"),         // failing, recoverable
	}
	got := Unrecoverable(partial, ths, 0)
	if len(got) != 2 || got[0].Expression != "checks==100%" || got[1].Expression != "browse.dropped_iterations<5" {
		t.Errorf("got %+v, want checks==100%% and browse.dropped_iterations<5", got)
	}
}

func TestReachableHolds(t *testing.T) {
	closed := interval{lo: 0, hi: 1}
	open := interval{lo: 0, hi: 1, loOpen: true, hiOpen: true}
	tests := []struct {
		name  string
		op    Op
		bound float64
		iv    interval
		want  bool
	}{
		{"<= closed lo", OpLessEqual, 0, closed, true},
		{"<= open lo", OpLessEqual, 0, open, false},
		{"< open lo above", OpLess, 0.001, open, true},
		{">= closed hi", OpGreaterEqual, 1, closed, true},
		{">= open hi", OpGreaterEqual, 1, open, false},
		{"> open hi below", OpGreater, 0.999, open, true},
		{"== inside", OpEqual, 0.5, open, true},
		{"== open end", OpEqual, 1, open, false},
		{"== closed end", OpEqual, 1, closed, true},
		{"== above", OpEqual, 2, closed, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := reachableHolds(tt.op, tt.bound, tt.iv); got != tt.want {
				t.Errorf("got %v, want %v", got, tt.want)
			}
		})
	}
}

func TestWatcherStopsOnAFailedCheck(t *testing.T) {
	ths, err := LoadThresholds(ThresholdSet{Flags: []string{"checks==100%", "checks>90%"}, Flows: []string{"browse", "login-and-swipe"}})
	if err != nil {
		t.Fatal(err)
	}
	clean := resultstest.SignupFlows()
	clean[0].Failed = 0
	passing, failing := resultstest.FlowResult(t, clean, 2), flowFixture(t)
	w := NewWatcher(ths, 0)
	stopped := -1
	for i, p := range []*results.Result{passing, failing, failing} {
		tick := Tick{Elapsed: time.Duration(i+1) * time.Second, Requests: p.Requests, Partial: func() Partial { return fixedPartial{p} }}
		if err := w.Observe(tick); err != nil {
			if !errors.Is(err, ErrAbortOnFail) {
				t.Fatalf("Observe: %v", err)
			}
			stopped = i
			break
		}
		w.pending.Wait()
	}
	w.Stop()
	a := w.Aborted()
	if stopped != 2 || a == nil || len(a.Lost) != 1 || a.Lost[0].Expression != "checks==100%" {
		t.Fatalf("stopped at %d with %+v, want the third second and checks==100%% lost", stopped, a)
	}
}
