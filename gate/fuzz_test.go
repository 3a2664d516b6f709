package gate

import (
	"errors"
	"math"
	"slices"
	"strings"
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
		"checks>99%", "checks==100%", "iterations>=10", "dropped_iterations<1", "iteration.p99<2s",
		"login-and-swipe.iteration.p99<2s", "login-and-swipe/login.p99<300ms", "f/s.checks>=0.5",
		"failed_iteration.min>1ms", "a/b.iteration.max<1s", "iteration.pz<1s", "iteration<1s",
		"min<1ms", "browse.dropped_iterations==0", "a.b/c.checks<1", "iteration.iteration.p99<1s",
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
		if again.Request != th.Request || again.Flow != th.Flow || again.Metric != th.Metric || again.Op != th.Op || again.Value != th.Value {
			t.Fatalf("Parse(%q) = %+v, but its canonical %q parses to %+v", expr, th, canon, again)
		}
		if again.Canonical() != canon {
			t.Fatalf("canonical form not stable: %q then %q", canon, again.Canonical())
		}
	})
}

// FuzzParseBounds checks that ParseBounds (compare's --max-regression) never panics, that
// every error names the bound it rejects, and that what it accepts is sane: finite
// non-negative amounts, one bound per metric, each bound's Expr an item of the spec, and
// the bounds parsed again from their Exprs equal to the first. The seed corpus runs in the
// normal test run.
func FuzzParseBounds(f *testing.F) {
	for _, s := range []string{
		"", ",,", DefaultBounds, "p99=10%", "p99=5ms", "max=1s", "errors=0.1%", "errors=0.001",
		"success=1%", "rps=5%", "rps=50/s", "throughput=50", "requests=100",
		"profile.service_time.p(99.9)=20%", " p99 = 10% , rps=5%,, ", "p99", "p99=", "=10%",
		"p99x=10%", "latency=10%", "p99=10", "p99=10xs", "errors=5", "errors=200%", "rps=5ms",
		"requests=10/s", "p99=10%,p(99)=5ms", "p99=1e400%", "p99=-5ms", "rps=NaN", "p99==1%",
		"a.b.c.p99=1%", "µ.p99=1µs", "p99=10%%",
		"iteration.p99=10%", "checks=0.1%", "dropped_iterations=5", "login.iteration.p99=50ms",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, spec string) {
		bounds, err := ParseBounds(spec)
		if err != nil {
			if !strings.HasPrefix(err.Error(), "regression bound ") {
				t.Fatalf("ParseBounds(%q): error %q does not name the bound", spec, err)
			}
			return
		}
		seen := map[string]bool{}
		items := strings.Split(spec, ",")
		for _, b := range bounds {
			if math.IsNaN(b.Value) || math.IsInf(b.Value, 0) || b.Value < 0 {
				t.Fatalf("ParseBounds(%q): bound %q has amount %v, want a finite non-negative number", spec, b.Expr, b.Value)
			}
			if seen[b.Name()] {
				t.Fatalf("ParseBounds(%q): %s bounded twice", spec, b.Name())
			}
			seen[b.Name()] = true
			if !slices.Contains(items, b.Expr) && !slices.ContainsFunc(items, func(it string) bool { return strings.TrimSpace(it) == b.Expr }) {
				t.Fatalf("ParseBounds(%q): Expr %q is not an item of the spec", spec, b.Expr)
			}
		}
		exprs := make([]string, len(bounds))
		for i, b := range bounds {
			exprs[i] = b.Expr
		}
		again, err := ParseBounds(strings.Join(exprs, ","))
		if err != nil {
			t.Fatalf("ParseBounds(%q) accepted %q, which does not parse again: %v", spec, exprs, err)
		}
		if !slices.Equal(again, bounds) {
			t.Fatalf("ParseBounds(%q) = %+v, but its items parse again to %+v", spec, bounds, again)
		}
	})
}
