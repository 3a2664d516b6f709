package gate

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/loadtestdev/loadtest/results"
)

func TestParseBounds(t *testing.T) {
	tests := []struct {
		spec string
		want []Bound // Expr is not compared
	}{
		{"", nil},
		{"p99=10%", []Bound{{Metric: Metric{Kind: KindLatency, Stat: StatPercentile, Percentile: 99}, Relative: true, Value: 0.1}}},
		{"p99=5ms", []Bound{{Metric: Metric{Kind: KindLatency, Stat: StatPercentile, Percentile: 99}, Value: 5}}},
		{"max=1s", []Bound{{Metric: Metric{Kind: KindLatency, Stat: StatMax}, Value: 1000}}},
		{"errors=0.1%", []Bound{{Metric: Metric{Kind: KindErrors}, Value: 0.001}}},
		{"errors=0.001", []Bound{{Metric: Metric{Kind: KindErrors}, Value: 0.001}}},
		{"success=1%", []Bound{{Metric: Metric{Kind: KindSuccess}, Value: 0.01}}},
		{"rps=5%", []Bound{{Metric: Metric{Kind: KindRPS}, Relative: true, Value: 0.05}}},
		{"rps=50/s", []Bound{{Metric: Metric{Kind: KindRPS}, Value: 50}}},
		{"throughput=50", []Bound{{Metric: Metric{Kind: KindThroughput}, Value: 50}}},
		{"requests=100", []Bound{{Metric: Metric{Kind: KindRequests}, Value: 100}}},
		{"profile.service_time.p(99.9)=20%", []Bound{{Request: "profile", Metric: Metric{Kind: KindServiceTime, Stat: StatPercentile, Percentile: 99.9}, Relative: true, Value: 0.2}}},
		{" p99 = 10% , rps=5%,, ", []Bound{
			{Metric: Metric{Kind: KindLatency, Stat: StatPercentile, Percentile: 99}, Relative: true, Value: 0.1},
			{Metric: Metric{Kind: KindRPS}, Relative: true, Value: 0.05}}},
	}
	for _, tt := range tests {
		t.Run(tt.spec, func(t *testing.T) {
			got, err := ParseBounds(tt.spec)
			if err != nil {
				t.Fatal(err)
			}
			if len(got) != len(tt.want) {
				t.Fatalf("got %d bounds, want %d", len(got), len(tt.want))
			}
			for i := range got {
				got[i].Expr = ""
				if got[i] != tt.want[i] {
					t.Errorf("bound %d: got %+v, want %+v", i, got[i], tt.want[i])
				}
			}
		})
	}

	errTests := []struct{ spec, want string }{
		{"p99", `regression bound "p99": want METRIC=AMOUNT`},
		{"p99=", `want METRIC=AMOUNT`},
		{"=10%", `want METRIC=AMOUNT`},
		{"p99x=10%", `regression bound "p99x=10%": bad percentile "p99x"`},
		{"latency=10%", `unknown metric "latency"`},
		{"p99=10", `bad amount "10", want a percentage of the baseline like 10% or a duration like 5ms`},
		{"p99=10xs", `bad amount "10xs"`},
		{"errors=5", `bad amount "5", want percentage points like 0.1%`},
		{"errors=200%", `bad amount "200%"`},
		{"rps=5ms", `bad amount "5ms", want a percentage of the baseline like 5% or a rate like 50/s`},
		{"requests=10/s", `bad amount "10/s", want a percentage of the baseline like 5% or a count like 100`},
		{"p99=10%,p(99)=5ms", `regression bound "p(99)=5ms": p99 is already bounded by "p99=10%"`},
	}
	for _, tt := range errTests {
		t.Run("error "+tt.spec, func(t *testing.T) {
			_, err := ParseBounds(tt.spec)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("got %v, want an error containing %q", err, tt.want)
			}
		})
	}
}

func scaled(f float64) func(int) time.Duration {
	return func(i int) time.Duration { return time.Duration(float64(linear(i)) * f) }
}

func mustBounds(t *testing.T, spec string) []Bound {
	t.Helper()
	b, err := ParseBounds(spec)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestCompare(t *testing.T) {
	// The baseline: 1000 requests of 1..1000 ms in 10 s (100 req/s), 10 failed (1%).
	base := fabricate(t, 1000, 10, 10, linear)
	withRequest(base, "profile", fabricate(t, 100, 0, 10, linear))

	tests := []struct {
		name   string
		cur    *results.Result
		bounds string
		broken []string
	}{
		{"identical", fabricate(t, 1000, 10, 10, linear), DefaultBounds, nil},
		{"12% slower breaks 10%", fabricate(t, 1000, 10, 10, scaled(1.12)), "p99=10%", []string{"p99"}},
		{"12% slower holds 15%", fabricate(t, 1000, 10, 10, scaled(1.12)), "p99=15%", nil},
		{"12% slower by ms", fabricate(t, 1000, 10, 10, scaled(1.12)), "p50=50ms,p99=100ms,max=150ms", []string{"p50", "p99"}},
		{"faster is no regression", fabricate(t, 1000, 10, 10, scaled(0.5)), "p99=0%,mean=0%,max=0ms", nil},
		{"6% fewer req/s breaks 5%", fabricate(t, 940, 10, 10, linear), "rps=5%,throughput=5%,requests=5%", []string{"rps", "throughput", "requests"}},
		{"6% fewer req/s holds 7%", fabricate(t, 940, 10, 10, linear), "rps=7%,requests=60", nil},
		{"more req/s is no regression", fabricate(t, 2000, 20, 10, linear), "rps=0%,requests=0", nil},
		{"0.2 points more errors breaks 0.1", fabricate(t, 1000, 12, 10, linear), "errors=0.1%,success=0.1%", []string{"errors", "success"}},
		{"0.2 points more errors at the bound", fabricate(t, 1000, 12, 10, linear), "errors=0.2%,success=0.002", nil},
		{"fewer errors", fabricate(t, 1000, 0, 10, linear), "errors=0%", nil},
		{"scoped", withRequest(fabricate(t, 1000, 10, 10, linear), "profile", fabricate(t, 100, 0, 10, scaled(1.3))), "profile.p99=20%,p99=1%", []string{"profile.p99"}},
		{"scoped request missing from current", fabricate(t, 1000, 10, 10, linear), "profile.p99=20%", []string{"profile.p99"}},
		{"current has no requests", fabricate(t, 0, 0, 10, linear), "p99=10%,errors=1%,rps=5%", []string{"p99", "rps", "errors"}},
		{"percentile outside the summary", fabricate(t, 1000, 10, 10, scaled(1.12)), "p(75)=10%,service_time.p(75)=15%", []string{"p75"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := Compare(base, tt.cur, mustBounds(t, tt.bounds))
			if err != nil {
				t.Fatal(err)
			}
			var broken []string
			for _, r := range c.Broken() {
				broken = append(broken, r.Name)
			}
			if strings.Join(broken, ",") != strings.Join(tt.broken, ",") {
				t.Errorf("broken: got %v, want %v", broken, tt.broken)
			}
			if got, want := c.Bounded(), len(mustBounds(t, tt.bounds)); got != want {
				t.Errorf("bounded rows: got %d, want %d", got, want)
			}
			if len(c.Rows) < len(compareMetrics) {
				t.Errorf("got %d rows, want at least the %d standard ones", len(c.Rows), len(compareMetrics))
			}
		})
	}
}

func TestCompareNotComparable(t *testing.T) {
	good := fabricate(t, 100, 0, 1, linear)
	otherSchema := fabricate(t, 100, 0, 1, linear)
	otherSchema.Schema = "loadtest.result/v0"
	noLatency := fabricate(t, 100, 0, 1, linear)
	noLatency.LatencyMS = results.Latency{}
	noLatency.Histograms = results.Histograms{}
	tests := []struct {
		name      string
		base, cur *results.Result
		bounds    string
		want      string
	}{
		{"schema of the baseline", otherSchema, good, "", `schemas "loadtest.result/v0" and "loadtest.result/v1"`},
		{"schema of the current", good, otherSchema, "", "schemas"},
		{"baseline without requests", fabricate(t, 0, 0, 1, linear), good, "", "the baseline has no requests"},
		{"bound on a request the baseline lacks", good, good, "feed.p99=10%", `the baseline has no request "feed" (it has: no named requests)`},
		{"bound on a metric the baseline lacks", noLatency, good, "p99=10%", `bound "p99=10%": the baseline has no data for p99`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Compare(tt.base, tt.cur, mustBounds(t, tt.bounds))
			if !errors.Is(err, ErrNotComparable) || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("got %v, want ErrNotComparable containing %q", err, tt.want)
			}
		})
	}
}

func TestCompareWarnings(t *testing.T) {
	base := fabricate(t, 1000, 0, 10, linear)
	base.Version = "v1.0.0"
	cur := fabricate(t, 1000, 0, 30, linear)
	cur.Scenario = "swiper"
	cur.Version = "v1.1.0"
	cur.Connections = 8
	cur.Interrupted = true
	cur.Warnings = []results.Warning{{Code: "generator_saturated"}}
	c, err := Compare(base, cur, nil)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{
		`scenario differs: baseline "echo", current "swiper"`,
		"rate asked differs: baseline 100/s, current 33.33/s with 8 connections",
		"duration differs: baseline 10s, current 30s",
		"loadtest version differs: baseline v1.0.0, current v1.1.0",
		"the current run was interrupted: its figures cover only part of the run",
		"the current result carries warnings: generator_saturated",
	}
	if strings.Join(c.Warnings, "\n") != strings.Join(want, "\n") {
		t.Errorf("got warnings\n%s\nwant\n%s", strings.Join(c.Warnings, "\n"), strings.Join(want, "\n"))
	}
	moved := fabricate(t, 1000, 0, 10, linear)
	moved.Target = "http://127.0.0.1:41234"
	if c, _ := Compare(base, moved, nil); len(c.Warnings) != 0 {
		t.Errorf("the bundled server on another loopback port: got %q, want no warning", c.Warnings)
	}
	moved.Target = "http://10.0.0.7:8080"
	if c, _ := Compare(base, moved, nil); len(c.Warnings) != 1 || !strings.HasPrefix(c.Warnings[0], `target differs: baseline "http://127.0.0.1:8080", current "http://10.0.0.7:8080"`) {
		t.Errorf("another host: got %q, want the target warning", c.Warnings)
	}
	same, _ := Compare(base, fabricate(t, 1000, 0, 10.5, func(i int) time.Duration { return linear(i) }), nil)
	if len(same.Warnings) != 1 || !strings.HasPrefix(same.Warnings[0], "rate asked differs") {
		t.Errorf("a 5%% longer run at a slightly different rate: got %q, want only the rate warning", same.Warnings)
	}
}
