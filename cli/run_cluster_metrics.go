package cli

import (
	"net"
	"sync/atomic"

	"github.com/loadtestdev/loadtest/cluster"
	"github.com/loadtestdev/loadtest/engine"
	"github.com/loadtestdev/loadtest/metrics"
	"github.com/loadtestdev/loadtest/runner"
)

// clusterMetrics are the live metrics of one shard of a coordinated run (--metrics-listen):
// the coordinator serves the merged figures of the whole run, updated from its merged view
// every second; any other shard serves its own part, from its own run. The address is bound
// first of all (bind), so that one in use fails the shard at once, before it coordinates or
// joins; the exporter starts once the shard knows its engine options (before any load).
type clusterMetrics struct {
	ln    net.Listener // bound by bind, served by start
	rm    atomic.Pointer[runMetrics]
	coord *cluster.Coordinator // nil on a shard that joins
	rate  func(engine.Progress) float64
}

// bind binds --metrics-listen, if given.
func (cm *clusterMetrics) bind(o *runOptions) (err error) {
	cm.ln, err = bindMetrics(&o.metricsFlags)
	return err
}

// release closes the address bound and never served (the run ended before its start).
func (cm *clusterMetrics) release() {
	if cm.ln != nil && cm.rm.Load() == nil {
		_ = cm.ln.Close()
	}
}

// start serves the address bound for the shard's run.
func (cm *clusterMetrics) start(o *runOptions, eo engine.Options) *runMetrics {
	if cm.ln == nil {
		return nil
	}
	rm := serveRunMetrics(&o.metricsFlags, eo, cm.ln, o.ErrOut)
	target := rateTarget(eo)
	if cm.coord != nil {
		whole := eo
		whole.Shard = engine.Shard{}
		target = rateTarget(whole) // the whole run's rate, not this shard's part
	}
	cm.rate = func(p engine.Progress) float64 { return target(p.Elapsed) }
	cm.rm.Store(rm)
	return rm
}

// observers adds the exporter of a shard that serves its own part.
func (cm *clusterMetrics) observers(obs ...runner.Observer) []runner.Observer {
	if cm.coord != nil {
		return obs // the coordinator exports the merged run instead (onSecond)
	}
	return cm.rm.Load().observers(obs...)
}

// onSecond updates the coordinator's exporter with the merged view.
func (cm *clusterMetrics) onSecond(p engine.Progress) {
	rm := cm.rm.Load()
	if rm == nil || cm.coord == nil {
		return
	}
	rm.exp.Update(cm.coord.Snapshot, metrics.Live{RateTargetPerSec: cm.rate(p), InFlight: p.InFlight})
}
