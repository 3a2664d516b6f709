package reports

import (
	"fmt"
	"io"
	"strings"

	"github.com/loadtestdev/loadtest/results"
)

// probeHeader heads the probe table in every format: the report's probe section and what
// `loadtest probe` prints.
var probeHeader = []string{"rate asked", "rate", "throughput", "p99", "errors", "result", "breached"}

// probeAligns aligns the probe table: numbers right, the verdict and the SLOs breached left.
const probeAligns = "rrrrrll"

// probeTitle names the sustainable rate and the SLOs it was held to.
func probeTitle(p *results.Probe) string {
	title := fmt.Sprintf("Probe: sustainable rate %s (SLOs: %s)", formatRate(p.SustainableRate), strings.Join(p.SLOs, ", "))
	if p.Stop != "" && !p.Converged {
		title += ", not converged"
	}
	return title
}

// probeRows is one row per constant-rate step of a probe.
func probeRows(p *results.Probe) [][]string {
	var rows [][]string
	for _, s := range p.Steps {
		rows = append(rows, []string{formatRate(s.RateAsked), formatRate(s.Rate), formatRate(s.Throughput),
			formatMS(s.P99MS), formatPercent(s.ErrorRatio), stepVerdict(s), s.Breached})
	}
	return rows
}

// stepVerdict is pass or FAIL, naming the generator when the step failed because of it.
func stepVerdict(s results.ProbeStep) string {
	if !s.Passed && s.FailedBy == results.FailedByGenerator {
		return "FAIL (generator)"
	}
	return passFail(s.Passed)
}

// WriteProbe writes a probe's steps as the table the reports print for them, then whether it
// converged (the bracket and the precision reached, or why not and what to do) and its
// answer: the sustainable rate and the SLOs it met.
func WriteProbe(w io.Writer, p *results.Probe) error {
	e := &errWriter{w: w}
	e.table(probeHeader, probeRows(p), probeAligns, false)
	if p.GeneratorLimit > 0 {
		e.printf("generator limit: the step at %s failed because of the load generator, not the server (see its warnings in the result file); it does not count as the server's limit\n",
			formatRate(p.GeneratorLimit))
	}
	switch {
	case p.Converged:
		e.printf("converged: %s passed, %s failed (%s apart, --precision %s)\n", formatRate(p.Bracket.HighestPassed),
			formatRate(p.Bracket.LowestFailed), formatShare(p.PrecisionReached), formatShare(p.Precision))
	case p.Stop != "" && p.Stop != results.ProbeNonePassed:
		reason, todo := ProbeNotConverged(p)
		e.printf("not converged: %s: %s\n", todo, reason)
	}
	switch {
	case p.SustainableRate > 0 && p.Stop != "" && !p.Converged:
		e.printf("sustainable rate: at least %s, not the server's limit (the highest step that met %s)\n", formatRate(p.SustainableRate), sloList(p.SLOs))
	case p.SustainableRate > 0:
		e.printf("sustainable rate: %s (the highest step that met %s)\n", formatRate(p.SustainableRate), sloList(p.SLOs))
	default:
		e.printf("sustainable rate: none (no step met %s)\n", sloList(p.SLOs))
	}
	return e.err
}

// sloList joins SLOs as a sentence does: "a", "a and b", "a, b and c".
func sloList(slos []string) string {
	if len(slos) <= 1 {
		return strings.Join(slos, "")
	}
	return strings.Join(slos[:len(slos)-1], ", ") + " and " + slos[len(slos)-1]
}
