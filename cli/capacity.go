package cli

import (
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/loadtestdev/loadtest/capacity"
	"github.com/loadtestdev/loadtest/reports"
)

// NewCapacityCmd returns the capacity command tree: the root of the standalone capacity
// binary and, built afresh, the `loadtest capacity` subcommand.
func NewCapacityCmd(ios *IOStreams) *cobra.Command {
	root := &cobra.Command{
		Use:   "capacity",
		Short: "Plan server counts from daily users, measured throughput and queueing models",
		Long: `capacity turns demand into servers. plan sizes a fleet from daily active users and the
throughput one server holds (given, or read from a loadtest result); fit fits the Universal
Scalability Law to a concurrency sweep; queue solves an M/M/c (Erlang C) queue.`,
		Example: `  capacity plan --dau 200000 --server-rps 800
  capacity fit usl.csv 48 64
  capacity queue --rps 350 --service-time 10ms --max-wait 5ms`,
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	setupRoot(root, ios)
	root.AddCommand(
		newCapacityPlanCmd(ios),
		newCapacityFitCmd(ios),
		newCapacityQueueCmd(ios),
		newCapacityFleetCmd(ios),
		newCapacityReshardCmd(ios),
	)
	return root
}

// Output formats of the capacity commands.
const (
	capOutText = reports.FormatText
	capOutJSON = reports.FormatJSON
	capOutMD   = reports.FormatMarkdown
)

func capCheckOutput(format string) error {
	switch format {
	case capOutText, capOutJSON, capOutMD:
		return nil
	}
	return usageError(fmt.Errorf("--output %q: must be text, json or md", format))
}

// capRatio is a flag holding a fraction, given as 0.8 or 80%.
type capRatio struct{ v *float64 }

// capRatioVar defines a ratio flag stored in p.
func capRatioVar(fs *pflag.FlagSet, p *float64, name string, def float64, usage string) {
	*p = def
	fs.Var(capRatio{p}, name, usage)
}

func (r capRatio) String() string {
	if r.v == nil {
		return "0"
	}
	return strconv.FormatFloat(*r.v, 'g', -1, 64)
}

func (r capRatio) Set(s string) error {
	s = strings.TrimSpace(s)
	pct := strings.HasSuffix(s, "%")
	f, err := strconv.ParseFloat(strings.TrimSuffix(s, "%"), 64)
	if err != nil || math.IsNaN(f) || math.IsInf(f, 0) {
		return fmt.Errorf("want a fraction such as 0.8 or a percentage such as 80%%")
	}
	if pct {
		f /= 100
	}
	*r.v = f
	return nil
}

func (capRatio) Type() string { return "ratio" }

// capInputError turns a capacity.InputError into a usage error that names the flag.
func capInputError(cmd *cobra.Command, err error) error {
	var ie *capacity.InputError
	if !errors.As(err, &ie) {
		return err
	}
	name := strings.ReplaceAll(ie.Field, "_", "-")
	value := strconv.FormatFloat(ie.Value, 'g', -1, 64)
	if f := cmd.Flags().Lookup(name); f != nil && f.Changed {
		value = f.Value.String()
	}
	return usageError(fmt.Errorf("--%s %s: must be %s", name, value, ie.Allowed))
}
