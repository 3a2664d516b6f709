package cli

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strconv"
	"time"

	"github.com/spf13/cobra"

	"github.com/loadtestdev/loadtest/capacity"
)

type capacityQueueOptions struct {
	Out io.Writer

	RPS         float64
	ServiceTime time.Duration
	Servers     int
	MaxWait     time.Duration
	MaxWaitP    float64
	Output      string
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
			if err := opts.validate(cmd); err != nil {
				return err
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

func (opts *capacityQueueOptions) validate(cmd *cobra.Command) error {
	fs := cmd.Flags()
	if err := capCheckOutput(opts.Output); err != nil {
		return err
	}
	switch {
	case !fs.Changed("rps"):
		return usageError(errors.New("--rps is required: arrivals per second, e.g. --rps 350"))
	case !fs.Changed("service-time"):
		return usageError(errors.New("--service-time is required: the mean time one request takes, e.g. --service-time 10ms"))
	case !(opts.RPS > 0):
		return usageError(fmt.Errorf("--rps %s: must be a number greater than 0", strconv.FormatFloat(opts.RPS, 'g', -1, 64)))
	case opts.ServiceTime <= 0:
		return usageError(fmt.Errorf("--service-time %s: must be a duration greater than 0, e.g. 10ms", opts.ServiceTime))
	}
	given := 0
	for _, name := range []string{"servers", "max-wait", "max-wait-probability"} {
		if fs.Changed(name) {
			given++
		}
	}
	switch {
	case given != 1:
		return usageError(errors.New("give exactly one of --servers C, --max-wait W or --max-wait-probability P"))
	case fs.Changed("servers") && opts.Servers < 1:
		return usageError(fmt.Errorf("--servers %d: must be 1 or more", opts.Servers))
	case fs.Changed("max-wait") && opts.MaxWait <= 0:
		return usageError(fmt.Errorf("--max-wait %s: must be a duration greater than 0, e.g. 20ms", opts.MaxWait))
	case fs.Changed("max-wait-probability") && !(opts.MaxWaitP > 0 && opts.MaxWaitP <= 1):
		return usageError(fmt.Errorf("--max-wait-probability %s: must be in (0, 1], e.g. 0.05 or 5%%", fs.Lookup("max-wait-probability").Value))
	}
	return nil
}

func runCapacityQueue(cmd *cobra.Command, opts *capacityQueueOptions) error {
	q := capacity.Queue{ArrivalRate: opts.RPS, ServiceTime: opts.ServiceTime.Seconds(), Servers: opts.Servers}
	var (
		m      capacity.QueueMetrics
		err    error
		target string
	)
	switch {
	case opts.MaxWait > 0:
		m, err = q.ServersForMeanWait(opts.MaxWait.Seconds())
		target = "mean wait ≤ " + opts.MaxWait.String()
	case opts.MaxWaitP > 0:
		m, err = q.ServersForWaitProbability(opts.MaxWaitP)
		target = "P(wait) ≤ " + capPercent(opts.MaxWaitP)
	default:
		m, err = q.Solve()
	}
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
	if opts.Output == capOutJSON {
		return capWriteQueueJSON(opts.Out, m, target)
	}
	return capWriteQueueText(opts.Out, opts.Output, m, target)
}

func capQueueRows(m capacity.QueueMetrics, target string) [][]string {
	servers := []string{"servers", strconv.Itoa(m.Servers), "given"}
	if target != "" {
		servers[2] = "the fewest with " + target
	}
	return [][]string{
		{"arrival rate", capNum(m.ArrivalRate), "req/s"},
		{"service time", capSeconds(m.ServiceTime), "mean, S"},
		{"offered load", capNum(m.OfferedLoad), "erlangs, A = λS"},
		servers,
		{"utilisation", capPercent(m.Utilization), "ρ = A / c"},
		{"P(wait)", strconv.FormatFloat(m.WaitProbability, 'f', 6, 64), "Erlang C"},
		{"mean wait", capSeconds(m.MeanWait), "Wq = C·S / (c − A)"},
		{"p90 wait", capSeconds(m.WaitPercentile(0.90)), ""},
		{"p99 wait", capSeconds(m.WaitPercentile(0.99)), ""},
		{"response time", capSeconds(m.MeanResponse), "mean, R = Wq + S"},
		{"queue length", capNum(m.MeanQueueLength), "mean waiting, Lq = λ·Wq"},
		{"in system", capNum(m.MeanInSystem), "mean, L = λ·R"},
	}
}

func capWriteQueueText(out io.Writer, format string, m capacity.QueueMetrics, target string) error {
	w := &capWriter{w: out}
	if format == capOutMD {
		w.printf("## M/M/c queue\n\n")
	} else {
		w.printf("M/M/c queue (Erlang C)\n")
	}
	if w.err == nil {
		w.err = capTable(w.w, format, []string{"quantity", "value", "note"}, capQueueRows(m, target), "lrl")
	}
	return w.err
}

type capQueueJSON struct {
	ArrivalRate     float64 `json:"arrival_rate"`
	ServiceTimeS    float64 `json:"service_time_s"`
	Servers         int     `json:"servers"`
	Target          string  `json:"target,omitempty"`
	OfferedLoad     float64 `json:"offered_load_erlangs"`
	Utilization     float64 `json:"utilization"`
	WaitProbability float64 `json:"wait_probability"`
	MeanWaitS       float64 `json:"mean_wait_s"`
	P90WaitS        float64 `json:"p90_wait_s"`
	P99WaitS        float64 `json:"p99_wait_s"`
	MeanResponseS   float64 `json:"mean_response_s"`
	MeanQueueLength float64 `json:"mean_queue_length"`
	MeanInSystem    float64 `json:"mean_in_system"`
}

func capWriteQueueJSON(out io.Writer, m capacity.QueueMetrics, target string) error {
	doc := capQueueJSON{ArrivalRate: m.ArrivalRate, ServiceTimeS: m.ServiceTime, Servers: m.Servers, Target: target,
		OfferedLoad: m.OfferedLoad, Utilization: m.Utilization, WaitProbability: m.WaitProbability,
		MeanWaitS: m.MeanWait, P90WaitS: m.WaitPercentile(0.9), P99WaitS: m.WaitPercentile(0.99),
		MeanResponseS: m.MeanResponse, MeanQueueLength: m.MeanQueueLength, MeanInSystem: m.MeanInSystem}
	enc := json.NewEncoder(out)
	enc.SetIndent("", "  ")
	return enc.Encode(doc)
}
