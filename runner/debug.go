package runner

import (
	"context"
	"errors"

	"github.com/loadtestdev/loadtest/engine"
	"github.com/loadtestdev/loadtest/scenarios"
)

// MaxDebugRequests bounds Debug.Requests: a trace longer than that is a load test.
const MaxDebugRequests = 1000

// Debug makes a run a single traced one: one iteration of a flow scenario (a request
// scenario: Requests requests, default one per request name, in file order), one request at a
// time, at no rate, every request, response, check and extracted value told to Trace.
type Debug struct {
	Trace    engine.Tracer
	Requests int
}

// runDebug runs the scenario once, one request at a time and at no rate, tracing it; the
// outcome has no thresholds: the caller judges the iteration from its result.
func runDebug(ctx context.Context, o Options) (err error) {
	if o.Cluster.Active() {
		return badInput(errors.New("--debug: is a single traced run: drop --coordinate/--coordinator"))
	}
	sc := o.Scenario
	if len(sc.Flows) > 0 && o.Debug.Requests > 0 {
		return badInput(errors.New("--debug-requests: a flow scenario sends one iteration under --debug; drop --debug-requests"))
	}
	inFileOrder(sc)
	tgt, eo, err := prepare(ctx, sc, o.Source, o.Exe, o.userAgent())
	if err != nil {
		return err
	}
	defer func() { err = errors.Join(err, tgt.Stop()) }()
	debugOptions(&eo, o.Debug.Requests, o.Debug.Trace)
	res, runErr := engine.Run(ctx, eo)
	if res == nil {
		return runErr
	}
	res.Version = o.Version
	return o.report(&Outcome{Result: res}, runErr)
}

// inFileOrder makes a request scenario send its requests one of each in file order, whatever
// their weights and order: a debug run's first requests are then one per name.
func inFileOrder(sc *scenarios.Scenario) {
	sc.Order = scenarios.OrderSequential
	for i := range sc.Requests {
		sc.Requests[i].Weight = 1
	}
}

// debugOptions makes eo a debug run: one connection or session, no rate, no duration, one
// iteration of a flow scenario or n requests (default one per request name), traced.
func debugOptions(eo *engine.Options, n int, trace engine.Tracer) {
	eo.RatePerSec, eo.Stages, eo.Duration = 0, nil, 0
	eo.Connections, eo.MaxSessions = 1, 1
	eo.TuneProcess = false
	eo.Trace = trace
	switch {
	case eo.FlowPlan != nil:
		eo.MaxRequests = 1
	case n > 0:
		eo.MaxRequests = uint64(n)
	default:
		eo.MaxRequests = uint64(max(len(eo.Targeter.Names()), 1))
	}
}
