package capacity

import (
	"errors"
	"fmt"
	"math"
)

// ErrSaturated is returned for an M/M/c queue with utilisation ρ = A/c ≥ 1: arrivals
// outpace service and the queue grows without bound.
var ErrSaturated = errors.New("capacity: utilisation ≥ 1, the queue grows without bound")

// MaxQueueServers bounds the search for a server count.
const MaxQueueServers = 10_000_000

// ErrTooManyServers is returned when a queue needs more than MaxQueueServers servers: the
// offered load is beyond what the model sizes.
var ErrTooManyServers = errors.New("capacity: the queue needs more than 10,000,000 servers")

// ErlangB is the Erlang B blocking probability of c servers offered a erlangs, by the
// recursion B(0) = 1, B(k) = a·B(k−1) / (k + a·B(k−1)), which stays in [0, 1] and never
// forms the large powers and factorials of the closed form (Kleinrock, Queueing Systems
// Vol. 1, eq. 3.46; Gunther, PDQ ch. 2).
func ErlangB(c int, a float64) float64 {
	b := 1.0
	for k := 1; k <= c; k++ {
		b = a * b / (float64(k) + a*b)
	}
	return b
}

// ErlangC is the probability that an arrival to an M/M/c queue with c servers and offered
// load a = λS erlangs has to wait: C = c·B / (c − a(1 − B)) with B = ErlangB(c, a)
// (Kleinrock eq. 3.40). It returns ErrSaturated unless a < c.
func ErlangC(c int, a float64) (float64, error) {
	if c < 1 || !(a >= 0) || math.IsInf(a, 0) {
		return 0, fmt.Errorf("capacity: erlang c: need c ≥ 1 and a ≥ 0, got c = %d, a = %g", c, a)
	}
	if a >= float64(c) {
		return 0, fmt.Errorf("%w: ρ = %g / %d = %.4g; at least %d servers are needed", ErrSaturated, a, c, a/float64(c), int(math.Floor(a))+1)
	}
	b := ErlangB(c, a)
	return float64(c) * b / (float64(c) - a*(1-b)), nil
}

// Queue is an M/M/c queue: Poisson arrivals at ArrivalRate, exponential service of mean
// ServiceTime, Servers identical servers. Times are in any one unit (seconds, minutes) and
// the rate is per that unit.
type Queue struct {
	ArrivalRate float64 `json:"arrival_rate"`
	ServiceTime float64 `json:"service_time"`
	Servers     int     `json:"servers"`
}

// QueueMetrics are the steady-state figures of an M/M/c queue (Kleinrock §3.5).
type QueueMetrics struct {
	Queue
	// OfferedLoad A = λS in erlangs; Utilization ρ = A/c.
	OfferedLoad float64 `json:"offered_load"`
	Utilization float64 `json:"utilization"`
	// WaitProbability is Erlang C, P(an arrival waits).
	WaitProbability float64 `json:"wait_probability"`
	// MeanWait Wq = C·S / (c − A); MeanResponse R = Wq + S.
	MeanWait     float64 `json:"mean_wait"`
	MeanResponse float64 `json:"mean_response"`
	// MeanQueueLength Lq = λ·Wq; MeanInSystem L = λ·R (Little's law).
	MeanQueueLength float64 `json:"mean_queue_length"`
	MeanInSystem    float64 `json:"mean_in_system"`
}

// WaitPercentile is the time t with P(wait > t) = 1 − p: P(W > t) = C·e^(−(c−A)t/S), so
// t = S·ln(C/(1−p)) / (c−A), and 0 when C ≤ 1 − p (Kleinrock eq. 3.42).
func (m QueueMetrics) WaitPercentile(p float64) float64 {
	tail := 1 - p
	if m.WaitProbability <= tail || tail <= 0 {
		return 0
	}
	return m.ServiceTime * math.Log(m.WaitProbability/tail) / (float64(m.Servers) - m.OfferedLoad)
}

func (q Queue) validate() error {
	if !(q.ArrivalRate > 0) || math.IsInf(q.ArrivalRate, 0) {
		return badInput("rps", q.ArrivalRate, "a number greater than 0")
	}
	if !(q.ServiceTime > 0) || math.IsInf(q.ServiceTime, 0) {
		return badInput("service_time", q.ServiceTime, "greater than 0")
	}
	if isInf(q.ArrivalRate * q.ServiceTime) {
		return badInput("rps", q.ArrivalRate, "small enough that the offered load (rate × service time) is finite")
	}
	return nil
}

// Solve computes the figures of q; it returns ErrSaturated when λS ≥ c.
func (q Queue) Solve() (QueueMetrics, error) {
	if err := q.validate(); err != nil {
		return QueueMetrics{}, err
	}
	if q.Servers < 1 {
		return QueueMetrics{}, badInput("servers", float64(q.Servers), "at least 1")
	}
	a := q.ArrivalRate * q.ServiceTime
	c, err := ErlangC(q.Servers, a)
	if err != nil {
		return QueueMetrics{}, err
	}
	return q.metrics(q.Servers, c), nil
}

// metrics fills in the figures of q with c servers whose Erlang C is cw.
func (q Queue) metrics(c int, cw float64) QueueMetrics {
	a := q.ArrivalRate * q.ServiceTime
	m := QueueMetrics{Queue: Queue{ArrivalRate: q.ArrivalRate, ServiceTime: q.ServiceTime, Servers: c},
		OfferedLoad: a, Utilization: a / float64(c), WaitProbability: cw}
	m.MeanWait = cw * q.ServiceTime / (float64(c) - a)
	m.MeanResponse = m.MeanWait + q.ServiceTime
	m.MeanQueueLength = q.ArrivalRate * m.MeanWait
	m.MeanInSystem = q.ArrivalRate * m.MeanResponse
	return m
}

// ServersForMeanWait is the smallest c whose mean wait Wq is at most maxWait (in the unit of
// the service time), with the figures at that c. maxWait 0 asks for no wait at all, which
// no finite c gives, and is an error.
func (q Queue) ServersForMeanWait(maxWait float64) (QueueMetrics, error) {
	if !(maxWait > 0) {
		return QueueMetrics{}, badInput("max_wait", maxWait, "greater than 0")
	}
	return q.smallest(func(m QueueMetrics) bool { return m.MeanWait <= maxWait })
}

// ServersForWaitProbability is the smallest c with P(wait) ≤ maxP, with its figures.
func (q Queue) ServersForWaitProbability(maxP float64) (QueueMetrics, error) {
	if !(maxP > 0 && maxP <= 1) {
		return QueueMetrics{}, badInput("max_wait_probability", maxP, "in (0, 1], e.g. 0.05 or 5%")
	}
	return q.smallest(func(m QueueMetrics) bool { return m.WaitProbability <= maxP })
}

// SolveFor answers the question a target asks: with maxWait > 0 the smallest c whose mean wait
// is at most maxWait (ServersForMeanWait), else with maxWaitP > 0 the smallest c with P(wait) ≤
// maxWaitP (ServersForWaitProbability), else q at its own Servers (Solve).
func (q Queue) SolveFor(maxWait, maxWaitP float64) (QueueMetrics, error) {
	switch {
	case maxWait > 0:
		return q.ServersForMeanWait(maxWait)
	case maxWaitP > 0:
		return q.ServersForWaitProbability(maxWaitP)
	}
	return q.Solve()
}

// smallest walks c up from the least stable count, ⌊A⌋ + 1, carrying the Erlang B recursion
// along, until ok holds. Wq and P(wait) fall as c grows, so the first c that passes is the
// smallest.
func (q Queue) smallest(ok func(QueueMetrics) bool) (QueueMetrics, error) {
	if err := q.validate(); err != nil {
		return QueueMetrics{}, err
	}
	a := q.ArrivalRate * q.ServiceTime
	start := int(math.Floor(a)) + 1
	if start > MaxQueueServers {
		return QueueMetrics{}, fmt.Errorf("%w: offered load A = λS = %g erlangs", ErrTooManyServers, a)
	}
	b := ErlangB(start-1, a)
	for c := start; c <= MaxQueueServers; c++ {
		b = a * b / (float64(c) + a*b)
		cw := float64(c) * b / (float64(c) - a*(1-b))
		if m := q.metrics(c, cw); ok(m) {
			return m, nil
		}
	}
	return QueueMetrics{}, fmt.Errorf("%w to meet the target at offered load A = λS = %g erlangs", ErrTooManyServers, a)
}
