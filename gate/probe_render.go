package gate

import (
	"fmt"
	"io"
	"strconv"

	"github.com/olekukonko/tablewriter"
	"github.com/olekukonko/tablewriter/tw"

	"github.com/loadtestdev/loadtest/results"
)

// WriteProbe writes a probe's steps as a table, then its answer.
func WriteProbe(w io.Writer, p *results.Probe) error {
	table := tablewriter.NewTable(w,
		tablewriter.WithHeaderAutoFormat(tw.Off),
		tablewriter.WithRowAutoWrap(tw.WrapNone),
		tablewriter.WithHeaderAlignment(tw.AlignLeft),
		tablewriter.WithAlignment(tw.Alignment{tw.AlignRight, tw.AlignRight, tw.AlignRight, tw.AlignRight, tw.AlignRight, tw.AlignLeft, tw.AlignLeft}),
	)
	table.Header("step", "rate asked", "rate", "throughput", "p99", "errors", "result")
	for i, s := range p.Steps {
		verdict := "pass"
		if !s.Passed {
			verdict = "FAIL: " + s.Breached
		}
		if err := table.Append(strconv.Itoa(i+1), formatRate(s.RateAsked), formatRate(s.Rate), formatRate(s.Throughput),
			formatMS(s.P99MS)+" ms", formatPercent(s.ErrorRatio*100), verdict); err != nil {
			return fmt.Errorf("gate: table: %w", err)
		}
	}
	if err := table.Render(); err != nil {
		return fmt.Errorf("gate: table: %w", err)
	}
	var err error
	if p.SustainableRate > 0 {
		_, err = fmt.Fprintf(w, "sustainable rate: %s (the highest step that met %s)\n", formatRate(p.SustainableRate), sloList(p.SLOs))
	} else {
		_, err = fmt.Fprintf(w, "sustainable rate: none (no step met %s)\n", sloList(p.SLOs))
	}
	return err
}

func formatRate(r float64) string {
	if r >= 100 {
		return strconv.FormatFloat(r, 'f', 0, 64) + "/s"
	}
	return strconv.FormatFloat(r, 'f', 1, 64) + "/s"
}

func sloList(slos []string) string {
	s := ""
	for i, x := range slos {
		switch {
		case i == 0:
		case i == len(slos)-1:
			s += " and "
		default:
			s += ", "
		}
		s += x
	}
	return s
}
