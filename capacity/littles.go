package capacity

import "time"

// InFlight is Little's law L = λW: the mean number of requests in the system when rps
// arrive per second and each spends latency in it (Little 1961).
func InFlight(rps float64, latency time.Duration) float64 {
	return rps * latency.Seconds()
}

// Concurrency is what Little's law says about a fleet at the peak.
type Concurrency struct {
	LatencyMS float64 `json:"latency_ms"`
	// InFlight = peak RPS × latency, over the whole fleet.
	InFlight float64 `json:"in_flight"`
	// PerServer = InFlight / servers, every server up.
	PerServer float64 `json:"per_server"`
	// PerServerDegraded = InFlight / the servers left after the worst loss the plan covers.
	PerServerDegraded float64 `json:"per_server_degraded"`
	// PoolSize = ⌈PerServerDegraded⌉: workers (or database connections, when each request
	// holds one for its whole latency) a server needs so requests never wait for one.
	PoolSize int `json:"pool_size"`
	// Steps are the formulas above with the numbers put in.
	Steps []Step `json:"-"`
}

// ComputeConcurrency applies Little's law to a peak spread over servers (survivors: the
// servers left after the worst loss covered).
func ComputeConcurrency(peakRPS float64, latency time.Duration, servers, survivors int) (Concurrency, error) {
	if latency <= 0 {
		return Concurrency{}, badInput("latency", latency.Seconds(), "a duration greater than 0, e.g. 50ms")
	}
	if servers <= 0 || survivors <= 0 {
		return Concurrency{}, badInput("servers", float64(servers), "at least 1")
	}
	c := Concurrency{LatencyMS: float64(latency) / float64(time.Millisecond), InFlight: InFlight(peakRPS, latency)}
	c.PerServer = c.InFlight / float64(servers)
	c.PerServerDegraded = c.InFlight / float64(survivors)
	c.PoolSize = max(CeilRatio(c.PerServerDegraded, 1), 1)
	c.Steps = []Step{
		step("in flight = peak RPS × latency (Little's law, L = λW)", "in flight = {} req/s × {} s = {} (Little's law)",
			num(peakRPS), num(c.LatencyMS/1000), num(c.InFlight)),
		step("per server = in flight / servers; after the worst covered loss in flight / survivors",
			"per server = {} / {} = {}; after the worst covered loss {} / {} = {}",
			num(c.InFlight), count(servers), num(c.PerServer), num(c.InFlight), count(survivors), num(c.PerServerDegraded)),
	}
	return c, nil
}
