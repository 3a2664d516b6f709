// Package metrics serves a run's figures live to Prometheus: an Exporter is an observer of the
// run session (runner.Observer) that keeps the latest cumulative snapshot of the run, and a
// custom collector on its own prometheus.Registry renders that snapshot as the series listed
// in docs/metrics.md (counters, gauges and histograms with classic and native buckets),
// derived exactly from the results.Result the run will write, so that the counts of the last
// scrape equal the result file's. A coordinator of a sharded run feeds it its merged view
// with Update instead.
package metrics

import (
	"net/http"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/loadtestdev/loadtest/engine"
	"github.com/loadtestdev/loadtest/results"
)

// RunInfo are the labels of loadtest_run_info. An empty field is taken from the snapshot's
// result (Scenario, Target, Version, Seed).
type RunInfo struct {
	Scenario, Target, Version string
	Seed                      int64
	// SeedSet says Seed is given (a seed of 0 is a seed); unset takes the result's.
	SeedSet bool
}

// Options configure an Exporter.
type Options struct {
	Info RunInfo
	// RateTarget is the rate in req/s the run asks at an elapsed time (engine's pacers have
	// it as Rate); nil exports 0, as does a run at max rate.
	RateTarget func(elapsed time.Duration) float64
	// Timeouts bound the waits of the Server that Listen or Serve starts (zero fields:
	// DefaultServerTimeouts).
	Timeouts ServerTimeouts
}

// Live are the figures of the instant a snapshot was taken that the result does not hold.
type Live struct {
	// RateTargetPerSec is the rate the run asks now, 0 at max rate and once the run is over.
	RateTargetPerSec float64
	// InFlight is the number of requests sent and not yet answered.
	InFlight uint64
}

// Snapshot renders the cumulative figures of a run so far (engine.Partial.Result, or a
// coordinator's merge of its shards' partial results). It is called on a scrape, at most
// once per Update, never on the goroutine that called Update.
type Snapshot func() (*results.Result, error)

// Exporter holds the latest snapshot of one run and exports it through its registry.
type Exporter struct {
	opts Options
	reg  *prometheus.Registry

	mu      sync.Mutex // guards the fields below it, held only to swap them
	pending Snapshot
	live    Live
	seq     uint64

	renderMu sync.Mutex // serialises rendering; guards view
	view     *view
}

// New returns an Exporter with nothing measured yet: until the first Update a scrape sees
// loadtest_run_info and zero gauges only.
func New(o Options) *Exporter {
	e := &Exporter{opts: o, reg: prometheus.NewRegistry()}
	e.reg.MustRegister(collector{e})
	return e
}

// Registry is the Exporter's own registry (no Go or process collectors: the series are the
// run's only).
func (e *Exporter) Registry() *prometheus.Registry { return e.reg }

// Handler serves the registry in the Prometheus exposition formats (text, or protobuf with
// native histograms when the scraper asks for it).
func (e *Exporter) Handler() http.Handler {
	return promhttp.HandlerFor(e.reg, promhttp.HandlerOpts{ErrorHandling: promhttp.ContinueOnError})
}

// Observe is a runner.Observer: it takes the progress's partial copy (cheap; it is rendered
// on the next scrape, not here) and the live figures.
func (e *Exporter) Observe(p engine.Progress) error {
	live := Live{InFlight: p.InFlight}
	if e.opts.RateTarget != nil {
		live.RateTargetPerSec = e.opts.RateTarget(p.Elapsed)
	}
	if p.Partial == nil {
		e.setLive(live)
		return nil
	}
	e.Update(p.Partial().Result, live)
	return nil
}

// Update replaces the snapshot with s and the live figures with live: a coordinator's entry
// point for its merged view. It does not call s.
func (e *Exporter) Update(s Snapshot, live Live) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.pending, e.live = s, live
	e.seq++
}

// Final replaces the snapshot with the run's final result (after it is complete: the version
// set, the thresholds evaluated); the rate asked and the requests in flight are then 0.
func (e *Exporter) Final(r *results.Result) {
	e.Update(func() (*results.Result, error) { return r, nil }, Live{})
}

func (e *Exporter) setLive(live Live) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.live = live
}

// current renders the pending snapshot, if any, and returns the latest view with the error
// of rendering, if that failed (the previous view is kept then).
func (e *Exporter) current() (*view, Live, error) {
	e.renderMu.Lock()
	defer e.renderMu.Unlock()
	e.mu.Lock()
	src, live, seq := e.pending, e.live, e.seq
	e.pending = nil
	e.mu.Unlock()
	if src == nil {
		return e.view, live, nil
	}
	r, err := src()
	if err == nil {
		var v *view
		if v, err = newView(r, e.opts.Info, seq); err == nil && (e.view == nil || v.seq > e.view.seq) {
			e.view = v
		}
	}
	return e.view, live, err
}
