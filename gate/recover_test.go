package gate

import (
	"testing"
)

func TestCanRecover(t *testing.T) {
	// The partial result: 1000 requests of 1..1000 ms, 10 failed; "profile" 100 requests of
	// 1..100 ms, 1 failed.
	partial := fabricate(t, 1000, 10, 10, linear)
	withRequest(partial, "profile", fabricate(t, 100, 1, 10, linear))

	tests := []struct {
		name    string
		expr    string
		planned uint64
		want    bool
	}{
		{"errors: enough requests to come", "errors<0.2%", 10000, true},     // 10/10000 = 0.1%
		{"errors: too many already", "errors<0.1%", 10000, false},           // 10/10000 is not < 0.1%
		{"errors: at most, just reachable", "errors<=0.1%", 10000, true},    // 0.1% <= 0.1%
		{"errors: planned unknown", "errors<0.01%", 0, true},                // cannot prove anything
		{"errors: equal zero is lost", "errors==0", 10000, false},           // 10 errors stay
		{"errors: at least, can still fail more", "errors>50%", 3000, true}, // (10+2000)/3000 > 50%
		{"errors: at least, too few to come", "errors>50%", 1500, false},    // (10+500)/1500 < 50%
		{"success: can recover", "success>=99.5%", 2000, true},              // (990+1000)/2000 = 99.5%
		{"success: cannot", "success>99.5%", 2000, false},
		{"success: at most", "success<10%", 1000, false}, // 990 successes already
		{"requests: upper bound crossed", "requests<1000", 0, false},
		{"requests: upper bound not crossed", "requests<=1000", 5000, true},
		{"requests: equal passed over", "requests==999", 0, false},
		{"requests: lower bound reachable", "requests>=5000", 5000, true},
		{"requests: lower bound beyond the plan", "requests>=5000", 4000, false},
		{"requests: lower bound, plan unknown", "requests>=5000", 0, true},
		{"max: crossed for good", "max<500ms", 0, false},
		{"max: lower bound", "max>2s", 0, true},
		{"service max: crossed", "service_time.max<100ms", 0, false},
		{"p99: many fast requests to come", "p99<500ms", 100000, true},
		{"p99: too few to come", "p99<500ms", 1100, false}, // rank 1089 → at best the 989th ≈ 989 ms
		{"p99: plan unknown", "p99<500ms", 0, true},
		{"p50 lower bound: slow ones can come", "p50>2s", 3000, true},
		{"p50 lower bound: too few to come", "p50>2s", 1100, false}, // at worst the 550th ≈ 550 ms
		{"p(75) from the histogram", "service_time.p(75)<100ms", 1200, false},
		{"mean: lost", "mean<100ms", 2000, false}, // ≥ 500.5*1000/2000 ≈ 250 ms
		{"mean: reachable", "mean<100ms", 10000, true},
		{"mean: plan unknown", "mean<100ms", 0, true},
		{"rps: always recoverable", "rps>100000", 1000, true},
		{"throughput: always recoverable", "throughput<1", 1000, true},
		{"scoped errors ignore the plan", "profile.errors<0.5%", 1000, true},
		{"scoped max is monotone", "profile.max<10ms", 0, false},
		{"scoped requests monotone", "profile.requests<50", 0, false},
		{"unknown request", "nope.max<1ms", 0, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			th := mustParse(t, tt.expr)
			if got := CanRecover(th, partial, tt.planned); got != tt.want {
				t.Errorf("CanRecover(%s, planned %d): got %v, want %v", tt.expr, tt.planned, got, tt.want)
			}
		})
	}
}

func TestUnrecoverable(t *testing.T) {
	partial := fabricate(t, 1000, 10, 10, linear)
	ths := []Threshold{
		mustParse(t, "errors<0.01%"), // failing and lost with 100000 planned
		mustParse(t, "p99<500ms"),    // failing but recoverable with 100000 planned
		mustParse(t, "max<2s"),       // passing
		mustParse(t, "max<1s"),       // failing, lost
	}
	got := Unrecoverable(partial, ths, 100000)
	if len(got) != 2 || got[0].Expression != "errors<0.01%" || got[1].Expression != "max<1s" {
		t.Errorf("got %+v, want errors<0.01%% and max<1s", got)
	}
	if got := Unrecoverable(fabricate(t, 0, 0, 1, linear), ths, 10000); len(got) != 0 {
		t.Errorf("no data yet: got %+v, want none", got)
	}
}
