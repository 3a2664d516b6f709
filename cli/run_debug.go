package cli

import (
	"context"
	"errors"
	"fmt"

	"github.com/spf13/pflag"

	"github.com/loadtestdev/loadtest/engine"
	"github.com/loadtestdev/loadtest/reports"
	"github.com/loadtestdev/loadtest/scenarios"
)

// Debug modes of `loadtest run --debug`.
const (
	debugRedacted = "redacted" // --debug: secret headers redacted
	debugFull     = "full"     // --debug=full: everything as sent and received
)

// debugFlags are the flags of a debug run: one iteration (a flow scenario) or a few requests
// (a request scenario), traced to stderr.
type debugFlags struct {
	Debug    string
	Requests int
}

func (d *debugFlags) bind(f *pflag.FlagSet) {
	f.StringVar(&d.Debug, "debug", "", `send one iteration of a flow scenario (or --debug-requests requests) one at a time, and print each request, response, check and extracted value on stderr; secret headers are redacted, --debug=full shows them (exit code 0 when all passed, 99 otherwise)`)
	f.Lookup("debug").NoOptDefVal = debugRedacted
	f.IntVar(&d.Requests, "debug-requests", 0, "with --debug and a request scenario: how many requests to send, 1 to 1000, cycling through the requests in file order (default one per request; a flow scenario sends one iteration)")
}

// validate checks the debug flags on their own and against the flags a debug run ignores.
func (d *debugFlags) validate(o *runOptions) error {
	if d.Debug == "" {
		if d.Requests != 0 {
			return errors.New("--debug-requests: needs --debug")
		}
		return nil
	}
	if d.Debug != debugRedacted && d.Debug != debugFull {
		return fmt.Errorf("--debug: %q is not allowed, want --debug (secrets redacted) or --debug=full", d.Debug)
	}
	if d.Requests < 0 || d.Requests > maxDebugRequests {
		return fmt.Errorf("--debug-requests: %d is not allowed, want 1 to %d", d.Requests, maxDebugRequests)
	}
	for _, name := range []string{"rate", "connections", "duration"} {
		if o.set[name] {
			return fmt.Errorf("--debug: sends one request at a time, without a rate: drop --%s", name)
		}
	}
	if o.ShardSpec != "" || o.AbortOnFail || len(o.Reports) > 0 || o.MetricsListen != "" {
		return errors.New("--debug: is a single traced run: drop --shard, --abort-on-fail, --report and --metrics-listen")
	}
	if len(o.Thresholds) > 0 {
		return errors.New("--debug: judges the iteration itself (exit 0 or 99), no threshold: drop --threshold")
	}
	return nil
}

// maxDebugRequests bounds --debug-requests: a trace longer than that is a load test.
const maxDebugRequests = 1000

// runDebug runs the scenario once, one request at a time and at no rate, tracing it to
// ErrOut; the summary goes to Out and the result to --out as for any run. Exit code 0 when
// every request and check passed, 99 when one failed (the verdict the default thresholds,
// errors<1% and checks>99%, give one iteration), 1 when it could not run.
func runDebug(ctx context.Context, o *runOptions) (err error) {
	if o.cluster.active() {
		return usageError(errors.New("--debug: is a single traced run: drop --coordinate/--coordinator"))
	}
	sc, err := loadRunScenario(&o.scenarioFlags)
	if err != nil {
		return usageError(err)
	}
	if len(sc.Flows) > 0 && o.debug.Requests > 0 {
		return usageError(errors.New("--debug-requests: a flow scenario sends one iteration under --debug; drop --debug-requests"))
	}
	inFileOrder(sc)
	tgt, eo, err := startRun(ctx, sc, &o.scenarioFlags, o.OutFile, o.ErrOut)
	if err != nil {
		return err
	}
	defer func() { err = errors.Join(err, tgt.stop()) }()
	trace := reports.DebugTrace(o.ErrOut, o.debug.Debug == debugFull)
	debugOptions(&eo, o.debug.Requests, trace)
	res, runErr := engine.Run(ctx, eo)
	if res == nil {
		return runErr
	}
	res.Version = version()
	err = errors.Join(writeOut(o.OutFile, res), reports.Text(o.Out, res), trace.Err())
	pass, verr := reports.DebugVerdict(o.ErrOut, res)
	switch {
	case runErr != nil || err != nil || verr != nil:
		return errors.Join(runErr, err, verr)
	case res.Interrupted:
		return &ExitError{Code: ExitInterrupted, Err: errors.New("interrupted")}
	case !pass:
		return &ExitError{Code: ExitThresholds}
	}
	return nil
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
