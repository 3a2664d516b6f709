package gate

import (
	"math"
	"strings"
	"testing"
	"time"

	"github.com/loadtestdev/loadtest/results"
	"github.com/loadtestdev/loadtest/results/resultstest"
)

// controlFixture is flowFixture with two polling steps and skipped steps:
// login-and-swipe/rcmd polled 4 times (completions 100, 200, 300 ms; one timed out; attempts
// 2, 3, 4, 9), browse/profile polled twice (completions 1 s and 2 s, attempts 1 and 5), and
// login-and-swipe/like skipped 7 times, browse/profile 3 times.
func controlFixture(t testing.TB) *results.Result {
	r := flowFixture(t)
	ms := time.Millisecond
	resultstest.AddControl(t, r, []resultstest.Poll{
		{Flow: "login-and-swipe", Step: "rcmd", Completions: []time.Duration{100 * ms, 200 * ms, 300 * ms}, Attempts: []uint64{2, 3, 4, 9}, TimedOut: 1},
		{Flow: "browse", Step: "profile", Completions: []time.Duration{time.Second, 2 * time.Second}, Attempts: []uint64{1, 5}},
	}, map[string]uint64{"login-and-swipe/like": 7, "browse/profile": 3})
	return r
}

func TestControlMetrics(t *testing.T) {
	r := controlFixture(t)
	tests := []struct {
		expr   string
		value  float64 // measured, in the metric's base unit (HdrHistogram: within 0.1%)
		holds  bool
		noData bool
	}{
		{expr: "login-and-swipe/rcmd.completion.p99<5s", value: 300, holds: true},
		{expr: "login-and-swipe/rcmd.completion.max<=301ms", value: 300, holds: true},
		{expr: "login-and-swipe/rcmd.completion.mean<150ms", value: 200, holds: false},
		{expr: "login-and-swipe/rcmd.completion.min>=99ms", value: 100, holds: true},
		{expr: "completion.max<1.5s", value: 2000, holds: false}, // every poll of the run
		{expr: "completion.p50<=301ms", value: 300, holds: true}, // 100 200 300 1000 2000
		{expr: "browse.completion.p50<2s", value: 1000, holds: true},
		{expr: "login-and-swipe/rcmd.attempts.max<20", value: 9, holds: true},
		{expr: "login-and-swipe/rcmd.attempts.max<9", value: 9, holds: false},
		{expr: "login-and-swipe/rcmd.attempts.mean<=4.5", value: 4.5, holds: true},
		{expr: "attempts.mean<4", value: 24.0 / 6, holds: false},
		{expr: "skipped==10", value: 10, holds: true},
		{expr: "login-and-swipe.skipped<5", value: 7, holds: false},
		{expr: "browse/profile.skipped<=3", value: 3, holds: true},
		{expr: "browse/rcmd.skipped==0", value: 0, holds: true},
		{expr: "browse/rcmd.completion.p99<1s", noData: true},
		{expr: "browse/rcmd.attempts.max<3", noData: true},
	}
	for _, tt := range tests {
		t.Run(tt.expr, func(t *testing.T) {
			th, err := Parse(tt.expr)
			if err != nil {
				t.Fatal(err)
			}
			v, ok := Measure(r, th.Scope(), th.Metric)
			if ok == tt.noData {
				t.Fatalf("got data %v (%v), want data %v", ok, v, !tt.noData)
			}
			if tt.noData {
				return
			}
			if math.Abs(v-tt.value) > 1e-3*max(1, tt.value) {
				t.Errorf("got %v, want %v", v, tt.value)
			}
			if got := th.Op.Holds(v, th.Value); got != tt.holds {
				t.Errorf("holds: got %v, want %v", got, tt.holds)
			}
		})
	}
}

func TestParseControlMetrics(t *testing.T) {
	for _, tt := range []struct{ expr, request, flow, canon, err string }{
		{expr: "async/wait.completion.p99<5s", request: "async/wait", canon: "async/wait.completion.p99<5000ms"},
		{expr: "async.completion.p(99.9)<5s", flow: "async", canon: "async.completion.p99.9<5000ms"},
		{expr: "async/wait.attempts.max<20", request: "async/wait", canon: "async/wait.attempts.max<20"},
		{expr: "attempts.mean<2.5", canon: "attempts.mean<2.5"},
		{expr: "skipped==0", canon: "skipped==0"},
		{expr: "async/like.skipped<10", request: "async/like", canon: "async/like.skipped<10"},
		{expr: "async/wait.attempts.p99<3", err: `threshold "async/wait.attempts.p99<3": at 21: unknown statistic "p99" after attempts., want max or mean`},
		{expr: "attempts.max<3s", err: `bad value "3s", want a number of attempts like 20 or 2.5`},
		{expr: "completion.p99<3", err: `bad value "3", want a duration`},
		{expr: "skipped<1.5", err: `bad value "1.5", want a count like 1000`},
	} {
		t.Run(tt.expr, func(t *testing.T) {
			th, err := Parse(tt.expr)
			if tt.err != "" {
				if err == nil || !strings.Contains(err.Error(), tt.err) {
					t.Fatalf("got %v, want an error containing %q", err, tt.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if th.Request != tt.request || th.Flow != tt.flow || th.Canonical() != tt.canon {
				t.Errorf("got request %q flow %q canonical %q, want %q %q %q", th.Request, th.Flow, th.Canonical(), tt.request, tt.flow, tt.canon)
			}
			if back, err := Parse(th.Canonical()); err != nil || back.Canonical() != tt.canon {
				t.Errorf("the canonical form does not parse back: %v %v", back, err)
			}
		})
	}
}

func TestCanRecoverControl(t *testing.T) {
	r := controlFixture(t)
	for _, tt := range []struct {
		expr string
		want bool
	}{
		{"skipped<10", false}, // 10 skipped already: it only grows
		{"skipped<=10", true}, // not yet broken
		{"skipped>100", true}, // can still grow
		{"login-and-swipe/rcmd.attempts.max<9", false},
		{"login-and-swipe/rcmd.attempts.mean<2", true}, // a mean can still fall
		{"completion.max<1s", false},
		{"completion.min>200ms", false},
		{"completion.p99<1s", true},
		{"browse/rcmd.completion.max<1ms", true}, // no data yet
	} {
		t.Run(tt.expr, func(t *testing.T) {
			th, err := Parse(tt.expr)
			if err != nil {
				t.Fatal(err)
			}
			if got := CanRecover(th, r, 0); got != tt.want {
				t.Errorf("got %v, want %v", got, tt.want)
			}
		})
	}
}

func TestCompareControl(t *testing.T) {
	base := controlFixture(t)
	cur := flowFixture(t)
	ms := time.Millisecond
	resultstest.AddControl(t, cur, []resultstest.Poll{
		{Flow: "login-and-swipe", Step: "rcmd", Completions: []time.Duration{400 * ms, 500 * ms, 600 * ms}, Attempts: []uint64{2, 3, 4}},
	}, map[string]uint64{"login-and-swipe/like": 9})
	bounds, err := ParseBounds("login-and-swipe/rcmd.completion.p99=10%,login-and-swipe.skipped=5")
	if err != nil {
		t.Fatal(err)
	}
	c, err := Compare(base, cur, bounds)
	if err != nil {
		t.Fatal(err)
	}
	rows := map[string]Row{}
	for _, r := range c.Rows {
		rows[r.Name] = r
	}
	for _, tt := range []struct {
		name          string
		base, current float64
		broken        bool
	}{
		{"login-and-swipe/rcmd.completion.p99", 300, 600, true}, // doubled, bound 10%
		{"login-and-swipe/rcmd.attempts.max", 9, 4, false},
		{"login-and-swipe/rcmd.attempts.mean", 4.5, 3, false},
		{"login-and-swipe.skipped", 7, 9, false}, // +2, bound 5
		{"browse/profile.completion.p50", 1000, 0, false},
	} {
		r, ok := rows[tt.name]
		if !ok {
			t.Errorf("no row %s in %v", tt.name, c.Rows)
			continue
		}
		if math.Abs(r.Base-tt.base) > 1e-3*max(1, tt.base) || (r.HasCurrent && math.Abs(r.Current-tt.current) > 1e-3*max(1, tt.current)) || r.Broken != tt.broken {
			t.Errorf("%s: got base %v current %v (has %v) broken %v, want %v %v %v", tt.name, r.Base, r.Current, r.HasCurrent, r.Broken, tt.base, tt.current, tt.broken)
		}
	}
	if r := rows["browse/profile.completion.p50"]; r.HasCurrent {
		t.Errorf("browse/profile polls only in the baseline, got current data %v", r.Current)
	}
}
