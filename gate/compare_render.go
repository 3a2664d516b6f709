package gate

import (
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"

	"github.com/olekukonko/tablewriter"
	"github.com/olekukonko/tablewriter/renderer"
	"github.com/olekukonko/tablewriter/tw"
)

// Formats WriteComparison renders.
const (
	FormatText     = "text"
	FormatMarkdown = "md"
)

// RenderOptions say how WriteComparison renders a comparison.
type RenderOptions struct {
	// Format is FormatText (a terminal table) or FormatMarkdown (a pull-request comment).
	Format string
	// Baseline and Current name the two results (file names) in the heading.
	Baseline, Current string
}

// WriteComparison writes c as a table of each metric: both values, the change, the bound
// and whether it held, then a one-line verdict. Markdown also lists the warnings, which a
// pull-request comment would otherwise lose.
func WriteComparison(w io.Writer, c Comparison, opt RenderOptions) error {
	md := opt.Format == FormatMarkdown
	if !md && opt.Format != FormatText && opt.Format != "" {
		return fmt.Errorf("gate: unknown format %q, want %s or %s", opt.Format, FormatText, FormatMarkdown)
	}
	var b strings.Builder
	if md {
		fmt.Fprintf(&b, "### loadtest compare\n\nBaseline `%s`, current `%s`.\n\n", opt.Baseline, opt.Current)
		if len(c.Warnings) > 0 {
			b.WriteString("> **Warnings**\n")
			for _, warn := range c.Warnings {
				fmt.Fprintf(&b, "> - %s\n", warn)
			}
			b.WriteString("\n")
		}
	} else {
		fmt.Fprintf(&b, "loadtest compare: baseline %s, current %s\n", opt.Baseline, opt.Current)
	}
	if _, err := io.WriteString(w, b.String()); err != nil {
		return err
	}
	if err := renderRows(w, c, md); err != nil {
		return err
	}
	verdict := verdictLine(c)
	if md {
		verdict = "\n" + verdict
	}
	_, err := fmt.Fprintln(w, verdict)
	return err
}

func renderRows(w io.Writer, c Comparison, md bool) error {
	opts := []tablewriter.Option{
		tablewriter.WithHeaderAutoFormat(tw.Off),
		tablewriter.WithRowAutoWrap(tw.WrapNone),
		tablewriter.WithHeaderAlignment(tw.AlignLeft),
		tablewriter.WithAlignment(tw.Alignment{tw.AlignLeft, tw.AlignRight, tw.AlignRight, tw.AlignRight, tw.AlignRight, tw.AlignLeft}),
	}
	if md {
		opts = append(opts, tablewriter.WithRenderer(renderer.NewMarkdown()))
	}
	table := tablewriter.NewTable(w, opts...)
	table.Header("metric", "baseline", "current", "change", "bound", "result")
	for _, r := range c.Rows {
		if err := table.Append(r.Name, formatValue(r.Metric, r.Base, r.HasBase), formatValue(r.Metric, r.Current, r.HasCurrent),
			formatChange(r), formatBound(r.Bound), rowResult(r)); err != nil {
			return fmt.Errorf("gate: table: %w", err)
		}
	}
	if err := table.Render(); err != nil {
		return fmt.Errorf("gate: table: %w", err)
	}
	return nil
}

func verdictLine(c Comparison) string {
	bounded := c.Bounded()
	broken := c.Broken()
	switch {
	case bounded == 0:
		return "no regression bounds given"
	case len(broken) == 0:
		return fmt.Sprintf("pass: all %d regression bounds held", bounded)
	}
	names := make([]string, len(broken))
	for i, r := range broken {
		names[i] = r.Name
	}
	return fmt.Sprintf("FAIL: %d of %d regression bounds broken: %s", len(broken), bounded, strings.Join(names, ", "))
}

func rowResult(r Row) string {
	switch {
	case r.Bound == nil:
		return ""
	case r.Broken && !r.HasCurrent:
		return "FAIL (no data)"
	case r.Broken:
		return "FAIL"
	}
	return "pass"
}

// formatValue writes a value in the metric's display unit; "n/a" when there is no data.
func formatValue(m Metric, v float64, ok bool) string {
	if !ok {
		return "n/a"
	}
	switch {
	case m.IsLatency():
		return formatMS(v) + " ms"
	case m.Kind == KindErrors || m.Kind == KindSuccess:
		return formatPercent(v * 100)
	case m.Kind == KindRPS || m.Kind == KindThroughput:
		return strconv.FormatFloat(v, 'f', 1, 64) + " req/s"
	}
	return strconv.FormatFloat(v, 'f', 0, 64)
}

// formatChange writes the change: absolute and relative, or percentage points for ratios.
func formatChange(r Row) string {
	if !r.HasBase || !r.HasCurrent {
		return ""
	}
	d := r.Change()
	var abs string
	switch m := r.Metric; {
	case m.IsLatency():
		abs = signed(d, formatMS(math.Abs(d))) + " ms"
	case m.Kind == KindErrors || m.Kind == KindSuccess:
		return signed(d, strings.TrimSuffix(formatPercent(math.Abs(d)*100), "%")) + " pp"
	case m.Kind == KindRPS || m.Kind == KindThroughput:
		abs = signed(d, strconv.FormatFloat(math.Abs(d), 'f', 1, 64)) + " req/s"
	default:
		abs = signed(d, strconv.FormatFloat(math.Abs(d), 'f', 0, 64))
	}
	rel, ok := r.RelChange()
	if !ok {
		return abs
	}
	return abs + " (" + signed(rel, strconv.FormatFloat(math.Abs(rel)*100, 'f', 1, 64)) + "%)"
}

// formatBound writes the regression a bound allows, signed in the direction that is worse.
func formatBound(b *Bound) string {
	if b == nil {
		return ""
	}
	sign := "+"
	if !b.Metric.HigherIsWorse() {
		sign = "-"
	}
	switch m := b.Metric; {
	case b.Relative:
		return sign + strconv.FormatFloat(b.Value*100, 'f', -1, 64) + "%"
	case m.IsLatency():
		return sign + formatMS(b.Value) + " ms"
	case m.Kind == KindErrors || m.Kind == KindSuccess:
		return sign + strconv.FormatFloat(b.Value*100, 'f', -1, 64) + " pp"
	case m.Kind == KindRPS || m.Kind == KindThroughput:
		return sign + strconv.FormatFloat(b.Value, 'f', -1, 64) + " req/s"
	}
	return sign + strconv.FormatFloat(b.Value, 'f', -1, 64)
}

func signed(v float64, magnitude string) string {
	if v < 0 {
		return "-" + magnitude
	}
	return "+" + magnitude
}

// formatMS writes milliseconds with precision that suits their size.
func formatMS(v float64) string {
	switch {
	case v < 1:
		return strconv.FormatFloat(v, 'f', 3, 64)
	case v < 100:
		return strconv.FormatFloat(v, 'f', 2, 64)
	}
	return strconv.FormatFloat(v, 'f', 1, 64)
}

// formatPercent writes a percentage, with more decimals for small ones.
func formatPercent(pct float64) string {
	if pct != 0 && pct < 0.1 {
		return strconv.FormatFloat(pct, 'f', 3, 64) + "%"
	}
	return strconv.FormatFloat(pct, 'f', 2, 64) + "%"
}
