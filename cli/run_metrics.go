package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"strconv"
	"syscall"
	"time"

	"github.com/spf13/pflag"

	"github.com/loadtestdev/loadtest/engine"
	"github.com/loadtestdev/loadtest/metrics"
	"github.com/loadtestdev/loadtest/results"
	"github.com/loadtestdev/loadtest/runner"
)

// defaultMetricsLinger is how long /metrics stays up after the run by default: a scrape
// interval of up to 15s still sees the final figures.
const defaultMetricsLinger = 15 * time.Second

// metricsFlags are run's live-metrics flags (docs/metrics.md).
type metricsFlags struct {
	MetricsListen string
	MetricsLinger time.Duration
}

func (m *metricsFlags) bind(f *pflag.FlagSet) {
	f.StringVar(&m.MetricsListen, "metrics-listen", "", "serve live Prometheus metrics at http://ADDR/metrics while the run lasts, e.g. 127.0.0.1:9464 (docs/metrics.md)")
	f.DurationVar(&m.MetricsLinger, "metrics-linger", defaultMetricsLinger, "with --metrics-listen, keep serving the final figures this long after the run (Ctrl-C ends it)")
}

// validate checks the flags' syntax; binding the address is startRunMetrics's.
func (m *metricsFlags) validate() error {
	if m.MetricsLinger < 0 {
		return fmt.Errorf("--metrics-linger: %s is not allowed, want 0 or a positive duration such as 15s", m.MetricsLinger)
	}
	if m.MetricsListen == "" {
		return nil
	}
	if err := checkListenAddr(m.MetricsListen); err != nil {
		return fmt.Errorf("--metrics-listen: %w", err)
	}
	return nil
}

// checkListenAddr accepts HOST:PORT with a port of 0 to 65535 (0 picks a free one) and an
// empty host (every interface), an IP address or a name.
func checkListenAddr(s string) error {
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

// runMetrics is the live metrics of one run: the exporter that observes it and its server.
// A nil *runMetrics (no --metrics-listen) does nothing.
type runMetrics struct {
	exp    *metrics.Exporter
	srv    *metrics.Server
	linger time.Duration
	errOut io.Writer
}

// startRunMetrics binds --metrics-listen before any load is sent. An address that cannot be
// bound is bad input (exit 2), except one in use, which is a failure of its own (exit 1).
func startRunMetrics(m *metricsFlags, eo engine.Options, errOut io.Writer) (*runMetrics, error) {
	ln, err := bindMetrics(m)
	if err != nil || ln == nil {
		return nil, err
	}
	return serveRunMetrics(m, eo, ln, errOut), nil
}

// bindMetrics binds --metrics-listen (nil when it is not given), with startRunMetrics's exit
// codes; a coordinated run binds it first of all, before it coordinates or joins.
func bindMetrics(m *metricsFlags) (net.Listener, error) {
	if m.MetricsListen == "" {
		return nil, nil
	}
	ln, err := net.Listen("tcp", m.MetricsListen)
	switch {
	case errors.Is(err, syscall.EADDRINUSE):
		return nil, fmt.Errorf("--metrics-listen %s: the address is in use (another process listens there): choose another port, or :0 for a free one", m.MetricsListen)
	case err != nil:
		return nil, usageError(fmt.Errorf("--metrics-listen %s: %w", m.MetricsListen, err))
	}
	return ln, nil
}

// serveRunMetrics serves the run's exporter on ln, bound by bindMetrics.
func serveRunMetrics(m *metricsFlags, eo engine.Options, ln net.Listener, errOut io.Writer) *runMetrics {
	exp := metrics.New(metrics.Options{
		Info:       metrics.RunInfo{Scenario: eo.Scenario, Target: eo.Target, Version: version(), Seed: eo.Seed, SeedSet: true},
		RateTarget: rateTarget(eo),
	})
	srv := exp.Serve(ln)
	fmt.Fprintf(errOut, "metrics: serving %s\n", srv.URL())
	return &runMetrics{exp: exp, srv: srv, linger: m.MetricsLinger, errOut: errOut}
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

// observers adds the exporter to the run's observers.
func (rm *runMetrics) observers(obs ...runner.Observer) []runner.Observer {
	if rm == nil {
		return obs
	}
	return append(obs, rm.exp.Observe)
}

// final exports the run's complete result in place of the last snapshot.
func (rm *runMetrics) final(r *results.Result) {
	if rm != nil {
		rm.exp.Final(r)
	}
}

// lingerThenStop keeps serving the final figures for --metrics-linger (unless ctx is done:
// the run was interrupted, or Ctrl-C now), then stops the server. err is the run's error,
// returned with the server's.
func (rm *runMetrics) lingerThenStop(ctx context.Context, err error) error {
	if rm == nil {
		return err
	}
	if rm.linger > 0 && ctx.Err() == nil {
		fmt.Fprintf(rm.errOut, "metrics: serving the final figures at %s for %s (Ctrl-C to stop now)\n", rm.srv.URL(), rm.linger)
		metrics.Linger(ctx, rm.linger)
	}
	return errors.Join(err, rm.stop())
}

// stop stops the server; a scrape under way gets a second to finish.
func (rm *runMetrics) stop() error {
	if rm == nil || rm.srv == nil {
		return nil
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	err := rm.srv.Close(ctx)
	rm.srv = nil
	return err
}
