package capacity

import (
	"errors"
	"math"
	"testing"
)

func TestErlangCReference(t *testing.T) {
	// Wolfram ErlangC[3, 2] = 4/9.
	c, err := ErlangC(3, 2)
	if err != nil {
		t.Fatal(err)
	}
	if !relClose(c, 4.0/9, 1e-12) {
		t.Errorf("ErlangC(3, 2): got %.10g, want %.10g", c, 4.0/9)
	}
	// PDQ bank model: c = 4, λ = 0.35/min, S = 10 min (../shared/testdata/README.md).
	m, err := Queue{ArrivalRate: 0.35, ServiceTime: 10, Servers: 4}.Solve()
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		name      string
		got, want float64
	}{
		{"offered load", m.OfferedLoad, 3.5},
		{"utilisation", m.Utilization, 0.875},
		{"P(wait)", m.WaitProbability, 0.737861},
		{"Wq", m.MeanWait, 14.7572},
		{"R", m.MeanResponse, 24.7572},
		{"Lq", m.MeanQueueLength, 0.35 * 14.7572},
	} {
		if !relClose(c.got, c.want, 1e-5) {
			t.Errorf("%s: got %.8g, want %.8g", c.name, c.got, c.want)
		}
	}
}

func TestErlangSingleServerIsMM1(t *testing.T) {
	// With c = 1, C = ρ and Wq = ρS/(1−ρ).
	for _, rho := range []float64{0.1, 0.5, 0.9, 0.999} {
		m, err := Queue{ArrivalRate: rho, ServiceTime: 1, Servers: 1}.Solve()
		if err != nil {
			t.Fatal(err)
		}
		if !relClose(m.WaitProbability, rho, 1e-12) || !relClose(m.MeanWait, rho/(1-rho), 1e-9) {
			t.Errorf("ρ=%g: got C=%g Wq=%g, want %g %g", rho, m.WaitProbability, m.MeanWait, rho, rho/(1-rho))
		}
	}
}

func TestErlangLargeIsStable(t *testing.T) {
	// 10,000 servers at 99% utilisation: the closed form overflows (A^c / c!), the recursion
	// does not.
	c, err := ErlangC(10000, 9900)
	if err != nil {
		t.Fatal(err)
	}
	if math.IsNaN(c) || c <= 0 || c >= 1 {
		t.Errorf("ErlangC(10000, 9900): got %g, want a probability in (0, 1)", c)
	}
}

func TestErlangSaturated(t *testing.T) {
	for _, c := range []struct {
		name string
		q    Queue
	}{
		{"rho equal 1", Queue{ArrivalRate: 4, ServiceTime: 1, Servers: 4}},
		{"rho above 1", Queue{ArrivalRate: 1000, ServiceTime: 0.01, Servers: 5}},
	} {
		t.Run(c.name, func(t *testing.T) {
			if _, err := c.q.Solve(); !errors.Is(err, ErrSaturated) {
				t.Errorf("got %v, want ErrSaturated", err)
			}
		})
	}
}

func TestServersForTargets(t *testing.T) {
	q := Queue{ArrivalRate: 0.35, ServiceTime: 10}
	for _, c := range []struct {
		name string
		run  func() (QueueMetrics, error)
		ok   func(QueueMetrics) bool
	}{
		{"mean wait 1 min", func() (QueueMetrics, error) { return q.ServersForMeanWait(1) }, func(m QueueMetrics) bool { return m.MeanWait <= 1 }},
		{"mean wait 20 min", func() (QueueMetrics, error) { return q.ServersForMeanWait(20) }, func(m QueueMetrics) bool { return m.MeanWait <= 20 }},
		{"P(wait) 5%", func() (QueueMetrics, error) { return q.ServersForWaitProbability(0.05) }, func(m QueueMetrics) bool { return m.WaitProbability <= 0.05 }},
		{"P(wait) 100%", func() (QueueMetrics, error) { return q.ServersForWaitProbability(1) }, func(m QueueMetrics) bool { return true }},
	} {
		t.Run(c.name, func(t *testing.T) {
			m, err := c.run()
			if err != nil {
				t.Fatal(err)
			}
			if !c.ok(m) {
				t.Fatalf("c=%d does not meet the target: %+v", m.Servers, m)
			}
			// One server fewer must fail the target (or be unstable).
			if m.Servers-1 > int(m.OfferedLoad) {
				fewer, err := Queue{ArrivalRate: q.ArrivalRate, ServiceTime: q.ServiceTime, Servers: m.Servers - 1}.Solve()
				if err == nil && c.ok(fewer) {
					t.Errorf("c=%d is not the smallest: %d also meets the target", m.Servers, m.Servers-1)
				}
			}
		})
	}
	// The bank: 4 tellers give Wq = 14.76 min, so a 20-minute target needs 4, a 1-minute one more.
	m, _ := q.ServersForMeanWait(20)
	if m.Servers != 4 {
		t.Errorf("servers for Wq ≤ 20 min: got %d, want 4", m.Servers)
	}
}

func TestQueueBadInput(t *testing.T) {
	for _, c := range []struct {
		name  string
		run   func() error
		field string
	}{
		{"zero rate", func() error { _, err := Queue{ServiceTime: 1, Servers: 1}.Solve(); return err }, "rps"},
		{"zero service", func() error { _, err := Queue{ArrivalRate: 1, Servers: 1}.Solve(); return err }, "service_time"},
		{"zero servers", func() error { _, err := Queue{ArrivalRate: 1, ServiceTime: 0.1}.Solve(); return err }, "servers"},
		{"zero wait", func() error { _, err := Queue{ArrivalRate: 1, ServiceTime: 0.1}.ServersForMeanWait(0); return err }, "max_wait"},
		{"probability 0", func() error {
			_, err := Queue{ArrivalRate: 1, ServiceTime: 0.1}.ServersForWaitProbability(0)
			return err
		}, "max_wait_probability"},
		{"probability 2", func() error {
			_, err := Queue{ArrivalRate: 1, ServiceTime: 0.1}.ServersForWaitProbability(2)
			return err
		}, "max_wait_probability"},
		{"offered load overflows", func() error { _, err := Queue{ArrivalRate: 1e308, ServiceTime: 10, Servers: 3}.Solve(); return err }, "rps"},
	} {
		t.Run(c.name, func(t *testing.T) {
			var ie *InputError
			if err := c.run(); !errors.As(err, &ie) || ie.Field != c.field {
				t.Errorf("got %v, want an InputError on %s", err, c.field)
			}
		})
	}
}

// TestQueueTooManyServers: a load beyond MaxQueueServers servers is ErrTooManyServers, which
// the command line reports as bad input, not an internal error.
func TestQueueTooManyServers(t *testing.T) {
	q := Queue{ArrivalRate: 1e9, ServiceTime: 0.01}
	if _, err := q.ServersForMeanWait(0.001); !errors.Is(err, ErrTooManyServers) {
		t.Errorf("mean wait: got %v, want ErrTooManyServers", err)
	}
	if _, err := q.ServersForWaitProbability(0.05); !errors.Is(err, ErrTooManyServers) {
		t.Errorf("wait probability: got %v, want ErrTooManyServers", err)
	}
}

func TestWaitPercentile(t *testing.T) {
	m, _ := Queue{ArrivalRate: 0.35, ServiceTime: 10, Servers: 4}.Solve()
	// P(W > t) = C e^{−(c−A)t/S} must equal 1 − p at the percentile.
	t99 := m.WaitPercentile(0.99)
	if got := m.WaitProbability * math.Exp(-(4-3.5)*t99/10); !relClose(got, 0.01, 1e-9) {
		t.Errorf("P(W > p99): got %g, want 0.01", got)
	}
	if m.WaitPercentile(0.2) != 0 {
		t.Errorf("p20 wait: got %g, want 0 (74%% of arrivals wait)", m.WaitPercentile(0.2))
	}
}

// TestQueueSolveFor: each target picks its own solver, and no target solves q as it is.
func TestQueueSolveFor(t *testing.T) {
	q := Queue{ArrivalRate: 350, ServiceTime: 0.010, Servers: 4}
	tests := []struct {
		name              string
		maxWait, maxWaitP float64
		want              func() (QueueMetrics, error)
	}{
		{"servers", 0, 0, q.Solve},
		{"mean wait", 0.002, 0, func() (QueueMetrics, error) { return q.ServersForMeanWait(0.002) }},
		{"wait probability", 0, 0.05, func() (QueueMetrics, error) { return q.ServersForWaitProbability(0.05) }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := q.SolveFor(tt.maxWait, tt.maxWaitP)
			want, wantErr := tt.want()
			if got != want || (err == nil) != (wantErr == nil) {
				t.Errorf("got %+v, %v; want %+v, %v", got, err, want, wantErr)
			}
		})
	}
}
