// Package engine runs a load test: it paces hits with its own attacker (vegeta's pacers,
// targets and results, without vegeta's hand-offs between goroutines: attack.go), measures
// each one's latency from its intended send time (corrected for coordinated omission) and its
// service time, and streams everything into HdrHistograms, counters and a per-second
// timeline, so that memory stays flat however many requests a run makes. Its product is a
// results.Result.
package engine

import (
	"crypto/tls"
	"errors"
	"fmt"
	"time"

	"github.com/loadtestdev/loadtest/scenarios"
	vegeta "github.com/tsenart/vegeta/v12/lib"
)

// Defaults of Options.
const (
	DefaultConnections = 50
	DefaultTimeout     = 30 * time.Second
	// DefaultGrace bounds the wait for in-flight requests after the run is stopped early or
	// its duration is over.
	DefaultGrace = 5 * time.Second
	// MaxConnections is the most workers (hence connections) a run may have: the scenario
	// parser's bound (scenarios.MaxConnections, which owns it: the engine runs what scenarios
	// compiled, not the other way round). Workers start on demand, so a high cap costs nothing
	// until the run needs it.
	MaxConnections = scenarios.MaxConnections
	// initialWorkers is how many workers a run starts with; the attacker starts more, up to
	// Connections, whenever every worker is busy when a hit is due.
	initialWorkers = 10
)

// Targeter is the source of hits (a *scenarios.Plan implements it). Names lists the request
// names; Next fills the next hit and returns the index of its name. Next is called from many
// goroutines at once. An error from Next is a hit that could not be built: it counts as a
// failed request of class build under that name, and the run goes on (vegeta.ErrNoTargets
// alone ends the attack). A Targeter whose requests may follow redirects also implements
// RedirectTargeter.
type Targeter interface {
	Names() []string
	Next(tgt *vegeta.Target) (int, error)
}

// Options describe one run.
type Options struct {
	Targeter Targeter
	// FlowPlan, instead of Targeter, runs a scenario's flows: the pacer gives the iterations'
	// start times (MaxRequests then bounds the iterations started) and at most MaxSessions
	// (default scenarios.DefaultMaxSessions) run at once; see flows_run.go.
	FlowPlan    *scenarios.FlowPlan
	MaxSessions int
	// Scenario and Target are recorded in the result.
	Scenario string
	Target   string

	// RatePerSec is the constant rate in requests per second; 0 sends as fast as Connections
	// workers can. Stages, when given, ramp the rate instead and set the duration.
	RatePerSec float64
	Stages     []Stage
	// Duration of the run; with Stages it can only shorten them. 0 runs until ctx is done
	// or MaxRequests were sent.
	Duration time.Duration
	// MaxRequests stops sending after this many hits (0: no limit).
	MaxRequests uint64
	// Timeout of each request, connecting included (default DefaultTimeout).
	Timeout time.Duration
	// Connections is the number of workers, hence the most requests in flight and the most
	// connections open at once (default DefaultConnections).
	Connections int
	HTTP2       bool
	// TLS verifies https servers and presents a client certificate (see TLSOptions); its
	// files are read once, when the run starts.
	TLS  TLSOptions
	Seed int64
	// UserAgent is the User-Agent header of every request that does not set its own (a
	// scenario header wins); empty leaves Go's default.
	UserAgent string
	// TuneProcess lets the run tune the Go runtime of the whole process while it lasts (a
	// higher GC target, and fewer processors for a paced run; see tune.go), restoring the old
	// settings when it ends. Only a command-line run should ask: the settings are the process's.
	TuneProcess bool

	// OnSecond is called about once a second, from the goroutine that aggregates results
	// (keep it quick), with the progress so far. A non-nil error stops the run: in-flight
	// requests are awaited and Run returns the result with that error.
	OnSecond func(Progress) error
	// OnEnd, when set, is called once when the run is over, on the goroutine that called Run,
	// with the final progress (Partial is nil): what observers of OnSecond need to close
	// their account, such as the peak in flight.
	OnEnd func(Progress)
	// Grace bounds the wait for in-flight requests after an early stop (default DefaultGrace).
	Grace time.Duration

	// Shard, when Count > 1, runs part Index (0-based) of a sharded run: of the whole run's
	// hits (or flow iterations) it sends global hit n when n mod Count == Index, at the instant
	// the whole run's pacer gives hit n.
	Shard Shard
	// StartAt, when set, is the instant the run's schedule starts (hit 0's intended time): Run
	// waits until then. The shards of a coordinated run share it.
	StartAt time.Time
	// Hold, when set, is asked before each hit leaves (each flow iteration starts): HoldWait
	// keeps the hit back and asks again a few milliseconds later, HoldStop sends no more (give
	// it once OnSecond has returned the stop's error, so that the run ends as stopped). A
	// coordinated shard holds its hits while it cannot be sure it is still part of the run.
	Hold func() HoldState
	// Trace, when set, receives each request, response and flow step's verdict (a debug run,
	// trace.go); nil costs nothing.
	Trace Tracer

	tlsConfig *tls.Config // from TLS, by newPlan
}

// Shard is one part of a sharded run: Index of Count (Count 0 or 1: the whole run).
type Shard struct {
	Index, Count int
}

// Progress is the live state of a run, as passed to Options.OnSecond.
type Progress struct {
	Elapsed time.Duration
	// Duration is the planned length of the run (0 when unbounded).
	Duration  time.Duration
	Requests  uint64
	Successes uint64
	Errors    uint64
	// RatePerSec is the rate of completed requests and P99MS their latency p99, both over
	// the last interval.
	RatePerSec float64
	P99MS      float64
	// Planned is how many hits the whole run is to send (Options.PlannedRequests: for a
	// shard, its share) and Sent how many have been handed to the workers so far.
	Planned, Sent uint64
	// Shard is the part of a sharded run this run is (Options.Shard), zero for a whole run.
	Shard Shard
	// InFlight is the number of requests sent and not yet answered, and PeakInFlight the
	// highest InFlight seen at a result so far (Connections when every worker was busy).
	InFlight, PeakInFlight uint64
	// Iterations started, completed, failed and dropped so far (a run of flows only).
	Iterations, IterationsCompleted, IterationsFailed, DroppedIterations uint64
	// Partial returns the copy of what had been measured at this progress's instant, taken
	// with its counters (the gate's --abort-on-fail check evaluates thresholds on it);
	// Partial.Result renders the copy, on any goroutine. Nil in the final progress (OnEnd).
	Partial func() *Partial
}

// ErrNoTargeter is returned by Run when Options.Targeter is nil or names no request.
var ErrNoTargeter = errors.New("engine: no targeter")

// plan is a validated Options with the pacer it implies.
type plan struct {
	Options
	pacer    vegeta.Pacer
	schedule Pacer // nil at max rate: latency is then the service time
	attackDu time.Duration
	planned  time.Duration
	// plannedHits is Options.PlannedRequests
	plannedHits uint64
}

func newPlan(o Options) (*plan, error) {
	if o.FlowPlan != nil {
		o.Targeter = flowNames{o.FlowPlan}
	}
	if o.Targeter == nil || len(o.Targeter.Names()) == 0 {
		return nil, ErrNoTargeter
	}
	if o.RatePerSec < 0 {
		return nil, fmt.Errorf("engine: rate %v is negative", o.RatePerSec)
	}
	if o.Duration < 0 {
		return nil, fmt.Errorf("engine: duration %s is negative", o.Duration)
	}
	if o.Timeout <= 0 {
		o.Timeout = DefaultTimeout
	}
	if o.Connections <= 0 {
		o.Connections = DefaultConnections
	}
	if o.Connections > MaxConnections {
		return nil, fmt.Errorf("engine: %w", scenarios.ConnectionsRangeError(o.Connections))
	}
	if err := o.CheckShard(); err != nil {
		return nil, err
	}
	o.Connections = o.Shard.Part(o.Connections)
	if o.Grace <= 0 {
		o.Grace = min(DefaultGrace, o.Timeout+time.Second)
	}
	tlsConfig, err := o.TLS.Config()
	if err != nil {
		return nil, fmt.Errorf("engine: tls: %w", err)
	}
	o.tlsConfig = tlsConfig
	p := &plan{Options: o, planned: o.Duration, plannedHits: o.PlannedRequests()}
	switch {
	case len(o.Stages) > 0:
		sp, err := NewStagesPacer(o.Stages)
		if err != nil {
			return nil, err
		}
		p.pacer, p.schedule, p.attackDu = sp, sp, o.Duration
		if o.Duration == 0 || o.Duration > sp.Duration() {
			p.planned, p.attackDu = sp.Duration(), 0
		} else {
			p.pacer = cutPacer{Pacer: sp, cut: o.Duration}
		}
	case o.RatePerSec > 0:
		cp := ConstantPacer{RatePerSec: o.RatePerSec, Duration: o.Duration}
		p.pacer, p.schedule = cp, cp
	default:
		p.pacer = maxPacer{duration: o.Duration}
	}
	if o.MaxRequests > 0 {
		p.pacer = limitPacer{Pacer: p.pacer, max: o.MaxRequests}
	}
	// a shard paces the whole run's schedule and sends its own stripe of it; MaxRequests and
	// the duration are the whole run's, so they limit global hit numbers
	p.pacer = stripePacer(p.pacer, o.Shard)
	if o.Hold != nil {
		p.pacer = heldPacer{p.pacer, o.Hold}
	}
	if p.schedule != nil {
		p.schedule = Stripe(p.schedule, o.Shard)
	}
	return p, nil
}
