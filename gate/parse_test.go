package gate

import (
	"errors"
	"fmt"
	"strings"
	"testing"
)

func TestParse(t *testing.T) {
	lat := func(p float64) Metric { return Metric{Kind: KindLatency, Stat: StatPercentile, Percentile: p} }
	svc := func(p float64) Metric { return Metric{Kind: KindServiceTime, Stat: StatPercentile, Percentile: p} }
	tests := []struct {
		name    string
		expr    string
		request string
		metric  Metric
		op      Op
		value   float64
		canon   string
	}{
		{"p50", "p50<10ms", "", lat(50), OpLess, 10, "p50<10ms"},
		{"p90", "p90<=10ms", "", lat(90), OpLessEqual, 10, "p90<=10ms"},
		{"p95", "p95>1ms", "", lat(95), OpGreater, 1, "p95>1ms"},
		{"p99", "p99<200ms", "", lat(99), OpLess, 200, "p99<200ms"},
		{"p99.9", "p99.9<1s", "", lat(99.9), OpLess, 1000, "p99.9<1000ms"},
		{"p99.99", "p99.99<2s", "", lat(99.99), OpLess, 2000, "p99.99<2000ms"},
		{"p(N)", "p(99.5)<300ms", "", lat(99.5), OpLess, 300, "p99.5<300ms"},
		{"p(N) integer", "p(95) >= 5ms", "", lat(95), OpGreaterEqual, 5, "p95>=5ms"},
		{"p0 is min", "p0>=1us", "", lat(0), OpGreaterEqual, 0.001, "p0>=0.001ms"},
		{"p100 is max", "p100<1m", "", lat(100), OpLess, 60000, "p100<60000ms"},
		{"mean", "mean<50ms", "", Metric{Kind: KindLatency, Stat: StatMean}, OpLess, 50, "mean<50ms"},
		{"max", "max<=2.5s", "", Metric{Kind: KindLatency, Stat: StatMax}, OpLessEqual, 2500, "max<=2500ms"},
		{"service_time pNN", "service_time.p99<100ms", "", svc(99), OpLess, 100, "service_time.p99<100ms"},
		{"service_time p(N)", "service_time.p(99.9)<100ms", "", svc(99.9), OpLess, 100, "service_time.p99.9<100ms"},
		{"service_time mean", "service_time.mean<1ms", "", Metric{Kind: KindServiceTime, Stat: StatMean}, OpLess, 1, "service_time.mean<1ms"},
		{"service_time max", "service_time.max<1ms", "", Metric{Kind: KindServiceTime, Stat: StatMax}, OpLess, 1, "service_time.max<1ms"},
		{"ns", "p99<500000ns", "", lat(99), OpLess, 0.5, "p99<0.5ms"},
		{"us", "p99<250us", "", lat(99), OpLess, 0.25, "p99<0.25ms"},
		{"micro sign", "p99<250µs", "", lat(99), OpLess, 0.25, "p99<0.25ms"},
		{"greek mu", "p99<250μs", "", lat(99), OpLess, 0.25, "p99<0.25ms"},
		{"minutes", "max<1.5m", "", Metric{Kind: KindLatency, Stat: StatMax}, OpLess, 90000, "max<90000ms"},
		{"leading dot number", "p99<.5s", "", lat(99), OpLess, 500, "p99<500ms"},
		{"errors percent", "errors<0.1%", "", Metric{Kind: KindErrors}, OpLess, 0.001, "errors<0.001"},
		{"errors fraction", "errors<=0.01", "", Metric{Kind: KindErrors}, OpLessEqual, 0.01, "errors<=0.01"},
		{"errors 100%", "errors<100%", "", Metric{Kind: KindErrors}, OpLess, 1, "errors<1"},
		{"errors equal zero", "errors==0", "", Metric{Kind: KindErrors}, OpEqual, 0, "errors==0"},
		{"success", "success>99.9%", "", Metric{Kind: KindSuccess}, OpGreater, 0.999, "success>0.999"},
		{"rps", "rps>=1500", "", Metric{Kind: KindRPS}, OpGreaterEqual, 1500, "rps>=1500/s"},
		{"rps per second", "rps>1500/s", "", Metric{Kind: KindRPS}, OpGreater, 1500, "rps>1500/s"},
		{"throughput", "throughput>=99.5", "", Metric{Kind: KindThroughput}, OpGreaterEqual, 99.5, "throughput>=99.5/s"},
		{"requests", "requests>=1000", "", Metric{Kind: KindRequests}, OpGreaterEqual, 1000, "requests>=1000"},
		{"requests equal", "requests==10", "", Metric{Kind: KindRequests}, OpEqual, 10, "requests==10"},
		{"scoped", "profile.p99<50ms", "profile", lat(99), OpLess, 50, "profile.p99<50ms"},
		{"scoped p99.9", "profile.p99.9<50ms", "profile", lat(99.9), OpLess, 50, "profile.p99.9<50ms"},
		{"scoped errors", "get-user.errors<1%", "get-user", Metric{Kind: KindErrors}, OpLess, 0.01, "get-user.errors<0.01"},
		{"scoped service time", "login.service_time.p99<1s", "login", svc(99), OpLess, 1000, "login.service_time.p99<1000ms"},
		{"dotted request name", "api.v2.p99<1s", "api.v2", lat(99), OpLess, 1000, "api.v2.p99<1000ms"},
		{"request named like a metric", "p99.p99<1s", "p99", lat(99), OpLess, 1000, "p99.p99<1000ms"},
		{"request named service_time", "service_time.service_time.max<1s", "service_time", Metric{Kind: KindServiceTime, Stat: StatMax}, OpLess, 1000, "service_time.service_time.max<1000ms"},
		{"spaces", "  p99  <=  200ms  ", "", lat(99), OpLessEqual, 200, "p99<=200ms"},
		{"tab", "p99\t<\t200ms", "", lat(99), OpLess, 200, "p99<200ms"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			th, err := Parse(tt.expr)
			if err != nil {
				t.Fatalf("Parse(%q): %v", tt.expr, err)
			}
			if th.Request != tt.request || th.Metric != tt.metric || th.Op != tt.op || th.Value != tt.value {
				t.Errorf("got %+v, want request %q metric %+v op %s value %v", th, tt.request, tt.metric, tt.op, tt.value)
			}
			if got := th.Canonical(); got != tt.canon {
				t.Errorf("canonical: got %q, want %q", got, tt.canon)
			}
			if th.Expr != strings.TrimSpace(tt.expr) {
				t.Errorf("expr: got %q, want %q", th.Expr, strings.TrimSpace(tt.expr))
			}
		})
	}
}

func TestParseErrors(t *testing.T) {
	tests := []struct {
		name string
		expr string
		col  int
		msg  string // a part of the message
	}{
		{"the brief's example", "p99<2xx", 5, `bad value "2xx", want a duration like 200ms`},
		{"empty", "", 1, "empty expression, want [NAME.]METRIC OP VALUE"},
		{"blank", "   ", 4, "empty expression"},
		{"no metric", "<200ms", 1, `missing metric before "<"`},
		{"bad percentile", "p99x<1ms", 1, `bad percentile "p99x", want a percentile from 0 to 100`},
		{"unknown metric", "pz<1ms", 1, `unknown metric "pz", want p50 … p99.99, p(N), mean, min, max`},
		{"unknown word", "latency<1ms", 1, `unknown metric "latency"`},
		{"upper case", "P99<1ms", 1, `unknown metric "P99"`},
		{"percentile too big", "p101<1ms", 1, `bad percentile "p101", want a percentile from 0 to 100`},
		{"p999 hint", "p999<1ms", 1, "p99.9 for the 99.9th"},
		{"bad percentile number", "p99.<1ms", 1, `bad percentile "p99."`},
		{"percentile paren unclosed", "p(99<1ms", 1, `missing ")"`},
		{"percentile paren empty", "p()<1ms", 1, `bad percentile "p()"`},
		{"scoped bad percentile", "profile.p9x<1ms", 9, `bad percentile "p9x"`},
		{"scoped unknown word", "profile.latency<1ms", 9, `unknown metric "latency"`},
		{"service_time unknown stat", "service_time.avg<1ms", 14, `unknown statistic "avg" after service_time., want a percentile`},
		{"service_time bad percentile", "service_time.p200<1ms", 14, `bad percentile "p200"`},
		{"service_time alone", "service_time<1ms", 1, `unknown metric "service_time"`},
		{"scoped service_time unknown stat", "login.service_time.foo<1ms", 20, `unknown statistic "foo"`},
		{"empty scope", ".p99<1ms", 1, `empty request name before "."`},
		{"missing operator", "p99", 4, "missing operator, want <, <=, >, >= or =="},
		{"missing operator before value", "p99 200ms", 5, `unexpected "200ms", want an operator`},
		{"single equals", "p99=200ms", 4, `bad operator "=", want <, <=, >, >= or ==`},
		{"not equal", "p99!=200ms", 4, `bad operator "!="`},
		{"double less", "p99<<200ms", 4, `bad operator "<<"`},
		{"reversed", "p99=<200ms", 4, `bad operator "=<"`},
		{"missing value", "p99<", 5, "missing value, want a duration like 200ms"},
		{"missing value spaces", "p99 <  ", 8, "missing value"},
		{"no unit", "p99<200", 5, `bad value "200", want a duration like 200ms`},
		{"unknown unit", "p99<200sec", 5, `bad value "200sec"`},
		{"hours not a unit", "p99<1h", 5, `bad value "1h"`},
		{"negative", "p99<-1ms", 5, `bad value "-1ms"`},
		{"space in value", "p99<200 ms", 5, `bad value "200 ms"`},
		{"exponent", "p99<1e3ms", 5, `bad value "1e3ms"`},
		{"two operators", "p99<1ms<2ms", 5, `bad value "1ms<2ms"`},
		{"huge", "p99<" + strings.Repeat("9", 400) + "ms", 5, "out of range"},
		{"errors duration", "errors<5ms", 8, `bad value "5ms", want a ratio like 0.1% or 0.001`},
		{"errors bare above one", "errors<5", 8, "a bare ratio is a fraction from 0 to 1: write 5%"},
		{"errors above 100%", "errors<150%", 8, `bad value "150%", want 0% to 100%`},
		{"success unit", "success>99pct", 9, `bad value "99pct"`},
		{"rps duration", "rps>100ms", 5, `bad value "100ms", want a rate like 1500 or 1500/s`},
		{"rps per minute", "rps>100/m", 5, `bad value "100/m"`},
		{"requests fraction", "requests>1.5", 10, `bad value "1.5", want a count like 1000`},
		{"requests unit", "requests>10k", 10, `bad value "10k"`},
		{"columns count characters", "µ.p99<2xx", 7, `bad value "2xx"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Parse(tt.expr)
			if err == nil {
				t.Fatalf("Parse(%q): got no error, want one at %d", tt.expr, tt.col)
			}
			var pe *ParseError
			if !errors.As(err, &pe) {
				t.Fatalf("got %T %v, want *ParseError", err, err)
			}
			if pe.Col != tt.col {
				t.Errorf("column: got %d, want %d (%v)", pe.Col, tt.col, err)
			}
			if !strings.Contains(err.Error(), tt.msg) {
				t.Errorf("message: got %q, want it to contain %q", err.Error(), tt.msg)
			}
			wantPrefix := fmt.Sprintf("threshold %q: at ", tt.expr)
			if !strings.HasPrefix(err.Error(), wantPrefix) {
				t.Errorf("message: got %q, want prefix %q", err.Error(), wantPrefix)
			}
		})
	}
}

func TestParseErrorExactText(t *testing.T) {
	_, err := Parse("p99<2xx")
	want := `threshold "p99<2xx": at 5: bad value "2xx", want a duration like 200ms (units ns, us, µs, ms, s, m)`
	if err == nil || err.Error() != want {
		t.Errorf("got %v, want %s", err, want)
	}
}

func TestParseAll(t *testing.T) {
	ths, err := ParseAll([]string{"p99<200ms", "errors<1%"}, []string{"rps>10", "profile.p99<200ms"})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, th := range ths {
		got = append(got, th.Source+":"+th.Expr)
	}
	want := "flag:p99<200ms flag:errors<1% scenario:rps>10 scenario:profile.p99<200ms"
	if strings.Join(got, " ") != want {
		t.Errorf("got %q, want %q", strings.Join(got, " "), want)
	}

	errTests := []struct {
		name          string
		flags, scenes []string
		want          []string
	}{
		{"same text across sources", []string{"p99<200ms"}, []string{"p99<200ms"}, []string{`threshold "p99<200ms" (scenario) duplicates "p99<200ms" (flag)`}},
		{"same meaning", []string{"p(95) < 0.2s", "p95<200ms"}, nil, []string{`threshold "p95<200ms" (flag) duplicates "p(95) < 0.2s" (flag)`}},
		{"same ratio", nil, []string{"errors<0.1%", "errors<0.001"}, []string{`duplicates "errors<0.1%"`}},
		{"every error reported", []string{"p99<2xx", "bogus<1"}, []string{"errors<5ms"}, []string{
			`flag: threshold "p99<2xx": at 5`, `flag: threshold "bogus<1": at 1`, `scenario: threshold "errors<5ms": at 8`}},
	}
	for _, tt := range errTests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := ParseAll(tt.flags, tt.scenes)
			if err == nil {
				t.Fatal("got no error, want one")
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("got %q, want it to contain %q", err.Error(), w)
				}
			}
		})
	}

	// Different bounds on one metric are two thresholds, not duplicates.
	if ths, err := ParseAll([]string{"p99<200ms", "p99<300ms", "p99>1ms"}, nil); err != nil || len(ths) != 3 {
		t.Errorf("got %d thresholds, %v; want 3, nil", len(ths), err)
	}
}

func TestOpHolds(t *testing.T) {
	tests := []struct {
		op   Op
		a, b float64
		want bool
	}{
		{OpLess, 1, 2, true}, {OpLess, 2, 2, false},
		{OpLessEqual, 2, 2, true}, {OpLessEqual, 3, 2, false},
		{OpGreater, 3, 2, true}, {OpGreater, 2, 2, false},
		{OpGreaterEqual, 2, 2, true}, {OpGreaterEqual, 1, 2, false},
		{OpEqual, 2, 2, true}, {OpEqual, 1, 2, false},
	}
	for _, tt := range tests {
		if got := tt.op.Holds(tt.a, tt.b); got != tt.want {
			t.Errorf("%v %s %v: got %v, want %v", tt.a, tt.op, tt.b, got, tt.want)
		}
	}
}
