package capacity

import (
	"errors"
	"testing"
	"testing/quick"
)

func TestWorkedExample(t *testing.T) {
	d, err := ComputeDemand(DemandInput{DAU: 200000, RequestsPerUser: 200, PeakShare: 0.8, PeakWindow: 0.2})
	if err != nil {
		t.Fatal(err)
	}
	if d.DailyRequests != 40e6 {
		t.Errorf("daily: got %g, want 40e6", d.DailyRequests)
	}
	if !relClose(d.AverageRPS, 462.962962963, 1e-11) || !relClose(d.PeakRPS, 1851.851851852, 1e-11) || !relClose(d.PeakFactor, 4, 1e-12) {
		t.Errorf("got %+v, want average 462.963, peak 1851.852, factor 4", d)
	}
	s, err := ComputeSupply(SupplyInput{PeakRPS: d.PeakRPS, ServerRPS: 800, TargetUtilization: 0.7, Redundancy: 1})
	if err != nil {
		t.Fatal(err)
	}
	// 1851.85/800 = 2.31 → 3; /(800×0.7) = 3.31 → 4; N+1 → 5.
	if s.ServersRaw != 3 || s.ServersAtTarget != 4 || s.Servers != 5 || s.Survivors != 4 {
		t.Errorf("got %+v, want raw 3, at target 4, servers 5, after loss 4", s)
	}
	f, _ := ComputeDemand(DemandInput{DAU: 200000, RequestsPerUser: 200, PeakFactor: 4})
	if !relClose(f.PeakRPS, d.PeakRPS, 1e-12) {
		t.Errorf("peak factor 4: got %g, want %g", f.PeakRPS, d.PeakRPS)
	}
}

func TestCeilRatio(t *testing.T) {
	for _, c := range []struct {
		name string
		a, b float64
		want int
	}{
		{"exact", 400, 200, 2},
		{"above", 401, 200, 3},
		{"below", 399, 200, 2},
		{"0.7 not representable", 1680, 800 * 0.7, 3},
		{"0.1 sums", 0.1 + 0.2, 0.3, 1},
		{"peak 1851.85 over 800", 40e6 * 0.8 / (86400 * 0.2), 800, 3},
		{"3 × 0.1", 3, 0.1, 30},
		{"zero", 0, 5, 0},
		{"tiny excess is real", 1.000001, 1, 2},
	} {
		t.Run(c.name, func(t *testing.T) {
			if got := CeilRatio(c.a, c.b); got != c.want {
				t.Errorf("CeilRatio(%v, %v): got %d, want %d", c.a, c.b, got, c.want)
			}
		})
	}
}

func TestZones(t *testing.T) {
	for _, c := range []struct {
		name                   string
		in                     SupplyInput
		perZone, servers, left int
	}{
		// N = ⌈1000/(100×1)⌉ = 10; 3 zones: ⌈10/2⌉ = 5 per zone, 15 in all, 10 after a zone.
		{"three zones", SupplyInput{PeakRPS: 1000, ServerRPS: 100, TargetUtilization: 1, Redundancy: 1, Zones: 3}, 5, 15, 10},
		// 2 zones must each carry everything.
		{"two zones", SupplyInput{PeakRPS: 1000, ServerRPS: 100, TargetUtilization: 1, Zones: 2}, 10, 20, 10},
		// k = 6 > m: ⌈(10+6)/3⌉ = 6 per zone.
		{"redundancy beyond a zone", SupplyInput{PeakRPS: 1000, ServerRPS: 100, TargetUtilization: 1, Redundancy: 6, Zones: 3}, 6, 18, 12},
		{"one server, four zones", SupplyInput{PeakRPS: 10, ServerRPS: 100, TargetUtilization: 1, Zones: 4}, 1, 4, 3},
	} {
		t.Run(c.name, func(t *testing.T) {
			s, err := ComputeSupply(c.in)
			if err != nil {
				t.Fatal(err)
			}
			if s.ServersPerZone != c.perZone || s.Servers != c.servers || s.Survivors != c.left {
				t.Errorf("got per zone %d, servers %d, after loss %d; want %d, %d, %d", s.ServersPerZone, s.Servers, s.Survivors, c.perZone, c.servers, c.left)
			}
			// Losing a zone still carries the peak at the target utilisation.
			if float64((c.in.Zones-1)*s.ServersPerZone)*c.in.ServerRPS*c.in.TargetUtilization < c.in.PeakRPS {
				t.Errorf("losing a zone leaves too little")
			}
			if s.UtilizationDegraded > c.in.TargetUtilization+1e-12 {
				t.Errorf("degraded utilisation %g above target %g", s.UtilizationDegraded, c.in.TargetUtilization)
			}
		})
	}
}

func TestPropertiesMonotone(t *testing.T) {
	servers := func(dau, u float64) int {
		p, err := MakePlan(PlanInput{Demand: DemandInput{DAU: dau, RequestsPerUser: 200, PeakShare: 0.8, PeakWindow: 0.2},
			ServerRPS: 800, TargetUtilization: u, Redundancy: 1, Zones: 3})
		if err != nil {
			t.Fatal(err)
		}
		return p.Supply.Servers
	}
	moreDAU := func(a, b uint32, u8 uint8) bool {
		u := 0.05 + float64(u8)/256*0.95
		lo, hi := float64(min(a, b))+1, float64(max(a, b))+1
		return servers(lo, u) <= servers(hi, u)
	}
	higherTarget := func(a, b uint8, dau uint32) bool {
		lo, hi := 0.01+float64(min(a, b))/256*0.99, 0.01+float64(max(a, b))/256*0.99
		return servers(float64(dau)+1, hi) <= servers(float64(dau)+1, lo)
	}
	cfg := &quick.Config{MaxCount: 500}
	if err := quick.Check(moreDAU, cfg); err != nil {
		t.Errorf("more DAU must never need fewer servers: %v", err)
	}
	if err := quick.Check(higherTarget, cfg); err != nil {
		t.Errorf("a higher utilisation target must never need more servers: %v", err)
	}
}

func TestDemandBadInput(t *testing.T) {
	ok := DemandInput{DAU: 1000, RequestsPerUser: 200, PeakShare: 0.8, PeakWindow: 0.2}
	for _, c := range []struct {
		name  string
		edit  func(*DemandInput)
		field string
	}{
		{"zero dau", func(d *DemandInput) { d.DAU = 0 }, "dau"},
		{"negative dau", func(d *DemandInput) { d.DAU = -5 }, "dau"},
		{"zero requests", func(d *DemandInput) { d.RequestsPerUser = 0 }, "requests_per_user"},
		{"share above 1", func(d *DemandInput) { d.PeakShare = 1.2 }, "peak_share"},
		{"share zero", func(d *DemandInput) { d.PeakShare = 0 }, "peak_share"},
		{"window zero", func(d *DemandInput) { d.PeakWindow = 0 }, "peak_window"},
		{"window above 1", func(d *DemandInput) { d.PeakWindow = 1.5 }, "peak_window"},
		{"share below window", func(d *DemandInput) { d.PeakShare, d.PeakWindow = 0.1, 0.2 }, "peak_share"},
		{"factor below 1", func(d *DemandInput) { d.PeakFactor = 0.5 }, "peak_factor"},
	} {
		t.Run(c.name, func(t *testing.T) {
			in := ok
			c.edit(&in)
			var ie *InputError
			if _, err := ComputeDemand(in); !errors.As(err, &ie) || ie.Field != c.field {
				t.Errorf("got %v, want an InputError on %s", err, c.field)
			}
		})
	}
	for _, c := range []struct {
		name  string
		in    SupplyInput
		field string
	}{
		{"zero capacity", SupplyInput{PeakRPS: 1, TargetUtilization: 0.7}, "server_rps"},
		{"negative capacity", SupplyInput{PeakRPS: 1, ServerRPS: -1, TargetUtilization: 0.7}, "server_rps"},
		{"utilisation zero", SupplyInput{PeakRPS: 1, ServerRPS: 1}, "target_utilization"},
		{"utilisation above 1", SupplyInput{PeakRPS: 1, ServerRPS: 1, TargetUtilization: 1.1}, "target_utilization"},
		{"negative redundancy", SupplyInput{PeakRPS: 1, ServerRPS: 1, TargetUtilization: 1, Redundancy: -1}, "redundancy"},
		{"one zone", SupplyInput{PeakRPS: 1, ServerRPS: 1, TargetUtilization: 1, Zones: 1}, "zones"},
	} {
		t.Run(c.name, func(t *testing.T) {
			var ie *InputError
			if _, err := ComputeSupply(c.in); !errors.As(err, &ie) || ie.Field != c.field {
				t.Errorf("got %v, want an InputError on %s", err, c.field)
			}
		})
	}
}

func TestTier(t *testing.T) {
	tier, err := ComputeTier(1000, 0.5, TierInput{CacheHitRatio: 0.9, QueriesPerRequest: 3, WriteShare: 0.1, QueriesPerWrite: 2, DBQPSPerServer: 1000})
	if err != nil {
		t.Fatal(err)
	}
	// reads 900 × 0.1 × 3 = 270, writes 100 × 2 = 200 → 470; cold 2700 + 200 = 2900.
	if !relClose(tier.DBQPS, 470, 1e-12) || !relClose(tier.DBQPSCold, 2900, 1e-12) || tier.DBServers != 1 || tier.DBServersCold != 6 {
		t.Errorf("got %+v, want db_qps 470, cold 2900, servers 1 and 6", tier)
	}
	if _, err := ComputeTier(1, 1, TierInput{CacheHitRatio: 1.5}); err == nil {
		t.Error("cache hit ratio 1.5: got no error")
	}
}

func TestGrowth(t *testing.T) {
	p, err := MakePlan(PlanInput{Demand: DemandInput{DAU: 100000, RequestsPerUser: 200, PeakShare: 0.8, PeakWindow: 0.2},
		ServerRPS: 800, TargetUtilization: 0.7, GrowthRate: 0.1, HorizonMonths: 12})
	if err != nil {
		t.Fatal(err)
	}
	if len(p.Growth) != 13 {
		t.Fatalf("months: got %d, want 13", len(p.Growth))
	}
	if got, want := p.Growth[12].DAU, 100000*3.138428376721; !relClose(got, want, 1e-9) {
		t.Errorf("month 12 DAU: got %g, want %g (1.1^12)", got, want)
	}
	for i := 1; i < len(p.Growth); i++ {
		if p.Growth[i].Servers < p.Growth[i-1].Servers {
			t.Errorf("month %d: servers fell from %d to %d", i, p.Growth[i-1].Servers, p.Growth[i].Servers)
		}
	}
}

func TestConcurrencyAndWorkers(t *testing.T) {
	p, err := MakePlan(PlanInput{Demand: DemandInput{DAU: 200000, RequestsPerUser: 200, PeakShare: 0.8, PeakWindow: 0.2},
		ServerRPS: 800, TargetUtilization: 0.7, Redundancy: 1, Latency: 50e6})
	if err != nil {
		t.Fatal(err)
	}
	c := p.Concurrency
	// 1851.85 req/s × 0.05 s = 92.59 in flight; 5 servers → 18.52 each; 4 after a loss → 23.15.
	if !relClose(c.InFlight, 92.5925925926, 1e-9) || !relClose(c.PerServer, 18.5185185185, 1e-9) || c.PoolSize != 24 {
		t.Errorf("got %+v", c)
	}
	if p.Workers == nil || p.Workers.Utilization > 0.7+1e-9 {
		t.Errorf("workers: got %+v, want a pool at ≤ 70%% utilisation", p.Workers)
	}
}

func TestSupplyBeyondAnyFleet(t *testing.T) {
	if _, err := ComputeSupply(SupplyInput{PeakRPS: 1e300, ServerRPS: 1, TargetUtilization: 1}); err == nil {
		t.Error("1e300 servers: got no error")
	}
}
