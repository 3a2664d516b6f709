package cli

import (
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"strconv"
	"strings"

	"github.com/olekukonko/tablewriter"
	"github.com/olekukonko/tablewriter/renderer"
	"github.com/olekukonko/tablewriter/tw"
	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/loadtestdev/loadtest/capacity"
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
	)
	return root
}

// Output formats of the capacity commands.
const (
	capOutText = "text"
	capOutJSON = "json"
	capOutMD   = "md"
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

// capFormat prints v with thousands separators and decimals digits after the point.
func capFormat(v float64, decimals int) string {
	if math.IsInf(v, 0) || math.IsNaN(v) {
		return strconv.FormatFloat(v, 'f', -1, 64)
	}
	s := strconv.FormatFloat(v, 'f', decimals, 64)
	sign := ""
	if strings.HasPrefix(s, "-") {
		sign, s = "-", s[1:]
	}
	intPart, frac, hasFrac := strings.Cut(s, ".")
	var b strings.Builder
	for i, r := range intPart {
		if i > 0 && (len(intPart)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(r)
	}
	if hasFrac {
		b.WriteByte('.')
		b.WriteString(frac)
	}
	return sign + b.String()
}

// capNum prints a number for a formula: integers whole, numbers ≥ 1 to two decimals, smaller
// ones to four significant digits, always with thousands separators.
func capNum(v float64) string {
	switch {
	case v == math.Trunc(v) && math.Abs(v) < 1e15:
		return capFormat(v, 0)
	case math.Abs(v) >= 1:
		return capTrim(capFormat(v, 2))
	default:
		return strconv.FormatFloat(v, 'g', 4, 64)
	}
}

func capTrim(s string) string {
	if !strings.Contains(s, ".") {
		return s
	}
	s = strings.TrimRight(s, "0")
	return strings.TrimSuffix(s, ".")
}

// capPercent prints a ratio as a percentage to one decimal.
func capPercent(v float64) string { return capTrim(strconv.FormatFloat(v*100, 'f', 1, 64)) + "%" }

// capRound3 rounds rates for JSON output to 0.001 req/s.
func capRound3(v float64) float64 { return math.Round(v*1000) / 1000 }

// capSeconds prints a time in seconds in the unit that suits it.
func capSeconds(s float64) string {
	switch {
	case s == 0:
		return "0"
	case s < 1e-3:
		return capTrim(strconv.FormatFloat(s*1e6, 'f', 1, 64)) + " µs"
	case s < 1:
		return capTrim(strconv.FormatFloat(s*1e3, 'f', 3, 64)) + " ms"
	default:
		return capTrim(capFormat(s, 3)) + " s"
	}
}

// capTable writes a table as text (tablewriter's default box style) or Markdown.
// aligns holds one letter per column, 'r' for right-aligned.
func capTable(w io.Writer, format string, header []string, rows [][]string, aligns string) error {
	align := make(tw.Alignment, len(header))
	for i := range align {
		align[i] = tw.AlignLeft
		if i < len(aligns) && aligns[i] == 'r' {
			align[i] = tw.AlignRight
		}
	}
	opts := []tablewriter.Option{
		tablewriter.WithHeaderAutoFormat(tw.Off),
		tablewriter.WithRowAutoWrap(tw.WrapNone),
		tablewriter.WithAlignment(align),
		tablewriter.WithHeaderAlignment(tw.AlignLeft),
	}
	if format == capOutMD {
		opts = append(opts, tablewriter.WithRenderer(renderer.NewMarkdown()))
	}
	table := tablewriter.NewTable(w, opts...)
	h := make([]any, len(header))
	for i, s := range header {
		h[i] = s
	}
	table.Header(h...)
	if err := table.Bulk(rows); err != nil {
		return fmt.Errorf("table: %w", err)
	}
	if err := table.Render(); err != nil {
		return fmt.Errorf("table: %w", err)
	}
	return nil
}

// capOpen opens a file named on the command line; a file that cannot be opened is bad input.
func capOpen(path string) (*os.File, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, usageError(fmt.Errorf("%s: %w", path, err))
	}
	return f, nil
}
