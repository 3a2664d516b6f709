package cli

import (
	"errors"
	"fmt"
	"io"
	"math"
	"strconv"

	"github.com/spf13/cobra"

	"github.com/loadtestdev/loadtest/capacity"
	"github.com/loadtestdev/loadtest/reports"
)

type capacityFitOptions struct {
	Out io.Writer
	In  io.Reader

	File   string   // CSV of concurrency,throughput ("-" for stdin)
	From   []string // result files of a sweep, instead of File
	At     []float64
	args   []string // At as given
	Output string
}

func newCapacityFitCmd(ios *IOStreams) *cobra.Command {
	opts := &capacityFitOptions{Out: ios.Out, In: ios.In}
	cmd := &cobra.Command{
		Use:   "fit {FILE.csv | --from RESULT.json ...} [N ...]",
		Short: "Fit the Universal Scalability Law to a concurrency sweep",
		Long: `fit fits the Universal Scalability Law X(N) = λN / (1 + σ(N−1) + κN(N−1)) to measured
(concurrency, throughput) pairs by nonlinear least squares, and prints σ (contention), κ
(coherency), λ (the throughput of one unit), the concurrency Nmax = ⌊√((1−σ)/κ)⌋ where
throughput peaks, Xmax = X(Nmax), whether contention or coherency constrains the system,
predictions at each N given, and a chart of measured against fitted throughput.

The measurements are a CSV file of concurrency,throughput rows (codahale/usl's format: an
optional header row, blank lines and # comments skipped; "-" reads standard input), or the
result files of a closed-model sweep with --from (concurrency = the run's connections,
throughput = its successful req/s). At least 6 measurements are needed.`,
		Example: `  # concurrency,throughput pairs (codahale/usl's CSV) on stdin, predicting N = 16
  printf '1,955.16\n2,1878.91\n3,2688.01\n4,3548.68\n5,4315.54\n6,5130.43\n7,5931.37\n8,6531.08\n' | capacity fit - 16

  # a sweep of max-rate runs at 1..32 connections, then the fit of their throughputs
  for c in 1 2 4 8 16 32; do loadtest run echo --rate 0 --connections $c --duration 3s --no-thresholds --quiet --out c$c.json; done
  capacity fit --from c1.json --from c2.json --from c4.json --from c8.json --from c16.json --from c32.json 64`,
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := capCheckOutput(opts.Output); err != nil {
				return err
			}
			if len(opts.From) == 0 {
				if len(args) == 0 {
					return usageError(errors.New("fit needs a CSV file of concurrency,throughput rows, or --from result files"))
				}
				opts.File, args = args[0], args[1:]
			}
			for _, a := range args {
				n, err := strconv.ParseFloat(a, 64)
				if err != nil || !(n >= 1) || math.IsInf(n, 0) {
					return usageError(fmt.Errorf("N %q: must be a concurrency of 1 or more", a))
				}
				opts.At, opts.args = append(opts.At, n), append(opts.args, a)
			}
			return runCapacityFit(opts)
		},
	}
	cmd.Flags().StringArrayVar(&opts.From, "from", nil, "loadtest result file of one step of a concurrency sweep (repeat for each)")
	cmd.Flags().StringVarP(&opts.Output, "output", "o", capOutText, "output format: text, json or md")
	return cmd
}

func runCapacityFit(opts *capacityFitOptions) error {
	points, source, err := reports.USLPoints(opts.File, opts.From, opts.In)
	if err != nil {
		return usageError(err)
	}
	fit, err := capacity.FitUSL(points)
	if err != nil {
		return usageError(fmt.Errorf("%s: %w", source, err))
	}
	for i, n := range opts.At {
		if _, _, err := fit.Predict(n); err != nil {
			return usageError(fmt.Errorf("N %s: %w", opts.args[i], err))
		}
	}
	return reports.WriteUSLFit(opts.Out, opts.Output, reports.USLFitReport{Source: source, Fit: fit, At: opts.At})
}
