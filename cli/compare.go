package cli

import (
	"errors"
	"fmt"
	"io"

	"github.com/spf13/cobra"

	"github.com/loadtestdev/loadtest/gate"
	"github.com/loadtestdev/loadtest/reports"
	"github.com/loadtestdev/loadtest/results"
)

// compareOptions are the inputs of `loadtest compare`.
type compareOptions struct {
	In            io.Reader
	Out, ErrOut   io.Writer
	Baseline      string
	Current       string
	MaxRegression string
	Format        string
}

func newCompareCmd(ios *IOStreams) *cobra.Command {
	opts := &compareOptions{In: ios.In, Out: ios.Out, ErrOut: ios.ErrOut}
	cmd := &cobra.Command{
		Use:   "compare BASELINE.json CURRENT.json",
		Short: "Compare a run with a baseline and fail on regressions",
		Long: `Compare two result files metric by metric (p50, p90, p99, p99.9, max, mean, rps,
throughput, errors, requests): both values, the change, the regression bound and whether it
held. Exits 99 when a bound is broken, so a CI job fails on a performance regression.

A regression is an increase of a latency or of errors, or a decrease of rps, throughput,
success or requests. Bounds are METRIC=AMOUNT, comma-separated, with any metric of the
threshold grammar (p95, p(99.9), service_time.p99, profile.p99 ...):
  latencies          10% of the baseline, or an absolute 5ms
  errors, success    percentage points: errors=0.1% allows 0.2% → 0.3%
  rps, throughput    5% of the baseline, or an absolute 50/s
  requests           5% of the baseline, or an absolute count
Runs with flows add iteration.p50 … iteration.max, checks, iterations and dropped_iterations,
for the run and per flow (login.iteration.p99, login.checks); their steps are requests named
FLOW/STEP (login/vcode.p99=10%). Iteration durations bound like latencies, checks like success,
dropped_iterations like errors (an increase, as a count or a percentage of the baseline).
A change equal to its bound passes. --max-regression "" shows the table without gating.

Warnings (on stderr, and in the Markdown) say when the runs differ in scenario, target, rate,
connections or duration, or when one was interrupted. Results that cannot be compared at all
(another schema, a baseline without requests, a bound on a request or flow the baseline lacks) are
refused with exit code 2. Either file may be "-" for standard input.`,
		Example: `  loadtest compare baseline.json current.json
  loadtest compare baseline.json current.json --max-regression p99=10%,rps=5%,errors=0.1%
  loadtest compare baseline.json current.json --max-regression p99=20ms,errors=0.5% --format md > compare.md`,
		Args: cobra.ExactArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Baseline, opts.Current = args[0], args[1]
			if opts.Format != reports.FormatText && opts.Format != reports.FormatMarkdown {
				return usageError(fmt.Errorf("compare: --format %q: want text or md", opts.Format))
			}
			if opts.Baseline == "-" && opts.Current == "-" {
				return usageError(errors.New("compare: only one of BASELINE and CURRENT can be - (standard input)"))
			}
			bounds, err := gate.ParseBounds(opts.MaxRegression)
			if err != nil {
				return usageError(fmt.Errorf("compare: --max-regression: %w", err))
			}
			return runCompare(opts, bounds)
		},
	}
	cmd.Flags().StringVar(&opts.MaxRegression, "max-regression", gate.DefaultBounds, "largest regression allowed per metric, METRIC=AMOUNT,... (\"\" for none)")
	cmd.Flags().StringVar(&opts.Format, "format", reports.FormatText, "output format: text or md (Markdown, for a pull-request comment or $GITHUB_STEP_SUMMARY)")
	return cmd
}

func runCompare(opts *compareOptions, bounds []gate.Bound) error {
	base, cur, err := results.ReadPair(opts.Baseline, opts.Current, opts.In)
	if err != nil {
		return usageError(fmt.Errorf("compare: %w", err))
	}
	c, err := gate.Compare(base, cur, bounds)
	if errors.Is(err, gate.ErrNotComparable) {
		return usageError(fmt.Errorf("compare %s with %s: %w", opts.Baseline, opts.Current, err))
	}
	if err != nil {
		return err
	}
	for _, w := range c.Warnings {
		fmt.Fprintf(opts.ErrOut, "warning: %s\n", w)
	}
	err = reports.WriteComparison(opts.Out, c, reports.CompareOptions{Format: opts.Format, Baseline: opts.Baseline, Current: opts.Current})
	if err != nil {
		return err
	}
	if len(c.Broken()) > 0 {
		// The table and its verdict line have said what broke.
		return &ExitError{Code: ExitThresholds}
	}
	return nil
}
