package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/loadtestdev/loadtest/engine"
	"github.com/loadtestdev/loadtest/internal/target"
	"github.com/loadtestdev/loadtest/reports"
	"github.com/loadtestdev/loadtest/results"
	"github.com/loadtestdev/loadtest/runner"
	"github.com/loadtestdev/loadtest/scenarios"
)

// Defaults of `loadtest run` where neither the scenario nor a flag says.
const (
	defaultRunDuration = 10 * time.Second
	// serverStopTimeout bounds the wait for the bundled server to exit after SIGTERM.
	serverStopTimeout = 10 * time.Second
)

// runOptions are the flags and arguments of `loadtest run`.
type runOptions struct {
	Out, ErrOut io.Writer
	ErrTTY      bool

	scenarioFlags
	metricsFlags

	OutFile string
	Quiet   bool
	// SampleInterval is how often both sides' host metrics are sampled (collector).
	SampleInterval time.Duration
	// ServerStats polls the target's GET /stats for the server side (--server-stats).
	ServerStats bool
	// Thresholds are the --threshold expressions; NoThresholds drops the scenario's and the
	// default ones.
	Thresholds   []string
	NoThresholds bool
	AbortOnFail  bool
	// Reports are the --report FORMAT=FILE specs, written after the run.
	Reports []string
	// ShardSpec is --shard I/N, bound into scenarioFlags.Shard by validate.
	ShardSpec string
	// cluster are the flags of a coordinated run (run_cluster.go).
	cluster clusterFlags
	// debug are --debug and --debug-requests (run_debug.go).
	debug debugFlags
}

// scenarioFlags are the flags run and probe share: the scenario to load and the engine
// settings that override it. loadRunScenario and engineOptions take them.
type scenarioFlags struct {
	Scenario      string // built-in name or file; empty with VegetaTargets
	VegetaTargets string
	Rate          string
	Connections   int
	Duration      time.Duration
	Target        string
	Timeout       time.Duration
	Seed          int64
	Secret        string
	HTTP2         bool
	// TLS are the TLS flags (run_tls.go)
	TLS tlsFlags
	// FollowRedirects is --follow-redirects: the redirects each request follows, replacing
	// the scenario's follow_redirects (a request's or step's own still wins)
	FollowRedirects int
	// MaxResponseBody is --max-response-body: how much of a response body a flow step's
	// checks and extractions read, replacing the scenario's max_response_body
	MaxResponseBody string
	// Hosts are the --host NAME=URL flags: each replaces the URL of a host the scenario
	// names under hosts:
	Hosts []string
	// Shard is the part of a sharded run to send (run --shard; zero: the whole run).
	Shard engine.Shard

	// set tells which flags were given, so that only those override the scenario
	set map[string]bool
}

func newRunCmd(ios *IOStreams) *cobra.Command { return newCmdRun(ios, nil) }

// newCmdRun is `loadtest run`; runF, when not nil, is called with the bound and validated
// options instead of runRun (tests of the flag binding send no load).
func newCmdRun(ios *IOStreams, runF func(context.Context, *runOptions) error) *cobra.Command {
	opts := &runOptions{}
	cmd := &cobra.Command{
		Use:   "run SCENARIO|FILE.yaml",
		Short: "Load a service with a scenario and print the result",
		Long: `Run a scenario: a built-in one (echo, cache, db, swiper; see "loadtest scenarios list")
or a scenario file. Flags override the scenario. With no --target (in the flags or the file)
the bundled reference server is started as a child process on 127.0.0.1, loaded, and stopped.

Latency is measured from each request's intended send time (corrected for coordinated
omission); service_time as vegeta measures it, from when a worker sent it. Ctrl-C stops the
run, waits briefly for requests in flight, and still prints and writes what was measured
(exit code 130).

Thresholds (see "Thresholds" in the README) come from --threshold (repeatable) and the
scenario's thresholds: list (the built-ins have loose ones). A scenario with none, given no
--threshold, gets the default ones, errors<1% (flows: also checks>99%), shown as "default";
--no-thresholds drops the scenario's and the defaults. They are parsed and checked before any load is sent, evaluated at the end, shown
in the summary, recorded in the result file and written to the reports. With --abort-on-fail
they are also checked every second, and the run stops as soon as one can no longer pass.
--report FORMAT=FILE (repeatable) writes reports of the run, as "loadtest report" would.
--metrics-listen ADDR serves live Prometheus metrics at http://ADDR/metrics while the run
lasts and for --metrics-linger after it (docs/metrics.md).
With --shard I/N and --coordinate ADDR (shard 0) or --coordinator HOST:PORT (the others), the
run is one shard of a coordinated run, started, merged and gated as one (see "loadtest cluster").
--debug sends one iteration of a flow scenario (a request scenario: one request per name, or
--debug-requests N) one request at a time, at no rate, and prints every request, response,
check and extracted value on stderr, secret headers redacted (--debug=full shows them); it
exits 0 when every request and check passed, 99 when one failed.

Exit codes: 0 every threshold passed; 99 one or more breached (or the run was stopped by
--abort-on-fail), even when every request failed; 1 the run failed (it could not start, or
there was no threshold at all, with --no-thresholds, and no request succeeded); 2 bad input;
130 interrupted (the thresholds are still evaluated, printed and written, but 130 wins).`,
		Example: `  loadtest run echo
  loadtest run swiper --rate 500/s --duration 30s --out result.json
  loadtest run echo --rate 0 --connections 64 --duration 5s
  loadtest run ./my.yaml --target http://127.0.0.1:9000
  loadtest run ./my.yaml --target https://staging.internal --ca-cert internal-ca.pem
  loadtest run --vegeta-targets targets.txt --target http://127.0.0.1:9000 --rate 100/s
  loadtest run ./journey.yaml --target http://127.0.0.1:9000 --host auth=http://127.0.0.1:9090
  loadtest run echo --duration 5s --threshold "p99<100ms" --threshold "max<1s" --report junit=junit.xml
  loadtest run swiper --no-thresholds --threshold "profile.p99<250ms" --abort-on-fail --report md=report.md --report html=report.html
  loadtest run swiper --shard 1/3 --seed 7 --out shard-1.json
  loadtest run swiper --duration 1m --metrics-listen 127.0.0.1:9464 --metrics-linger 30s
  loadtest run echo --debug
  loadtest run ./my.yaml --debug=full --target http://127.0.0.1:9000`,
		Args: cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Out, opts.ErrOut, opts.ErrTTY = ios.Out, ios.ErrOut, ios.ErrTTY
			if len(args) == 1 {
				opts.Scenario = args[0]
			}
			opts.set = map[string]bool{}
			for _, name := range append([]string{"rate", "connections", "duration", "target", "timeout", "seed", "http2", "follow-redirects", "max-response-body"}, tlsFlagNames...) {
				opts.set[name] = cmd.Flags().Changed(name)
			}
			if err := opts.validate(); err != nil {
				return usageError(err)
			}
			if err := opts.cluster.bind(opts.Shard); err != nil {
				return usageError(err)
			}
			if runF != nil {
				return runF(cmd.Context(), opts)
			}
			return runRun(cmd.Context(), opts)
		},
	}
	f := cmd.Flags()
	f.StringVar(&opts.Rate, "rate", "", "request rate, e.g. 2000/s, 30/m; 0 = as fast as --connections workers can (overrides the scenario's rate and stages)")
	f.IntVarP(&opts.Connections, "connections", "c", 0, fmt.Sprintf("workers, hence the most requests in flight and connections open (default %d)", engine.DefaultConnections))
	f.DurationVarP(&opts.Duration, "duration", "d", 0, fmt.Sprintf("how long to send (default the scenario's, else %s)", defaultRunDuration))
	f.StringVar(&opts.Target, "target", "", "base URL to load, e.g. http://127.0.0.1:9000 (default the scenario's, else the bundled server)")
	f.DurationVar(&opts.Timeout, "timeout", 0, fmt.Sprintf("timeout of each request (default the scenario's, else %s)", engine.DefaultTimeout))
	f.Int64Var(&opts.Seed, "seed", 0, "seed of the weighted choice and random templates (default random, recorded in the result)")
	f.StringVar(&opts.Secret, "secret", "", "token secret of the target server, for token(uid) in templates")
	f.StringVarP(&opts.OutFile, "out", "o", "", "write the result file (JSON, schema "+results.Schema+") here")
	f.BoolVarP(&opts.Quiet, "quiet", "q", false, "no live progress on stderr")
	f.BoolVar(&opts.HTTP2, "http2", false, "use HTTP/2 (h2 over TLS, h2c over plain http)")
	opts.TLS.bind(f)
	f.IntVar(&opts.FollowRedirects, "follow-redirects", 0, fmt.Sprintf("redirects each request follows, each hop counted as a request of its own, 0 to %d (default the scenario's follow_redirects, else 0: a 3xx is the answer)", scenarios.MaxRedirects))
	f.StringVar(&opts.MaxResponseBody, "max-response-body", "", fmt.Sprintf("how much of a response body a flow step's checks and extractions read, e.g. 16MiB, %s to %s (default the scenario's max_response_body, else %s); a longer body is cut there and a check that misses says so",
		scenarios.FormatSize(scenarios.MinMaxResponseBody), scenarios.FormatSize(scenarios.MaxMaxResponseBody), scenarios.FormatSize(scenarios.DefaultMaxResponseBody)))
	f.StringArrayVar(&opts.Hosts, "host", nil, "NAME=URL: send the requests of the scenario's host NAME (hosts: in the file, {{ hosts.NAME }} in paths) to URL instead, e.g. auth=http://127.0.0.1:9090 (repeatable)")
	f.DurationVar(&opts.SampleInterval, "sample-interval", time.Second, "how often to sample load average, CPU and memory of the generator and the server")
	f.BoolVar(&opts.ServerStats, "server-stats", true, "sample the server side from the target's GET /stats (one request to see whether it serves a loadtest snapshot, then one per --sample-interval); false: never request it")
	f.StringVar(&opts.VegetaTargets, "vegeta-targets", "", "send the requests of a vegeta http targets file instead of a scenario's")
	f.StringArrayVar(&opts.Thresholds, "threshold", nil, `pass/fail bound such as "p99<200ms" or "errors<0.1%", added to the scenario's, or replacing the default ones (repeatable; exit code 99 when breached)`)
	f.BoolVar(&opts.NoThresholds, "no-thresholds", false, "ignore the scenario's thresholds and the default ones (errors<1%, flows also checks>99%); --threshold flags still apply")
	f.BoolVar(&opts.AbortOnFail, "abort-on-fail", false, "check the thresholds every second and stop as soon as one can no longer pass")
	f.StringVar(&opts.ShardSpec, "shard", "", "send shard I (0-based) of N of the run, e.g. 1/3: the whole run's hits n with n mod N = I, at their times; needs --seed (docs/sharding.md)")
	opts.metricsFlags.bind(f)
	f.StringArrayVar(&opts.Reports, "report", nil, "write a report of the run, FORMAT=FILE with FORMAT one of "+strings.Join(reports.Formats, ", ")+" (png: a directory; repeatable)")
	addClusterFlags(cmd, &opts.cluster)
	opts.debug.bind(f)
	return cmd
}

// validate checks the flags on their own; the scenario is checked when it is loaded.
func (o *runOptions) validate() error {
	switch {
	case o.Scenario == "" && o.VegetaTargets == "":
		return errors.New("run: name a scenario (echo, cache, db, swiper or a FILE.yaml) or give --vegeta-targets FILE")
	case o.Scenario != "" && o.VegetaTargets != "":
		return errors.New("run: give a scenario or --vegeta-targets, not both")
	}
	if o.set["rate"] {
		if _, err := scenarios.ParseRate(o.Rate); err != nil {
			return fmt.Errorf("--rate: %w", err)
		}
	}
	if o.set["connections"] && (o.Connections < 1 || o.Connections > engine.MaxConnections) {
		return fmt.Errorf("--connections: %d is not allowed, want 1 to %d", o.Connections, engine.MaxConnections)
	}
	if o.set["follow-redirects"] && (o.FollowRedirects < 0 || o.FollowRedirects > scenarios.MaxRedirects) {
		return fmt.Errorf("--follow-redirects: %d is not allowed, want 0 (a 3xx is the answer) to %d", o.FollowRedirects, scenarios.MaxRedirects)
	}
	if o.set["max-response-body"] {
		n, err := scenarios.ParseSize(o.MaxResponseBody)
		if err == nil {
			err = scenarios.CheckMaxResponseBody(n)
		}
		if err != nil {
			return fmt.Errorf("--max-response-body: %w", err)
		}
	}
	if err := o.checkHostFlags(); err != nil {
		return err
	}
	if o.set["duration"] && o.Duration <= 0 {
		return fmt.Errorf("--duration: %s is not allowed, want a positive duration such as 30s", o.Duration)
	}
	if o.set["timeout"] && o.Timeout <= 0 {
		return fmt.Errorf("--timeout: %s is not allowed, want a positive duration such as 5s", o.Timeout)
	}
	if o.SampleInterval <= 0 {
		return fmt.Errorf("--sample-interval: %s is not allowed, want a positive duration such as 1s", o.SampleInterval)
	}
	if o.set["target"] {
		if err := checkTarget(o.Target); err != nil {
			return fmt.Errorf("--target: %w", err)
		}
	}
	if err := o.validateShard(); err != nil {
		return err
	}
	if err := o.debug.validate(o); err != nil {
		return err
	}
	return o.metricsFlags.validate()
}

// checkTarget accepts a base URL by the rules of a scenario's target: (target.Parse).
func checkTarget(s string) error {
	_, err := target.Parse(s)
	return err
}

// runRun loads the scenario and its thresholds, starts the bundled server when there is no
// target, runs the run session and renders the result.
func runRun(ctx context.Context, o *runOptions) (err error) {
	if o.debug.Debug != "" {
		return runDebug(ctx, o)
	}
	if o.cluster.active() {
		return runCoordinated(ctx, o)
	}
	sc, err := loadRunScenario(&o.scenarioFlags)
	if err != nil {
		return usageError(err)
	}
	ths, err := loadRunThresholds(o, sc)
	if err != nil {
		return usageError(err)
	}
	specs, err := parseReportSpecs(o.Reports, o.OutFile)
	if err != nil {
		return usageError(err)
	}
	tgt, eo, err := startRun(ctx, sc, &o.scenarioFlags, o.OutFile, o.ErrOut)
	if err != nil {
		return err
	}
	defer func() { err = errors.Join(err, tgt.stop()) }()
	mx, err := startRunMetrics(&o.metricsFlags, eo, o.ErrOut)
	if err != nil {
		return err
	}
	defer func() { err = errors.Join(err, mx.stop()) }()
	prog := newProgress(o.ErrOut, o.ErrTTY && !o.Quiet)
	oc, runErr := runner.Run(ctx, runner.Options{
		Engine: eo, Thresholds: ths, AbortOnFail: o.AbortOnFail,
		Sampling:  &runner.Sampling{ServerPID: tgt.serverPID, Interval: o.SampleInterval, NoServerStats: !o.ServerStats},
		Observers: mx.observers(prog.update),
	})
	prog.done()
	if oc == nil {
		return runErr
	}
	for _, n := range oc.Notes {
		fmt.Fprintf(o.ErrOut, "note: %s\n", n)
	}
	oc.Result.Version = version()
	mx.final(oc.Result)
	return mx.lingerThenStop(ctx, finishRun(o, oc.Result, specs, oc.Verdict, runErr))
}

// finishRun writes the result file and the reports, then prints the summary (last, so that a
// closed or stuck stdout loses no file), and picks the exit code: 1 when the run failed, 130
// when interrupted, 99 when a threshold was breached (the gate's verdict), 1 when nothing
// succeeded and there were no thresholds.
func finishRun(o *runOptions, r *results.Result, specs []reports.Spec, verdict, runErr error) error {
	err := writeOut(o.OutFile, r)
	err = errors.Join(err, writeReports(specs, r, o.ErrOut))
	err = errors.Join(err, reports.Text(o.Out, r))
	switch {
	case runErr != nil:
		return errors.Join(runErr, err)
	case err != nil:
		return err
	case r.Interrupted:
		return &ExitError{Code: ExitInterrupted, Err: fmt.Errorf("interrupted after %.1fs: the result is what was measured until then%s", r.DurationS, breachedNote(r))}
	}
	if verr := gateVerdict(verdict); verr != nil {
		return verr
	}
	if len(r.Thresholds) == 0 && r.Successes == 0 {
		return &ExitError{Code: ExitFailure, Err: fmt.Errorf("no request succeeded (%s%s)", r.NoSuccess(), firstError(r))}
	}
	return nil
}

func firstError(r *results.Result) string {
	if len(r.Errors) == 0 {
		return ""
	}
	return fmt.Sprintf(", %d× %s: %s", r.Errors[0].Count, r.Errors[0].Class, r.Errors[0].Message)
}
