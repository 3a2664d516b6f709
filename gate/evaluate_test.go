package gate

import (
	"math"
	"strings"
	"testing"
	"time"
)

func mustParse(t testing.TB, expr string) Threshold {
	t.Helper()
	th, err := Parse(expr)
	if err != nil {
		t.Fatal(err)
	}
	th.Source = SourceFlag
	return th
}

func TestEvaluate(t *testing.T) {
	// 1000 requests of 1..1000 ms over 10 s, 10 of them failed; "profile" is 100 requests of
	// 1..100 ms, none failed.
	r := fabricate(t, 1000, 10, 10, linear)
	withRequest(r, "profile", fabricate(t, 100, 0, 10, linear))

	tests := []struct {
		expr     string
		passed   bool
		measured float64 // compared with a 0.5% relative tolerance
		unit     string
	}{
		{"p50<501ms", true, 500, "ms"},
		{"p50<499ms", false, 500, "ms"},
		{"p(75)<760ms", true, 750, "ms"}, // not in the summary: from the histogram
		{"p(75)<740ms", false, 750, "ms"},
		{"p99.9 < 1001ms", true, 999, "ms"},
		{"p0<=1ms", true, 1, "ms"},
		{"mean<=501ms", true, 500.5, "ms"},
		{"max<1s", false, 1000, "ms"},
		{"max<=1.001s", true, 1000, "ms"},
		{"service_time.p50<251ms", true, 250, "ms"},
		{"service_time.p(75)<370ms", false, 375, "ms"},
		{"service_time.max<501ms", true, 500, "ms"},
		{"errors<1%", false, 1, "%"},
		{"errors<=1%", true, 1, "%"},
		{"errors<=0.01", true, 1, "%"},
		{"errors==0", false, 1, "%"},
		{"success>=99%", true, 99, "%"},
		{"success>99%", false, 99, "%"},
		{"rps>=100", true, 100, "req/s"},
		{"rps>100/s", false, 100, "req/s"},
		{"throughput==99", true, 99, "req/s"},
		{"requests==1000", true, 1000, ""},
		{"requests<1000", false, 1000, ""},
		{"profile.p99<101ms", true, 99, "ms"},
		{"profile.errors==0%", true, 0, "%"},
		{"profile.requests>100", false, 100, ""},
		{"nope.p99<1s", false, 0, "ms"}, // a request the result does not have
	}
	ths := make([]Threshold, len(tests))
	for i, tt := range tests {
		ths[i] = mustParse(t, tt.expr)
	}
	got := Evaluate(r, ths)
	if len(got) != len(tests) {
		t.Fatalf("got %d results, want %d", len(got), len(tests))
	}
	for i, tt := range tests {
		g := got[i]
		if g.Expression != strings.TrimSpace(tt.expr) || g.Source != SourceFlag || g.Unit != tt.unit {
			t.Errorf("%s: got %+v, want expression, source flag and unit %q", tt.expr, g, tt.unit)
		}
		if g.Passed != tt.passed {
			t.Errorf("%s: passed got %v, want %v (measured %v)", tt.expr, g.Passed, tt.passed, g.Measured)
		}
		if math.Abs(g.Measured-tt.measured) > 0.005*tt.measured {
			t.Errorf("%s: measured got %v, want %v", tt.expr, g.Measured, tt.measured)
		}
	}
	if AllPassed(got) {
		t.Error("AllPassed: got true, want false")
	}
	if !AllPassed(got[:1]) {
		t.Error("AllPassed of one pass: got false, want true")
	}
}

func TestEvaluateNoData(t *testing.T) {
	empty := fabricate(t, 0, 0, 10, linear)
	tests := []struct {
		expr   string
		passed bool
	}{
		{"p99<1s", false}, // no latency, no evidence: fails
		{"mean<1s", false},
		{"p(42)<1s", false},
		{"errors<100%", false},
		{"success>=0", false},
		{"requests<1", true},
		{"rps<1", true},
	}
	for _, tt := range tests {
		got := Evaluate(empty, []Threshold{mustParse(t, tt.expr)})[0]
		if got.Passed != tt.passed || got.Measured != 0 || got.NoData != !tt.passed {
			t.Errorf("%s on an empty result: got %+v, want passed %v, measured 0, no data %v", tt.expr, got, tt.passed, !tt.passed)
		}
	}

	// Every request failed: latency is still measured, and errors<100% fails.
	allFailed := fabricate(t, 100, 100, 1, func(int) time.Duration { return time.Millisecond })
	got := Evaluate(allFailed, []Threshold{mustParse(t, "errors<100%"), mustParse(t, "p99<1s")})
	if got[0].Passed || got[0].Measured != 100 || !got[1].Passed {
		t.Errorf("all failed: got %+v, want errors<100%% failing at 100 and p99<1s passing", got)
	}

	// A percentile outside the summary with a corrupt histogram cannot be measured.
	bad := fabricate(t, 10, 0, 1, linear)
	bad.Histograms.Latency = "not a histogram"
	if got := Evaluate(bad, []Threshold{mustParse(t, "p(42)<1s")})[0]; got.Passed {
		t.Errorf("corrupt histogram: got %+v, want a failure", got)
	}
}

func TestCheckRequests(t *testing.T) {
	ths := []Threshold{mustParse(t, "p99<1s"), mustParse(t, "profile.p99<1s"), mustParse(t, "feed.errors<1%")}
	if err := CheckRequests(ths, []string{"profile", "feed", "login"}); err != nil {
		t.Errorf("got %v, want nil", err)
	}
	err := CheckRequests(ths, []string{"login", "profile"})
	want := `threshold "feed.errors<1%": unknown request "feed" (known: login, profile)`
	if err == nil || err.Error() != want {
		t.Errorf("got %v, want %s", err, want)
	}
	err = CheckRequests(ths, nil)
	if err == nil || !strings.Contains(err.Error(), "the scenario has no named requests") || !strings.Contains(err.Error(), `"profile"`) {
		t.Errorf("got %v, want both unknown names and 'no named requests'", err)
	}
}
