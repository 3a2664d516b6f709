package cli

import (
	"context"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/loadtestdev/loadtest/cluster"
	"github.com/loadtestdev/loadtest/engine"
	"github.com/loadtestdev/loadtest/reports"
	"github.com/loadtestdev/loadtest/results"
	"github.com/loadtestdev/loadtest/runner"
	"github.com/loadtestdev/loadtest/scenarios"
)

// runOptions are the flags and arguments of `loadtest run`: the run's settings (checked by
// runner.Settings.Validate) and its files.
type runOptions struct {
	Out, ErrOut io.Writer
	ErrTTY      bool

	runner.Settings

	OutFile string
	Quiet   bool
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
			opts.Set = changed(cmd.Flags(), append([]string{"rate", "connections", "duration", "target", "timeout", "seed", "http2", "follow-redirects", "max-response-body"}, runner.TLSOverrideNames...)...)
			if err := opts.Validate(); err != nil {
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
	f.DurationVarP(&opts.Duration, "duration", "d", 0, fmt.Sprintf("how long to send (default the scenario's, else %s)", runner.DefaultDuration))
	f.StringVar(&opts.Target, "target", "", "base URL to load, e.g. http://127.0.0.1:9000 (default the scenario's, else the bundled server)")
	f.DurationVar(&opts.Timeout, "timeout", 0, fmt.Sprintf("timeout of each request (default the scenario's, else %s)", engine.DefaultTimeout))
	f.Int64Var(&opts.Seed, "seed", 0, "seed of the weighted choice and random templates (default random, recorded in the result)")
	f.StringVar(&opts.Secret, "secret", "", "token secret of the target server, for token(uid) in templates")
	f.StringVarP(&opts.OutFile, "out", "o", "", "write the result file (JSON, schema "+results.Schema+") here")
	f.BoolVarP(&opts.Quiet, "quiet", "q", false, "no live progress on stderr")
	f.BoolVar(&opts.HTTP2, "http2", false, "use HTTP/2 (h2 over TLS, h2c over plain http)")
	bindTLS(f, &opts.TLS)
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
	f.StringVar(&opts.Metrics.Listen, "metrics-listen", "", "serve live Prometheus metrics at http://ADDR/metrics while the run lasts, e.g. 127.0.0.1:9464 (docs/metrics.md)")
	f.DurationVar(&opts.Metrics.Linger, "metrics-linger", runner.DefaultMetricsLinger, "with --metrics-listen, keep serving the final figures this long after the run (Ctrl-C ends it)")
	f.StringArrayVar(&opts.Reports, "report", nil, "write a report of the run, FORMAT=FILE with FORMAT one of "+strings.Join(reports.Formats, ", ")+" (png: a directory; repeatable)")
	f.StringVar(&opts.Cluster.Coordinate, "coordinate", "", "be the coordinator of a sharded run, listening on ADDR (e.g. 0.0.0.0:7700); with --shard 0/N")
	f.StringVar(&opts.Cluster.Coordinator, "coordinator", "", "join the coordinator of a sharded run at HOST:PORT; with --shard I/N")
	f.StringVar(&opts.Cluster.Token, "cluster-token", "", "the token every shard of a coordinated run presents (default $"+runner.EnvClusterToken+")")
	f.DurationVar(&opts.Cluster.JoinTimeout, "join-timeout", cluster.DefaultJoinTimeout, "how long the coordinator waits for every shard to join (and a shard for the coordinator)")
	f.StringVar(&opts.Cluster.KeepOut, "shard-keep-out", "", "write this shard's own result to FILE when the coordinator could not merge it (cluster local sets it)")
	_ = f.MarkHidden("shard-keep-out")
	f.StringVar(&opts.Debug, "debug", "", `send one iteration of a flow scenario (or --debug-requests requests) one at a time, and print each request, response, check and extracted value on stderr; secret headers are redacted, --debug=full shows them (exit code 0 when all passed, 99 otherwise)`)
	f.Lookup("debug").NoOptDefVal = runner.DebugRedacted
	f.IntVar(&opts.DebugRequests, "debug-requests", 0, "with --debug and a request scenario: how many requests to send, 1 to 1000, cycling through the requests in file order (default one per request; a flow scenario sends one iteration)")
	return cmd
}

// changed tells which of the named flags were given.
func changed(f *pflag.FlagSet, names ...string) map[string]bool {
	set := map[string]bool{}
	for _, name := range names {
		set[name] = f.Changed(name)
	}
	return set
}

// bindTLS binds the TLS flags of run and probe; each one given replaces the scenario's tls
// field of the same name.
func bindTLS(f *pflag.FlagSet, t *runner.TLSOverrides) {
	f.BoolVar(&t.Insecure, "insecure", false, "do not verify https servers' certificates (a self-signed staging host); the scenario's tls.insecure")
	f.StringVar(&t.CACert, "ca-cert", "", "PEM bundle of CA certificates to trust besides the system's (an internal CA); the scenario's tls.ca_cert")
	f.StringVar(&t.ClientCert, "client-cert", "", "PEM client certificate presented to servers that ask for one (mTLS), with --client-key")
	f.StringVar(&t.ClientKey, "client-key", "", "PEM private key of --client-cert")
	f.StringVar(&t.ServerName, "server-name", "", "server name sent in SNI and verified in the certificate, instead of the URL's host")
}

// runRun loads the scenario, its thresholds and the reports to write (bad input before any
// load is sent), runs the run (runner.Run) and writes and renders what it measured.
func runRun(ctx context.Context, o *runOptions) error {
	sc, err := runner.LoadScenario(&o.ScenarioOptions)
	if err != nil {
		return usageError(err)
	}
	ro := runner.Options{Scenario: sc, Source: &o.ScenarioOptions, SampleInterval: o.SampleInterval, NoServerStats: !o.ServerStats,
		AbortOnFail: o.AbortOnFail, Metrics: o.Metrics, Cluster: o.Cluster, ErrOut: o.ErrOut, Version: version()}
	if o.Debug != "" {
		trace := reports.DebugTrace(o.ErrOut, o.Debug == runner.DebugFull)
		ro.Debug = &runner.Debug{Trace: trace, Requests: o.DebugRequests}
		ro.Report = func(oc *runner.Outcome, runErr error) error { return finishDebug(o, oc.Result, trace.Err(), runErr) }
	} else {
		if ro.Thresholds, err = runner.LoadThresholds(sc, o.Thresholds, o.NoThresholds, o.AbortOnFail); err != nil {
			return usageError(err)
		}
		specs, err := reports.ParseSpecs(o.Reports, o.OutFile)
		if err != nil {
			return usageError(err)
		}
		ro.Progress = reports.NewStatusLine(o.ErrOut, o.ErrTTY && !o.Quiet)
		if !o.ErrTTY && !o.Quiet {
			ro.ProgressLog = o.ErrOut // a coordinator's progress lines where no status line is drawn
		}
		ro.Report = func(oc *runner.Outcome, runErr error) error { return finishRun(o, oc, specs, runErr) }
	}
	if err := checkOut(o.OutFile); err != nil {
		return err
	}
	_, err = runner.Run(ctx, ro)
	return runError(err)
}
