package cli

import (
	"io"

	"github.com/spf13/cobra"

	"github.com/loadtestdev/loadtest/capacity"
	"github.com/loadtestdev/loadtest/reports"
)

type capacityPlanOptions struct {
	Out, ErrOut io.Writer

	// In is bound straight from the flags; bind drops what flags not given would add.
	In      capacity.PlanInput
	tier    capacity.TierInput
	From    string
	Explain bool
	Output  string
	// RateSource and LatencySource say where the per-server rate and the latency came from.
	RateSource    string
	LatencySource string
	// RateEvidence says why the rate --from gave is what one server holds.
	RateEvidence string
	// Warnings say why the rate --from gave is doubtful.
	Warnings []reports.CapacityWarning
}

func newCapacityPlanCmd(ios *IOStreams) *cobra.Command {
	opts := &capacityPlanOptions{Out: ios.Out, ErrOut: ios.ErrOut}
	in := &opts.In
	cmd := &cobra.Command{
		Use:   "plan --dau N [--server-rps R | --from result.json]",
		Short: "Size a fleet from daily active users and per-server throughput",
		Long: `plan turns daily active users into a peak request rate and, given what one server holds
(--server-rps, or --from a loadtest result: its probe's sustainable rate, else its throughput),
into a server count: at 100%, at the target utilisation, with N+k redundancy, and spread over
zones so that losing one zone still carries the peak.

The peak follows the 80/20 rule by default: 80% of the day's requests arrive in 20% of the
day, a peak factor of 4. --peak-factor sets the factor directly instead.

With --growth the DAU compound monthly over --horizon months (a month-by-month table). With
any of the database flags it adds the database tier, warm and with a cold cache (h = 0). With
--latency (or --from) it applies Little's law (requests in flight, per-server concurrency)
and sizes each server's worker pool as an M/M/c queue, for --max-wait or
--max-wait-probability when given. --explain prints every step as a formula. Ratios are
fractions (0.8) or percentages (80%).

--from takes the per-server rate only from a result that shows where the server saturates:
a probe that converged (its sustainable rate), or a run at the server's limit (it fell behind
its schedule with every connection busy waiting for the server and the generator's CPU to
spare, or the server's CPU was at least 90% busy), whose throughput counts. Any other run
only shows the load it offered, which the server kept up with: plan exits 2, says why and
names loadtest probe and --server-rps (with the utilization law's upper bound, throughput ÷
busy CPU share, where the server's CPU was sampled). So does a probe that did not converge
(--max-steps ran out, every step passed up to --max, or the generator was the limit). The
plan names the rate's source and the evidence of saturation. A rate from an interrupted run
is used, with a warning on stderr and in the JSON's "warnings".`,
		Example: `  capacity plan --dau 200000 --server-rps 800
  capacity plan --dau 200000 --server-rps 800 --explain
  capacity plan --dau 1000000 --server-rps 800 --zones 3 --growth 10% --horizon 12
  capacity plan --dau 200000 --server-rps 800 --cache-hit-ratio 0.9 --queries-per-request 3 --db-qps-per-server 5000
  capacity plan --dau 200000 --server-rps 800 --latency 50ms --max-wait-probability 5% --output json`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := opts.bind(cmd); err != nil {
				return err
			}
			return runCapacityPlan(opts)
		},
	}
	fs := cmd.Flags()
	fs.Float64Var(&in.Demand.DAU, "dau", 0, "daily active users (required)")
	fs.Float64Var(&in.Demand.RequestsPerUser, "requests-per-user", capacity.DefaultRequestsPerUser, "requests per user per day")
	capRatioVar(fs, &in.Demand.PeakShare, "peak-share", capacity.DefaultPeakShare, "share of the day's requests that arrive in the peak window, in (0, 1]")
	capRatioVar(fs, &in.Demand.PeakWindow, "peak-window", capacity.DefaultPeakWindow, "the peak window as a share of the day, in (0, 1]")
	fs.Float64Var(&in.Demand.PeakFactor, "peak-factor", 0, "peak / average rate (≥ 1), instead of --peak-share and --peak-window")
	fs.Float64Var(&in.ServerRPS, "server-rps", 0, "requests per second one server holds")
	fs.StringVar(&opts.From, "from", "", "loadtest result file to take the per-server rate (and the latency) from")
	capRatioVar(fs, &in.TargetUtilization, "target-utilization", capacity.DefaultTargetUtilization, "share of a server's capacity to use at the peak, in (0, 1]")
	fs.IntVar(&in.Redundancy, "redundancy", 1, "k in N+k: servers that may be down at the peak")
	fs.IntVar(&in.Zones, "zones", 0, "spread over this many zones (≥ 2) so that losing one still carries the peak")
	capRatioVar(fs, &in.GrowthRate, "growth", 0, "monthly compound DAU growth, e.g. 10% or 0.1")
	fs.IntVar(&in.HorizonMonths, "horizon", 12, "months in the growth table (with --growth)")
	capRatioVar(fs, &opts.tier.CacheHitRatio, "cache-hit-ratio", 0, "cache hit ratio h of read requests, in [0, 1]")
	fs.Float64Var(&opts.tier.QueriesPerRequest, "queries-per-request", 1, "database queries per read request that misses the cache")
	capRatioVar(fs, &opts.tier.WriteShare, "write-share", 0, "share of requests that are writes, in [0, 1]")
	fs.Float64Var(&opts.tier.QueriesPerWrite, "queries-per-write", 1, "database queries per write request")
	fs.Float64Var(&opts.tier.DBQPSPerServer, "db-qps-per-server", 0, "queries per second one database server holds")
	fs.DurationVar(&in.Latency, "latency", 0, "mean latency of a request, e.g. 50ms (default: the mean latency of --from's result)")
	fs.DurationVar(&in.MaxWait, "max-wait", 0, "size each server's worker pool for at most this mean wait for a worker")
	capRatioVar(fs, &in.MaxWaitProbability, "max-wait-probability", 0, "size each server's worker pool so that at most this share of requests wait")
	fs.BoolVar(&opts.Explain, "explain", false, "print each step as a formula with the numbers put in")
	fs.StringVarP(&opts.Output, "output", "o", capOutText, "output format: text, json or md")
	return cmd
}

// bind checks the flags against each other and completes opts.In (capacity.PlanInput.BindFlags),
// and takes the rate --from a result.
func (opts *capacityPlanOptions) bind(cmd *cobra.Command) error {
	fs := cmd.Flags()
	if err := capCheckOutput(opts.Output); err != nil {
		return err
	}
	in := &opts.In
	if err := in.BindFlags(fs.Changed, &opts.tier); err != nil {
		return capInputError(cmd, usageError(err))
	}
	if fs.Changed("server-rps") {
		opts.RateSource = "--server-rps"
	}
	if fs.Changed("latency") {
		opts.LatencySource = "--latency"
	}
	if opts.From != "" {
		if err := opts.readFrom(!fs.Changed("latency")); err != nil {
			return err
		}
	}
	if err := in.Validate(); err != nil {
		return capInputError(cmd, err)
	}
	if in.ServerRPS != 0 {
		if err := (capacity.SupplyInput{ServerRPS: in.ServerRPS, TargetUtilization: in.TargetUtilization, Redundancy: in.Redundancy, Zones: in.Zones}).Validate(); err != nil {
			return capInputError(cmd, err)
		}
	}
	return nil
}

// readFrom takes the per-server rate from a result file, only where the result shows where
// the server saturates (reports.ReadPlanFrom); any other result is bad input (exit 2) with what
// to do instead. When latency is true it also takes the mean latency.
func (opts *capacityPlanOptions) readFrom(latency bool) error {
	pf, err := reports.ReadPlanFrom(opts.From)
	if err != nil {
		return usageError(err)
	}
	opts.In.ServerRPS = pf.RPS
	opts.RateSource, opts.RateEvidence, opts.Warnings = pf.Source, pf.Saturation, pf.Warnings
	if latency && pf.Latency > 0 {
		opts.In.Latency, opts.LatencySource = pf.Latency, pf.LatencySource
	}
	return nil
}

func runCapacityPlan(opts *capacityPlanOptions) error {
	plan, err := capacity.MakePlan(opts.In)
	if err != nil {
		return usageError(err)
	}
	if err := reports.WriteCapacityWarnings(opts.ErrOut, opts.Warnings); err != nil {
		return err
	}
	return reports.WriteCapacityPlan(opts.Out, opts.Output, reports.CapacityPlan{Plan: plan, In: opts.In,
		RateSource: opts.RateSource, RateEvidence: opts.RateEvidence, LatencySource: opts.LatencySource, Explain: opts.Explain, Warnings: opts.Warnings})
}
