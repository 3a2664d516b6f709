package gate

import (
	"errors"
	"math"
	"testing"
	"unicode/utf8"
)

// FuzzParse checks that Parse never panics, that every error is a *ParseError pointing inside
// the expression, and that every threshold it accepts survives a round trip through its
// canonical form. The seed corpus runs in the normal test run.
func FuzzParse(f *testing.F) {
	for _, s := range []string{
		"p99<200ms", "p99.9<=1s", "p(99.99) > 5us", "mean<50ms", "max<1m", "p0>=1ns",
		"service_time.p99<100µs", "service_time.mean<1ms", "errors<0.1%", "errors<=0.001",
		"success>=99.9%", "rps>1500", "throughput>=10/s", "requests==1000",
		"profile.p99<50ms", "api.v2.errors<1%", "p99.p99<1s", "service_time.service_time.max<1s",
		"", " ", "<", "p99", "p99<", "p99<2xx", "p101<1ms", "p(99<1ms", ".p99<1ms", "p99=<1ms",
		"errors<150%", "requests>1.5", "µ.p99<2xx", "p99<.5s", "p99<1.ms", "p.5<1ms",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, expr string) {
		th, err := Parse(expr)
		if err != nil {
			var pe *ParseError
			if !errors.As(err, &pe) {
				t.Fatalf("Parse(%q): got %T, want *ParseError", expr, err)
			}
			if n := utf8.RuneCountInString(expr); pe.Col < 1 || pe.Col > n+1 {
				t.Fatalf("Parse(%q): column %d outside 1..%d", expr, pe.Col, n+1)
			}
			return
		}
		if math.IsNaN(th.Value) || math.IsInf(th.Value, 0) || th.Value < 0 {
			t.Fatalf("Parse(%q): value %v, want a finite non-negative number", expr, th.Value)
		}
		canon := th.Canonical()
		again, err := Parse(canon)
		if err != nil {
			t.Fatalf("Parse(%q) gave canonical %q, which does not parse: %v", expr, canon, err)
		}
		if again.Request != th.Request || again.Metric != th.Metric || again.Op != th.Op || again.Value != th.Value {
			t.Fatalf("Parse(%q) = %+v, but its canonical %q parses to %+v", expr, th, canon, again)
		}
		if again.Canonical() != canon {
			t.Fatalf("canonical form not stable: %q then %q", canon, again.Canonical())
		}
	})
}
