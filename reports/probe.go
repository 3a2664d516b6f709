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
	return fmt.Sprintf("Probe: sustainable rate %s (SLOs: %s)", formatRate(p.SustainableRate), strings.Join(p.SLOs, ", "))
}

// probeRows is one row per constant-rate step of a probe.
func probeRows(p *results.Probe) [][]string {
	var rows [][]string
	for _, s := range p.Steps {
		rows = append(rows, []string{formatRate(s.RateAsked), formatRate(s.Rate), formatRate(s.Throughput),
			formatMS(s.P99MS), formatPercent(s.ErrorRatio), passFail(s.Passed), s.Breached})
	}
	return rows
}

// WriteProbe writes a probe's steps as the table the reports print for them, then its
// answer: the sustainable rate and the SLOs it met.
func WriteProbe(w io.Writer, p *results.Probe) error {
	e := &errWriter{w: w}
	e.table(probeHeader, probeRows(p), probeAligns, false)
	if p.SustainableRate > 0 {
		e.printf("sustainable rate: %s (the highest step that met %s)\n", formatRate(p.SustainableRate), sloList(p.SLOs))
	} else {
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
