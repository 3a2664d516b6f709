package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/spf13/cobra"

	"github.com/loadtestdev/loadtest/engine"
	"github.com/loadtestdev/loadtest/gate"
	"github.com/loadtestdev/loadtest/reports"
	"github.com/loadtestdev/loadtest/results"
	"github.com/loadtestdev/loadtest/runner"
)

// probeOptions are the flags and arguments of `loadtest probe`: the probe's settings (checked
// by runner.ProbeSettings.Validate) and its files.
type probeOptions struct {
	Out, ErrOut io.Writer
	runner.ProbeSettings

	OutFile string
	Quiet   bool
}

func newProbeCmd(ios *IOStreams) *cobra.Command { return newCmdProbe(ios, nil) }

// newCmdProbe is `loadtest probe`; runF, when not nil, is called with the bound and validated
// options instead of runProbe (tests of the flag binding send no load).
func newCmdProbe(ios *IOStreams, runF func(context.Context, *probeOptions) error) *cobra.Command {
	opts := &probeOptions{Out: ios.Out, ErrOut: ios.ErrOut}
	cmd := &cobra.Command{
		Use:   "probe SCENARIO|FILE.yaml --slo EXPR [--slo EXPR ...]",
		Short: "Find the highest request rate a service holds within its SLOs",
		Long: `Probe what one server holds: run the scenario in constant-rate steps, doubling the rate
from --start until a step breaks an SLO (or --max is reached), then bisecting between the
last passing and the first failing rate until they are within --precision. Prints every step
and the sustainable rate: the highest rate that met every SLO. The result file (--out) is the
result of that step with a "probe" section, which "capacity plan --from" reads as the
per-server capacity.

SLOs are thresholds (see "Thresholds" in the README), from --slo or else the scenario's
thresholds. A step also fails when it achieved less than 95% of the rate asked (or sent less
than 95% of the requests it planned): the server
(or the load generator: raise --connections) could not keep up. Each step samples both hosts
as a run does; a step that failed because the load generator fell behind (its CPU, its file
descriptors or its timer, and every breach one a late generator causes) shows as
"FAIL (generator)" and does not count as the server's limit.

The output and the result file say whether the search converged (the highest passing and the
lowest failing rate within --precision) and, if not, why and what to do ("not converged:
raise --max-steps"); capacity plan --from refuses a probe that did not converge. Bounded by
--max-steps steps of --step-duration each, plus --pause between steps; Ctrl-C stops and
reports what was found (exit code 130). Exit code 99 when no step met the SLOs.`,
		Example: `  loadtest probe echo --slo "p99<100ms" --slo "errors<0.1%"
  loadtest probe swiper --slo "p99<250ms" --start 50/s --max 5000/s --step-duration 10s --out probe.json
  loadtest probe ./my.yaml --target http://127.0.0.1:9000 --slo "p99<50ms" --max-steps 8`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Scenario = args[0]
			if err := opts.Validate(); err != nil {
				return usageError(err)
			}
			opts.Duration = opts.StepDuration
			opts.Set = changed(cmd.Flags(), append([]string{"connections", "timeout"}, runner.TLSOverrideNames...)...)
			opts.Set["duration"], opts.Set["target"] = true, opts.Target != ""
			if runF != nil {
				return runF(cmd.Context(), opts)
			}
			return runProbe(cmd.Context(), opts)
		},
	}
	f := cmd.Flags()
	f.StringArrayVar(&opts.SLOs, "slo", nil, `service-level objective, a threshold such as "p99<100ms" (repeatable; default the scenario's thresholds)`)
	f.StringVar(&opts.Start, "start", "100/s", "rate of the first step")
	f.StringVar(&opts.Max, "max", "100000/s", "highest rate to try")
	f.DurationVar(&opts.StepDuration, "step-duration", 10*time.Second, "length of each step")
	f.IntVar(&opts.MaxSteps, "max-steps", 20, "most steps to run")
	f.Float64Var(&opts.PrecisionPct, "precision", gate.DefaultProbePrecision*100, "stop bisecting when the failing and passing rates are within this many percent")
	f.DurationVar(&opts.Pause, "pause", time.Second, "idle time between steps, for the server to drain its queues")
	f.StringVar(&opts.Target, "target", "", "base URL to load (default the scenario's, else the bundled server)")
	f.StringVar(&opts.Secret, "secret", "", "token secret of the target server, for token(uid) in templates")
	bindTLS(f, &opts.TLS)
	f.StringArrayVar(&opts.Hosts, "host", nil, "NAME=URL: send the requests of the scenario's host NAME to URL instead (repeatable)")
	f.IntVarP(&opts.Connections, "connections", "c", 0, fmt.Sprintf("workers, hence the most requests in flight (default the scenario's, else %d)", engine.DefaultConnections))
	f.DurationVar(&opts.Timeout, "timeout", 0, fmt.Sprintf("timeout of each request (default the scenario's, else %s)", engine.DefaultTimeout))
	f.StringVarP(&opts.OutFile, "out", "o", "", "write the result file (the sustainable step, with the probe section) here")
	f.BoolVarP(&opts.Quiet, "quiet", "q", false, "no per-step progress on stderr")
	f.DurationVar(&opts.SampleInterval, "sample-interval", time.Second, "how often to sample CPU, load and memory of the generator and the server during each step")
	return cmd
}

// runProbe loads the scenario and checks its SLOs, runs the search (runner.Probe: the bundled
// server started when there is no target) and renders what it found.
func runProbe(ctx context.Context, o *probeOptions) error {
	sc, err := runner.LoadScenario(&o.ScenarioOptions)
	if err != nil {
		return usageError(err)
	}
	slos, err := runner.ProbeSLOs(o.SLOs, sc)
	if err != nil {
		return usageError(err)
	}
	if err := checkOut(o.OutFile); err != nil {
		return err
	}
	lines := reports.ProbeLines{StepDuration: o.StepDuration}
	if !o.Quiet {
		lines.W = o.ErrOut
	}
	r, probeErr := runner.Probe(ctx, runner.ProbeOptions{
		Scenario: sc, Source: &o.ScenarioOptions, StepDuration: o.StepDuration, Pause: o.Pause, OnStepStart: lines.StepStart,
		SampleInterval: o.SampleInterval, Version: version(),
		Search: gate.ProbeOptions{SLOs: slos, Start: o.StartRate, Max: o.MaxRate, MaxSteps: o.MaxSteps,
			Precision: o.PrecisionPct / 100, OnStep: lines.StepEnd},
	})
	if r == nil {
		return runError(probeErr)
	}
	return finishProbe(o, r, probeErr)
}

// finishProbe writes the result file, then prints the steps and the answer (last, so that a
// closed stdout loses no file), and picks the exit code: 130 when interrupted, 1 when a step
// failed to run, 99 when no step met the SLOs.
func finishProbe(o *probeOptions, r *results.Result, probeErr error) error {
	err := writeOut(o.OutFile, r)
	err = errors.Join(err, reports.WriteProbe(o.Out, r.Probe))
	switch {
	case probeErr != nil:
		return errors.Join(probeErr, err)
	case err != nil:
		return err
	case r.Interrupted:
		return &ExitError{Code: ExitInterrupted, Err: fmt.Errorf("probe interrupted after %d step(s): the sustainable rate is what was found until then", len(r.Probe.Steps))}
	case r.Probe.SustainableRate == 0:
		return &ExitError{Code: ExitThresholds, Err: fmt.Errorf("no step met the SLOs, down to %g/s", r.Probe.LowestAsked())}
	}
	return nil
}
