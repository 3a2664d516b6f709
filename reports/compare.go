package reports

import (
	"fmt"
	"io"
	"math"
	"strings"

	"github.com/loadtestdev/loadtest/gate"
)

// CompareOptions say how WriteComparison renders a comparison.
type CompareOptions struct {
	// Format is FormatText (a terminal table) or FormatMarkdown (a pull-request comment).
	Format string
	// Baseline and Current name the two results (file names) in the heading.
	Baseline, Current string
}

// CompareFormats are the formats WriteComparison writes.
var CompareFormats = []string{FormatText, FormatMarkdown}

// WriteComparison writes c as a table of each metric: both values, the change, the bound
// and whether it held, then a one-line verdict. Markdown also lists the warnings, which a
// pull-request comment would otherwise lose.
func WriteComparison(w io.Writer, c gate.Comparison, opt CompareOptions) error {
	md := opt.Format == FormatMarkdown
	if !md && opt.Format != FormatText && opt.Format != "" {
		return fmt.Errorf("%w %q for a comparison (allowed: %s)", ErrFormat, opt.Format, strings.Join(CompareFormats, ", "))
	}
	e := &errWriter{w: w}
	if md {
		e.printf("### loadtest compare\n\nBaseline `%s`, current `%s`.\n\n", opt.Baseline, opt.Current)
		if len(c.Warnings) > 0 {
			e.printf("> **Warnings**\n")
			for _, warn := range c.Warnings {
				e.printf("> - %s\n", warn)
			}
			e.printf("\n")
		}
	} else {
		e.printf("loadtest compare: baseline %s, current %s\n", opt.Baseline, opt.Current)
	}
	rows := make([][]string, len(c.Rows))
	for i, r := range c.Rows {
		rows[i] = []string{r.Name, compareValue(r.Metric, r.Base, r.HasBase), compareValue(r.Metric, r.Current, r.HasCurrent),
			compareChange(r), compareBound(r.Bound), compareResult(r)}
	}
	e.table([]string{"metric", "baseline", "current", "change", "bound", "result"}, rows, "lrrrrl", md)
	if md {
		e.printf("\n")
	}
	e.printf("%s\n", compareVerdict(c))
	return e.err
}

func compareVerdict(c gate.Comparison) string {
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

func compareResult(r gate.Row) string {
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

// isRatio reports whether m is valued as a 0..1 fraction.
func isRatio(m gate.Metric) bool { return m.IsRatio() }

// isRate reports whether m is valued in req/s.
func isRate(m gate.Metric) bool { return m.Kind == gate.KindRPS || m.Kind == gate.KindThroughput }

// compareValue writes a value in the metric's display unit; "n/a" when there is no data.
func compareValue(m gate.Metric, v float64, ok bool) string {
	switch {
	case !ok:
		return "n/a"
	case m.IsLatency():
		return formatCompareMS(v) + " ms"
	case isRatio(m):
		return formatComparePercent(v)
	case isRate(m):
		return fixed(v, 1) + " req/s"
	}
	return fixed(v, 0)
}

// compareChange writes the change: absolute and relative, or percentage points for ratios.
func compareChange(r gate.Row) string {
	if !r.HasBase || !r.HasCurrent {
		return ""
	}
	d := r.Change()
	var abs string
	switch m := r.Metric; {
	case m.IsLatency():
		abs = signed(d, formatCompareMS(math.Abs(d))) + " ms"
	case isRatio(m):
		return signed(d, strings.TrimSuffix(formatComparePercent(math.Abs(d)), "%")) + " pp"
	case isRate(m):
		abs = signed(d, fixed(math.Abs(d), 1)) + " req/s"
	default:
		abs = signed(d, fixed(math.Abs(d), 0))
	}
	rel, ok := r.RelChange()
	if !ok {
		return abs
	}
	return abs + " (" + signed(rel, fixed(math.Abs(rel)*100, 1)) + "%)"
}

// compareBound writes the regression a bound allows, signed in the direction that is worse.
func compareBound(b *gate.Bound) string {
	if b == nil {
		return ""
	}
	sign := "+"
	if !b.Metric.HigherIsWorse() {
		sign = "-"
	}
	switch m := b.Metric; {
	case b.Relative:
		return sign + fixed(b.Value*100, -1) + "%"
	case m.IsLatency():
		return sign + formatCompareMS(b.Value) + " ms"
	case isRatio(m):
		return sign + fixed(b.Value*100, -1) + " pp"
	case isRate(m):
		return sign + fixed(b.Value, -1) + " req/s"
	}
	return sign + fixed(b.Value, -1)
}
