package capacity

import (
	"strings"
	"testing"
	"time"
)

// TestExplainSteps: every step has one value per placeholder, and the steps carry the
// numbers the plan computed (not a second computation of them).
func TestExplainSteps(t *testing.T) {
	tests := []struct {
		name      string
		in        PlanInput
		wantSteps int
	}{
		{"demand only", PlanInput{Demand: DemandInput{DAU: 200000, RequestsPerUser: 200, PeakShare: 0.8, PeakWindow: 0.2}, TargetUtilization: 0.7}, 4},
		{"peak factor", PlanInput{Demand: DemandInput{DAU: 200000, RequestsPerUser: 200, PeakFactor: 3}, TargetUtilization: 0.7}, 3},
		{"servers", PlanInput{Demand: DemandInput{DAU: 200000, RequestsPerUser: 200, PeakShare: 0.8, PeakWindow: 0.2},
			ServerRPS: 800, TargetUtilization: 0.7, Redundancy: 1}, 4 + 5},
		{"everything", PlanInput{Demand: DemandInput{DAU: 1e6, RequestsPerUser: 200, PeakShare: 0.8, PeakWindow: 0.2},
			ServerRPS: 800, TargetUtilization: 0.7, Redundancy: 2, Zones: 3,
			Tier:    &TierInput{CacheHitRatio: 0.9, QueriesPerRequest: 3, WriteShare: 0.1, QueriesPerWrite: 2, DBQPSPerServer: 5000},
			Latency: 50 * time.Millisecond, MaxWait: 2 * time.Millisecond}, 4 + 7 + 4 + 2 + 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := MakePlan(tt.in)
			if err != nil {
				t.Fatal(err)
			}
			steps := p.Explain()
			if len(steps) != tt.wantSteps {
				t.Fatalf("got %d steps, want %d", len(steps), tt.wantSteps)
			}
			for _, s := range steps {
				if n := strings.Count(s.Text, "{}"); n != len(s.Values) || s.Formula == "" {
					t.Errorf("step %q: %d placeholders, %d values, formula %q", s.Text, n, len(s.Values), s.Formula)
				}
			}
			last := func(prefix string) Value {
				for _, s := range steps {
					if strings.HasPrefix(s.Text, prefix) {
						return s.Values[len(s.Values)-1]
					}
				}
				t.Fatalf("no step %q", prefix)
				return Value{}
			}
			if v := last("peak ="); v.V != p.Demand.PeakRPS {
				t.Errorf("peak step: got %v, want the plan's %v", v.V, p.Demand.PeakRPS)
			}
			if p.Supply != nil {
				if v := last("servers at 100%"); v.Kind != KindCount || int(v.V) != p.Supply.ServersRaw {
					t.Errorf("servers at 100%%: got %+v, want %d", v, p.Supply.ServersRaw)
				}
			}
			if p.Workers != nil {
				if v := last("workers:"); v.Kind != KindSeconds || v.V != p.Workers.MeanWait {
					t.Errorf("workers: got %+v, want Wq %v", v, p.Workers.MeanWait)
				}
			}
		})
	}
}
