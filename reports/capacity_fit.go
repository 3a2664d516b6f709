package reports

import (
	"encoding/json"
	"fmt"
	"io"
	"math"
	"strconv"

	"github.com/loadtestdev/loadtest/capacity"
)

// USLFitReport is a Universal Scalability Law fit with where its measurements came from
// and the concurrencies to predict at.
type USLFitReport struct {
	// Source names the measurements: a CSV file, "stdin" or "6 result files".
	Source string
	Fit    *capacity.USLFit
	At     []float64
}

// WriteUSLFit writes a fit as text or Markdown (the parameters, the predictions and an
// ASCII chart of measured against fitted throughput) or as JSON.
func WriteUSLFit(w io.Writer, format string, r USLFitReport) error {
	switch format {
	case FormatJSON:
		return writeUSLFitJSON(w, r)
	case FormatText, FormatMarkdown:
		return writeUSLFitText(w, format == FormatMarkdown, r)
	}
	return fmt.Errorf("%w %q for a USL fit (allowed: text, json, md)", ErrFormat, format)
}

// uslFitRows are the fitted parameters as table rows.
func uslFitRows(fit *capacity.USLFit) [][]string {
	nmax, bounded := fit.MaxConcurrency()
	nmaxS, xmaxNote := "unbounded", "asymptote λ/σ (κ = 0: throughput never peaks)"
	if bounded {
		nmaxS, xmaxNote = strconv.Itoa(nmax), fmt.Sprintf("X(%d)", nmax)
	}
	if fit.Sigma == 0 && fit.Kappa == 0 {
		xmaxNote = "linear scaling: no limit in the data"
	}
	return [][]string{
		{"σ (contention)", strconv.FormatFloat(fit.Sigma, 'g', 7, 64), "serial share of the work"},
		{"κ (coherency)", strconv.FormatFloat(fit.Kappa, 'g', 7, 64), "pairwise cost of keeping units in step"},
		{"λ (one unit)", formatGrouped(fit.Lambda, 3), "req/s at N = 1"},
		{"max concurrency Nmax", nmaxS, "⌊√((1−σ)/κ)⌋"},
		{"max throughput Xmax", formatGrouped(fit.MaxThroughput(), 3), "req/s, " + xmaxNote},
		{"constraint", string(fit.Constraint()), constraintNote(fit.Constraint())},
		{"R²", fixed(fit.RSquared, 5), fmt.Sprintf("%d measurements", len(fit.Points))},
	}
}

func constraintNote(c capacity.Constraint) string {
	switch c {
	case capacity.ContentionConstrained:
		return "σ > κ: queueing on a shared resource limits scaling"
	case capacity.CoherencyConstrained:
		return "κ ≥ σ: crosstalk between units limits scaling"
	}
	return "σ = κ = 0"
}

func uslPredictionRows(fit *capacity.USLFit, at []float64) [][]string {
	rows := make([][]string, 0, len(at))
	for _, n := range at {
		rows = append(rows, []string{formatNumber(n), formatGrouped(fit.Throughput(n), 3), formatTimeS(fit.Latency(n))})
	}
	return rows
}

func writeUSLFitText(w io.Writer, md bool, r USLFitReport) error {
	e := &errWriter{w: w}
	title := fmt.Sprintf("USL fit of %d measurements from %s", len(r.Fit.Points), r.Source)
	if md {
		e.printf("## %s\n\n", title)
	} else {
		e.printf("%s\n", title)
	}
	e.table([]string{"parameter", "value", "note"}, uslFitRows(r.Fit), "lrl", md)
	if len(r.At) > 0 {
		e.section(md, "Predictions", "predictions")
		e.table([]string{"N", "X(N) req/s", "R(N)"}, uslPredictionRows(r.Fit, r.At), "rrr", md)
	}
	chart := uslChart(r.Fit, r.At, 64, 16)
	if md {
		e.printf("\n### Measured and fitted throughput\n\n```\n%s```\n", chart)
	} else {
		e.printf("\n%s", chart)
	}
	return e.err
}

type uslFitJSON struct {
	Source         string              `json:"source"`
	Sigma          float64             `json:"sigma"`
	Kappa          float64             `json:"kappa"`
	Lambda         float64             `json:"lambda"`
	MaxConcurrency *int                `json:"max_concurrency"`
	MaxThroughput  *float64            `json:"max_throughput"`
	Constraint     capacity.Constraint `json:"constraint"`
	RSquared       float64             `json:"r_squared"`
	SSR            float64             `json:"ssr"`
	Points         []uslPointJSON      `json:"points"`
	Predictions    []uslPointJSON      `json:"predictions"`
}

type uslPointJSON struct {
	Concurrency float64  `json:"concurrency"`
	Measured    *float64 `json:"measured,omitempty"`
	Throughput  float64  `json:"throughput"`
	LatencyS    float64  `json:"latency_s"`
}

func writeUSLFitJSON(w io.Writer, r USLFitReport) error {
	fit := r.Fit
	doc := uslFitJSON{Source: r.Source, Sigma: fit.Sigma, Kappa: fit.Kappa, Lambda: fit.Lambda,
		Constraint: fit.Constraint(), RSquared: fit.RSquared, SSR: fit.SSR, Predictions: []uslPointJSON{}}
	if n, ok := fit.MaxConcurrency(); ok {
		doc.MaxConcurrency = &n
	}
	if x := fit.MaxThroughput(); !math.IsInf(x, 0) {
		doc.MaxThroughput = &x
	}
	for _, p := range fit.Points {
		m := p.Throughput
		doc.Points = append(doc.Points, uslPointJSON{Concurrency: p.Concurrency, Measured: &m,
			Throughput: fit.Throughput(p.Concurrency), LatencyS: fit.Latency(p.Concurrency)})
	}
	for _, n := range r.At {
		doc.Predictions = append(doc.Predictions, uslPointJSON{Concurrency: n, Throughput: fit.Throughput(n), LatencyS: fit.Latency(n)})
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(doc)
}
