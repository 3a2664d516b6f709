package cli

import (
	"sync/atomic"

	"github.com/loadtestdev/loadtest/cluster"
	"github.com/loadtestdev/loadtest/engine"
	"github.com/loadtestdev/loadtest/metrics"
	"github.com/loadtestdev/loadtest/runner"
)

// clusterMetrics are the live metrics of one shard of a coordinated run (--metrics-listen):
// the coordinator serves the merged figures of the whole run, updated from its merged view
// every second; any other shard serves its own part, from its own run. The exporter starts
// once the shard knows its engine options (after the join, before any load).
type clusterMetrics struct {
	rm    atomic.Pointer[runMetrics]
	coord *cluster.Coordinator // nil on a shard that joins
	rate  func(engine.Progress) float64
}

// start binds --metrics-listen for the shard's run.
func (cm *clusterMetrics) start(o *runOptions, eo engine.Options) (*runMetrics, error) {
	rm, err := startRunMetrics(&o.metricsFlags, eo, o.ErrOut)
	if err != nil || rm == nil {
		return rm, err
	}
	target := rateTarget(eo)
	if cm.coord != nil {
		whole := eo
		whole.Shard = engine.Shard{}
		target = rateTarget(whole) // the whole run's rate, not this shard's part
	}
	cm.rate = func(p engine.Progress) float64 { return target(p.Elapsed) }
	cm.rm.Store(rm)
	return rm, nil
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
