package runner

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"strconv"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/loadtestdev/loadtest/cluster"
	"github.com/loadtestdev/loadtest/engine"
	"github.com/loadtestdev/loadtest/metrics"
	"github.com/loadtestdev/loadtest/results"
)

// DefaultMetricsLinger is how long /metrics stays up after the run by default: a scrape
// interval of up to 15s still sees the final figures.
const DefaultMetricsLinger = 15 * time.Second

// MetricsOptions are a run's live Prometheus metrics (docs/metrics.md).
type MetricsOptions struct {
	// Listen is the address to serve /metrics on while the run lasts; empty serves nothing.
	Listen string
	// Linger is how long to keep serving the final figures after the run (Ctrl-C ends it).
	Linger time.Duration
}

// Validate checks the options' syntax; the address is bound when the run starts.
func (m MetricsOptions) Validate() error {
	if m.Linger < 0 {
		return fmt.Errorf("--metrics-linger: %s is not allowed, want 0 or a positive duration such as 15s", m.Linger)
	}
	if m.Listen == "" {
		return nil
	}
	if err := CheckListenAddr(m.Listen); err != nil {
		return fmt.Errorf("--metrics-listen: %w", err)
	}
	return nil
}

// CheckListenAddr accepts HOST:PORT with a port of 0 to 65535 (0 picks a free one) and an
// empty host (every interface), an IP address or a name.
func CheckListenAddr(s string) error {
	const want = "want HOST:PORT such as 127.0.0.1:9464"
	_, port, err := net.SplitHostPort(s)
	if err != nil {
		return fmt.Errorf("%q is not an address (%v), %s", s, errors.Unwrap(err), want)
	}
	if n, err := strconv.Atoi(port); err != nil || n < 0 || n > 65535 {
		return fmt.Errorf("%q: port %q is not a number from 0 to 65535, %s", s, port, want)
	}
	return nil
}

// liveMetrics are the live metrics of one run: the address bound first of all (so that one
// in use fails the run at once, before it coordinates or joins or sends), then the exporter
// once the engine's options are known. A nil *liveMetrics (no Listen) does nothing. The
// coordinator of a sharded run serves the merged figures of the whole run, updated from its
// merged view every second; any other run serves its own part.
type liveMetrics struct {
	o      MetricsOptions
	errOut io.Writer
	ln     net.Listener
	exp    atomic.Pointer[metrics.Exporter] // set by serve, before rate is read
	srv    atomic.Pointer[metrics.Server]
	coord  *cluster.Coordinator // set on the coordinator
	rate   func(time.Duration) float64
}

// bindMetrics binds Listen (nil when it is empty). An address that cannot be bound is bad
// input, except one in use, which is a failure of its own.
func bindMetrics(o MetricsOptions, errOut io.Writer) (*liveMetrics, error) {
	if o.Listen == "" {
		return nil, nil
	}
	ln, err := net.Listen("tcp", o.Listen)
	switch {
	case errors.Is(err, syscall.EADDRINUSE):
		return nil, fmt.Errorf("--metrics-listen %s: the address is in use (another process listens there): choose another port, or :0 for a free one", o.Listen)
	case err != nil:
		return nil, badInput(fmt.Errorf("--metrics-listen %s: %w", o.Listen, err))
	}
	return &liveMetrics{o: o, errOut: errOut, ln: ln}, nil
}

// serve starts the exporter of the run eo on the bound address.
func (m *liveMetrics) serve(eo engine.Options, version string) {
	if m == nil {
		return
	}
	m.rate = rateTarget(eo)
	if m.coord != nil {
		whole := eo
		whole.Shard = engine.Shard{}
		m.rate = rateTarget(whole) // the whole run's rate, not this shard's part
	}
	exp := metrics.New(metrics.Options{
		Info:       metrics.RunInfo{Scenario: eo.Scenario, Target: eo.Target, Version: version, Seed: eo.Seed, SeedSet: true},
		RateTarget: rateTarget(eo),
	})
	srv := exp.Serve(m.ln)
	m.exp.Store(exp)
	m.srv.Store(srv)
	fmt.Fprintf(m.errOut, "metrics: serving %s\n", srv.URL())
}

// rateTarget is the rate the run asks at each elapsed time: its stages' ramp, its constant
// rate, or 0 at max rate.
func rateTarget(eo engine.Options) func(time.Duration) float64 {
	if len(eo.Stages) > 0 {
		if sp, err := engine.NewStagesPacer(eo.Stages); err == nil {
			return sp.Rate
		}
	}
	return engine.ConstantPacer{RatePerSec: eo.RatePerSec}.Rate
}

// observers adds the exporter of a run that serves its own figures to the run's observers.
func (m *liveMetrics) observers(obs ...Observer) []Observer {
	if m == nil || m.exp.Load() == nil || m.coord != nil {
		return obs // the coordinator exports the merged run instead (onSecond)
	}
	return append(obs, m.exp.Load().Observe)
}

// onSecond updates the coordinator's exporter with the merged view.
func (m *liveMetrics) onSecond(p engine.Progress) {
	if m == nil || m.coord == nil || m.exp.Load() == nil {
		return
	}
	m.exp.Load().Update(m.coord.Snapshot, metrics.Live{RateTargetPerSec: m.rate(p.Elapsed), InFlight: p.InFlight})
}

// final exports the run's complete result in place of the last snapshot.
func (m *liveMetrics) final(r *results.Result) {
	if m != nil && m.exp.Load() != nil {
		m.exp.Load().Final(r)
	}
}

// lingerThenStop keeps serving the final figures for Linger (unless ctx is done: the run was
// interrupted, or Ctrl-C now), then stops the server. err is the run's error, returned with
// the server's.
func (m *liveMetrics) lingerThenStop(ctx context.Context, err error) error {
	if m == nil {
		return err
	}
	if srv := m.srv.Load(); srv != nil && m.o.Linger > 0 && ctx.Err() == nil {
		fmt.Fprintf(m.errOut, "metrics: serving the final figures at %s for %s (Ctrl-C to stop now)\n", srv.URL(), m.o.Linger)
		metrics.Linger(ctx, m.o.Linger)
	}
	return errors.Join(err, m.stop())
}

// stop stops the server (a scrape under way gets a second to finish), or closes the address
// bound and never served (the run ended before its start).
func (m *liveMetrics) stop() error {
	if m == nil {
		return nil
	}
	srv := m.srv.Swap(nil)
	if srv == nil {
		if m.exp.Load() == nil {
			_ = m.ln.Close()
		}
		return nil
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	return srv.Close(ctx)
}
