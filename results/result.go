// Package results defines the loadtest result file (schema loadtest.result/v1): the contract
// between the engine that measures a run and every command that reads one afterwards (reports,
// the gate, the capacity planner). It also holds the latency histogram helpers and merging.
package results

import "time"

// Schema is the value of the "schema" field of every result file this version writes.
const Schema = "loadtest.result/v1"

// Result is one load-test run (or several merged). Latencies are in milliseconds, rates in
// requests per second, ratios in 0..1.
type Result struct {
	Schema   string `json:"schema"`
	Version  string `json:"loadtest_version,omitempty"`
	Scenario string `json:"scenario"`
	Target   string `json:"target"`

	Started   time.Time `json:"started"`
	Ended     time.Time `json:"ended"`
	DurationS float64   `json:"duration_s"`

	// RateAsked is the requested constant rate in req/s, or for a run of flows in iterations
	// started per second (as are its Stages' rates); 0 means "as fast as possible" with
	// Connections workers. Stages describe a ramped rate instead.
	RateAsked   float64 `json:"rate_asked"`
	Stages      []Stage `json:"stages,omitempty"`
	Connections int     `json:"connections,omitempty"`
	Seed        int64   `json:"seed"`

	// Planned is how many requests the run was to send (0 when unbounded) and Sent how many
	// it sent; a run stops at its duration, so Sent < Planned when it fell behind.
	Planned uint64 `json:"planned,omitempty"`
	Sent    uint64 `json:"sent,omitempty"`

	Requests     uint64  `json:"requests"`
	Successes    uint64  `json:"successes"`
	SuccessRatio float64 `json:"success_ratio"`
	// Rate is the achieved request rate (requests / duration) and Throughput the rate of
	// successful requests (successes / duration), both in req/s, also for a run of flows
	// (whose achieved iteration rate is IterationRate).
	Rate       float64 `json:"rate"`
	Throughput float64 `json:"throughput"`
	BytesIn    uint64  `json:"bytes_in"`
	BytesOut   uint64  `json:"bytes_out"`

	// LatencyMS is measured from each request's intended send time (corrected for
	// coordinated omission); ServiceTimeMS from when a worker actually sent it (vegeta's view).
	LatencyMS Latency `json:"latency_ms"`
	// TimerSlackMS is the generator's timer resolution that LatencyMS forgives: a hit sent
	// within it of its intended time counts as on time (engine.TimerSlack).
	TimerSlackMS  float64 `json:"timer_slack_ms,omitempty"`
	ServiceTimeMS Latency `json:"service_time_ms"`

	StatusCodes map[string]uint64        `json:"status_codes"`
	Errors      []ErrorCount             `json:"errors"`
	ByRequest   map[string]*RequestStats `json:"by_request"`
	Timeline    []Second                 `json:"timeline"`

	// Histograms holds the overall histograms in HdrHistogram's compressed V2 encoding
	// (base64), values in microseconds, so that results merge exactly.
	Histograms Histograms `json:"histograms"`

	Host *Host `json:"host,omitempty"`
	// SourceHosts keeps each source's host section in a merged result.
	SourceHosts []*Host           `json:"source_hosts,omitempty"`
	Warnings    []Warning         `json:"warnings,omitempty"`
	Thresholds  []ThresholdResult `json:"thresholds,omitempty"`
	Probe       *Probe            `json:"probe,omitempty"`
	Interrupted bool              `json:"interrupted,omitempty"`
	// Sources names the runs a merged result was made from; empty for a single run.
	Sources []string `json:"sources,omitempty"`

	// Iterations, for a scenario with flows: started, completed and failed (Completed +
	// Failed = Iterations once the run has ended), and dropped (starts that found max_sessions
	// busy; Iterations + DroppedIterations = the starts the pacer planned).
	Iterations          uint64 `json:"iterations,omitempty"`
	IterationsCompleted uint64 `json:"iterations_completed,omitempty"`
	IterationsFailed    uint64 `json:"iterations_failed,omitempty"`
	DroppedIterations   uint64 `json:"dropped_iterations,omitempty"`
	// Skipped counts the request steps a when skipped, over every flow (FlowStats.Skipped).
	Skipped uint64 `json:"skipped,omitempty"`
	// Checks counts every check of every flow; Flows has each flow's figures by name.
	Checks *Checks               `json:"checks,omitempty"`
	Flows  map[string]*FlowStats `json:"flows,omitempty"`

	// Shard is set on the result of one shard of a sharded run; Coordination on a coordinated
	// run's merged result.
	Shard        *Shard        `json:"shard,omitempty"`
	Coordination *Coordination `json:"coordination,omitempty"`
}

// Stage is one piece of a ramped rate: over Duration the rate moves linearly to RatePerSec.
type Stage struct {
	DurationS  float64 `json:"duration_s"`
	RatePerSec float64 `json:"rate"`
}

// Latency summarises a latency histogram in milliseconds.
type Latency struct {
	Min    float64 `json:"min"`
	Mean   float64 `json:"mean"`
	StdDev float64 `json:"stddev"`
	P50    float64 `json:"p50"`
	P90    float64 `json:"p90"`
	P95    float64 `json:"p95"`
	P99    float64 `json:"p99"`
	P999   float64 `json:"p999"`
	P9999  float64 `json:"p9999"`
	Max    float64 `json:"max"`
}

// ErrorCount is one class of error (e.g. "connection refused", "timeout", "http 500") with how
// often it happened and one example: its message and, for an HTTP error, the first bytes of
// the response body the server sent with it.
type ErrorCount struct {
	Class   string `json:"class"`
	Message string `json:"message"`
	// Body is the first MaxErrorBody bytes of the example's response body (invalid UTF-8
	// replaced), "" when there was no response or it had no body; BodyTruncated says the
	// body went on beyond them.
	Body          string `json:"body,omitempty"`
	BodyTruncated bool   `json:"body_truncated,omitempty"`
	Count         uint64 `json:"count"`
}

// MaxErrorBody is how many bytes of a failed response's body an error sample keeps.
const MaxErrorBody = 256

// RequestStats are the figures for one named request of a scenario.
type RequestStats struct {
	Requests      uint64            `json:"requests"`
	Successes     uint64            `json:"successes"`
	SuccessRatio  float64           `json:"success_ratio"`
	Rate          float64           `json:"rate"`
	Throughput    float64           `json:"throughput"`
	LatencyMS     Latency           `json:"latency_ms"`
	ServiceTimeMS Latency           `json:"service_time_ms"`
	StatusCodes   map[string]uint64 `json:"status_codes"`
	Errors        []ErrorCount      `json:"errors,omitempty"`
	Histograms    Histograms        `json:"histograms"`
}

// Histograms are encoded HdrHistograms (compressed V2, base64) of latency and service time
// in microseconds.
type Histograms struct {
	Latency     string `json:"latency"`
	ServiceTime string `json:"service_time"`
}

// Second is one second of the run's timeline, keyed by wall-clock Unix second.
type Second struct {
	Unix      int64   `json:"t"`
	Requests  uint64  `json:"requests"`
	Successes uint64  `json:"successes"`
	Errors    uint64  `json:"errors"`
	P50MS     float64 `json:"p50_ms"`
	P90MS     float64 `json:"p90_ms"`
	P99MS     float64 `json:"p99_ms"`
	MaxMS     float64 `json:"max_ms"`
	// Latency is that second's latency histogram (encoded like Histograms.Latency), kept so
	// that merged timelines have exact percentiles.
	Latency string `json:"latency_hist,omitempty"`
	// Iterations started and dropped in that second (flows only).
	Iterations        uint64 `json:"iterations,omitempty"`
	DroppedIterations uint64 `json:"dropped_iterations,omitempty"`
}

// Warning is a condition that makes the numbers less trustworthy, with the figures that
// triggered it (e.g. the load generator was saturated).
type Warning struct {
	Code    string             `json:"code"`
	Message string             `json:"message"`
	Values  map[string]float64 `json:"values,omitempty"`
}

// ThresholdResult is one evaluated threshold of the performance gate.
type ThresholdResult struct {
	Expression string  `json:"expression"`
	Measured   float64 `json:"measured"`
	Unit       string  `json:"unit,omitempty"`
	Passed     bool    `json:"passed"`
	// NoData is set when the metric had no sample to measure (a latency or a ratio over no
	// request, checks over no check, an iteration duration over no iteration): Measured is
	// then 0 and means nothing, and the threshold failed.
	NoData bool `json:"no_data,omitempty"`
	// Source is "flag", "scenario" or "default" (a threshold the run got because it had none
	// of its own).
	Source string `json:"source,omitempty"`
}
