package metrics

import (
	"cmp"
	"fmt"
	"maps"
	"slices"
	"strconv"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/loadtestdev/loadtest/results"
)

// The series, a contract documented in docs/metrics.md: names and labels do not change.
var (
	requestsDesc = prometheus.NewDesc("loadtest_requests_total",
		"Requests completed, by scenario, request name and HTTP status code (0: no response).",
		[]string{"scenario", "request", "code"}, nil)
	errorsDesc = prometheus.NewDesc("loadtest_errors_total",
		"Failed requests, by scenario, request name and error class (as the result file's errors).",
		[]string{"scenario", "request", "class"}, nil)
	durationDesc = prometheus.NewDesc("loadtest_request_duration_seconds",
		`Request duration: kind="latency" from the intended send time (corrected for coordinated omission), kind="service_time" from the actual send.`,
		[]string{"scenario", "request", "kind"}, nil)
	rateTargetDesc = prometheus.NewDesc("loadtest_rate_target",
		"The rate the run asks now: requests per second, or iterations started per second in a run of flows (0 at max rate and after the run).",
		nil, nil)
	inFlightDesc = prometheus.NewDesc("loadtest_in_flight",
		"Requests sent and not yet answered.", nil, nil)
	droppedDesc = prometheus.NewDesc("loadtest_dropped_iterations_total",
		"Flow iterations not started because every session was busy (max_sessions).", nil, nil)
	checksDesc = prometheus.NewDesc("loadtest_checks_total",
		`Check outcomes of the flows' steps, result="pass" or "fail".`,
		[]string{"flow", "step", "check", "result"}, nil)
	iterationDesc = prometheus.NewDesc("loadtest_iteration_duration_seconds",
		"Duration of the completed iterations of a flow, from the intended start to the end of its last step.",
		[]string{"flow"}, nil)
	runInfoDesc = prometheus.NewDesc("loadtest_run_info",
		"Always 1: the run's scenario, target, loadtest version and seed.",
		[]string{"scenario", "target", "version", "seed"}, nil)
)

// Kinds of loadtest_request_duration_seconds.
const (
	KindLatency     = "latency"
	KindServiceTime = "service_time"
)

// view is one snapshot rendered as constant metrics, built once per snapshot and sent on
// every scrape until the next.
type view struct {
	seq     uint64
	info    RunInfo
	metrics []prometheus.Metric
}

// newView renders r. Maps are walked in sorted order so that the exposition is stable.
func newView(r *results.Result, info RunInfo, seq uint64) (*view, error) {
	v := &view{seq: seq, info: fillInfo(info, r)}
	add := func(m prometheus.Metric, err error) error {
		if err != nil {
			return fmt.Errorf("metrics: %w", err)
		}
		v.metrics = append(v.metrics, m)
		return nil
	}
	for _, name := range slices.Sorted(maps.Keys(r.ByRequest)) {
		if err := v.addRequest(r.Scenario, name, r.ByRequest[name], r, add); err != nil {
			return nil, err
		}
	}
	if err := add(prometheus.NewConstMetric(droppedDesc, prometheus.CounterValue, float64(r.DroppedIterations))); err != nil {
		return nil, err
	}
	for _, flow := range slices.Sorted(maps.Keys(r.Flows)) {
		if err := v.addFlow(flow, r.Flows[flow], r, add); err != nil {
			return nil, err
		}
	}
	return v, nil
}

func (v *view) addRequest(scenario, name string, rs *results.RequestStats, r *results.Result, add func(prometheus.Metric, error) error) error {
	if rs == nil {
		return nil
	}
	codes := slices.SortedFunc(maps.Keys(rs.StatusCodes), byNumber)
	for _, code := range codes {
		if err := add(prometheus.NewConstMetric(requestsDesc, prometheus.CounterValue, float64(rs.StatusCodes[code]), scenario, name, code)); err != nil {
			return err
		}
	}
	for _, e := range rs.Errors {
		if err := add(prometheus.NewConstMetric(errorsDesc, prometheus.CounterValue, float64(e.Count), scenario, name, e.Class)); err != nil {
			return err
		}
	}
	for _, k := range []struct{ kind, enc string }{{KindLatency, rs.Histograms.Latency}, {KindServiceTime, rs.Histograms.ServiceTime}} {
		m, err := newHistogram(durationDesc, k.enc, r, scenario, name, k.kind)
		if err != nil {
			return fmt.Errorf("request %s %s: %w", name, k.kind, err)
		}
		if err := add(m, nil); err != nil {
			return err
		}
	}
	return nil
}

func (v *view) addFlow(flow string, fs *results.FlowStats, r *results.Result, add func(prometheus.Metric, error) error) error {
	if fs == nil {
		return nil
	}
	for _, c := range fs.Checks {
		for _, o := range []struct {
			result string
			n      uint64
		}{{"pass", c.Passes}, {"fail", c.Fails}} {
			if err := add(prometheus.NewConstMetric(checksDesc, prometheus.CounterValue, float64(o.n), flow, c.Step, c.Name, o.result)); err != nil {
				return err
			}
		}
	}
	m, err := newHistogram(iterationDesc, fs.Histograms.Iteration, r, flow)
	if err != nil {
		return fmt.Errorf("flow %s iterations: %w", flow, err)
	}
	return add(m, nil)
}

// fillInfo completes info with the result's fields where it has none.
func fillInfo(info RunInfo, r *results.Result) RunInfo {
	if info.Scenario == "" {
		info.Scenario = r.Scenario
	}
	if info.Target == "" {
		info.Target = r.Target
	}
	if info.Version == "" {
		info.Version = r.Version
	}
	if !info.SeedSet {
		info.Seed, info.SeedSet = r.Seed, true
	}
	return info
}

// byNumber orders status codes numerically ("0", "200", "404", "1000").
func byNumber(a, b string) int {
	x, errX := strconv.Atoi(a)
	y, errY := strconv.Atoi(b)
	if errX != nil || errY != nil {
		return cmp.Compare(a, b)
	}
	return cmp.Compare(x, y)
}

// collector is the registry's view of an Exporter.
type collector struct{ e *Exporter }

// Describe sends every series' descriptor.
func (c collector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{requestsDesc, errorsDesc, durationDesc, rateTargetDesc, inFlightDesc, droppedDesc, checksDesc, iterationDesc, runInfoDesc} {
		ch <- d
	}
}

// Collect sends the latest snapshot's series and the live gauges. A snapshot that could not
// be rendered is reported as an invalid metric (promhttp logs it and serves the rest: the
// previous snapshot's series).
func (c collector) Collect(ch chan<- prometheus.Metric) {
	v, live, err := c.e.current()
	if err != nil {
		ch <- prometheus.NewInvalidMetric(runInfoDesc, err)
	}
	info := c.e.opts.Info
	if v != nil {
		info = v.info
		for _, m := range v.metrics {
			ch <- m
		}
	}
	seed := ""
	if info.SeedSet {
		seed = strconv.FormatInt(info.Seed, 10)
	}
	ch <- prometheus.MustNewConstMetric(runInfoDesc, prometheus.GaugeValue, 1, info.Scenario, info.Target, info.Version, seed)
	ch <- prometheus.MustNewConstMetric(rateTargetDesc, prometheus.GaugeValue, live.RateTargetPerSec)
	ch <- prometheus.MustNewConstMetric(inFlightDesc, prometheus.GaugeValue, float64(live.InFlight))
}
