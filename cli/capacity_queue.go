package cli

import (
	"errors"
	"fmt"
	"io"
	"strconv"

	"github.com/spf13/cobra"

	"github.com/loadtestdev/loadtest/capacity"
	"github.com/loadtestdev/loadtest/reports"
)

type capacityQueueOptions struct {
	Out io.Writer
	capacity.QueueFlags
	Output string
}

func newCapacityQueueCmd(ios *IOStreams) *cobra.Command {
	opts := &capacityQueueOptions{Out: ios.Out}
	cmd := &cobra.Command{
		Use:   "queue --rps R --service-time S {--servers C | --max-wait W | --max-wait-probability P}",
		Short: "Solve an M/M/c queue (Erlang C): waits, response time and the servers a target needs",
		Long: `queue models R arrivals per second served by C identical servers (or workers, or
connections) that each take S on average, as an M/M/c queue: Poisson arrivals, exponential
service (Erlang C, computed through the numerically stable Erlang B recursion). It prints
the offered load A = R × S in erlangs, the utilisation ρ = A / C, the probability that a
request waits, the mean wait Wq, the response time R = Wq + S, the 90th and 99th percentile
waits and the mean queue length.

With --servers it solves that queue, and fails when ρ ≥ 1 (the queue would grow without
bound). With --max-wait (a mean wait) or --max-wait-probability it prints the smallest
server count that meets the target, and the figures at that count.`,
		Example: `  capacity queue --rps 350 --service-time 10ms --servers 4
  capacity queue --rps 1850 --service-time 50ms --max-wait 2ms
  capacity queue --rps 1850 --service-time 50ms --max-wait-probability 5% --output json`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := capCheckOutput(opts.Output); err != nil {
				return err
			}
			opts.Given = cmd.Flags().Changed
			if err := opts.Check(); err != nil {
				return usageError(err)
			}
			return runCapacityQueue(cmd, opts)
		},
	}
	fs := cmd.Flags()
	fs.Float64Var(&opts.RPS, "rps", 0, "arrivals per second (required)")
	fs.DurationVar(&opts.ServiceTime, "service-time", 0, "mean service time of one request, e.g. 1.25ms (required)")
	fs.IntVar(&opts.Servers, "servers", 0, "number of servers (or workers) to solve the queue for")
	fs.DurationVar(&opts.MaxWait, "max-wait", 0, "find the fewest servers whose mean wait is at most this")
	capRatioVar(fs, &opts.MaxWaitP, "max-wait-probability", 0, "find the fewest servers with at most this share of requests waiting, e.g. 5%")
	fs.StringVarP(&opts.Output, "output", "o", capOutText, "output format: text, json or md")
	return cmd
}

func runCapacityQueue(cmd *cobra.Command, opts *capacityQueueOptions) error {
	q := capacity.Queue{ArrivalRate: opts.RPS, ServiceTime: opts.ServiceTime.Seconds(), Servers: opts.Servers}
	m, err := q.SolveFor(opts.MaxWait.Seconds(), opts.MaxWaitP)
	if errors.Is(err, capacity.ErrSaturated) {
		return usageError(fmt.Errorf("--servers %d: %w", opts.Servers, err))
	}
	if errors.Is(err, capacity.ErrTooManyServers) {
		return usageError(fmt.Errorf("--rps %s with --service-time %s: %w; give a lower rate or a shorter service time",
			strconv.FormatFloat(opts.RPS, 'g', -1, 64), opts.ServiceTime, err))
	}
	if err != nil {
		return capInputError(cmd, err)
	}
	return reports.WriteQueue(opts.Out, opts.Output, reports.QueueReport{Metrics: m, MaxWait: opts.MaxWait, MaxWaitProbability: opts.MaxWaitP})
}
