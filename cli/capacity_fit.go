package cli

import (
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"

	"github.com/spf13/cobra"

	"github.com/loadtestdev/loadtest/capacity"
)

type capacityFitOptions struct {
	Out io.Writer
	In  io.Reader

	File   string   // CSV of concurrency,throughput ("-" for stdin)
	From   []string // result files of a sweep, instead of File
	At     []float64
	Output string
}

func newCapacityFitCmd(ios *IOStreams) *cobra.Command {
	opts := &capacityFitOptions{Out: ios.Out, In: ios.In}
	cmd := &cobra.Command{
		Use:   "fit {FILE.csv | --from RESULT.json ...} [N ...]",
		Short: "Fit the Universal Scalability Law to a concurrency sweep",
		Long: `fit fits the Universal Scalability Law X(N) = λN / (1 + σ(N−1) + κN(N−1)) to measured
(concurrency, throughput) pairs by nonlinear least squares, and prints σ (contention), κ
(coherency), λ (the throughput of one unit), the concurrency Nmax = ⌊√((1−σ)/κ)⌋ where
throughput peaks, Xmax = X(Nmax), whether contention or coherency constrains the system,
predictions at each N given, and a chart of measured against fitted throughput.

The measurements are a CSV file of concurrency,throughput rows (codahale/usl's format: an
optional header row, blank lines and # comments skipped; "-" reads standard input), or the
result files of a closed-model sweep with --from (concurrency = the run's connections,
throughput = its successful req/s). At least 6 measurements are needed.`,
		Example: `  # concurrency,throughput pairs (codahale/usl's CSV) on stdin, predicting N = 16
  printf '1,955.16\n2,1878.91\n3,2688.01\n4,3548.68\n5,4315.54\n6,5130.43\n7,5931.37\n8,6531.08\n' | capacity fit - 16

  # a sweep of max-rate runs at 1..32 connections, then the fit of their throughputs
  for c in 1 2 4 8 16 32; do loadtest run echo --rate 0 --connections $c --duration 3s --no-thresholds --quiet --out c$c.json; done
  capacity fit --from c1.json --from c2.json --from c4.json --from c8.json --from c16.json --from c32.json 64`,
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := capCheckOutput(opts.Output); err != nil {
				return err
			}
			if len(opts.From) == 0 {
				if len(args) == 0 {
					return usageError(errors.New("fit needs a CSV file of concurrency,throughput rows, or --from result files"))
				}
				opts.File, args = args[0], args[1:]
			}
			for _, a := range args {
				n, err := strconv.ParseFloat(a, 64)
				if err != nil || !(n >= 1) || math.IsInf(n, 0) {
					return usageError(fmt.Errorf("N %q: must be a concurrency of 1 or more", a))
				}
				opts.At = append(opts.At, n)
			}
			return runCapacityFit(opts)
		},
	}
	cmd.Flags().StringArrayVar(&opts.From, "from", nil, "loadtest result file of one step of a concurrency sweep (repeat for each)")
	cmd.Flags().StringVarP(&opts.Output, "output", "o", capOutText, "output format: text, json or md")
	return cmd
}

func runCapacityFit(opts *capacityFitOptions) error {
	points, source, err := opts.points()
	if err != nil {
		return err
	}
	fit, err := capacity.FitUSL(points)
	if err != nil {
		return usageError(fmt.Errorf("%s: %w", source, err))
	}
	if opts.Output == capOutJSON {
		return capWriteFitJSON(opts.Out, source, fit, opts.At)
	}
	return capWriteFitText(opts.Out, opts.Output, source, fit, opts.At)
}

// points reads the measurements and names where they came from.
func (opts *capacityFitOptions) points() ([]capacity.Point, string, error) {
	if len(opts.From) > 0 {
		var pts []capacity.Point
		for _, path := range opts.From {
			r, err := capReadResult(path)
			if err != nil {
				return nil, "", err
			}
			if r.Connections <= 0 {
				return nil, "", usageError(fmt.Errorf("--from %s: the run has no connection count (an open-model run at a fixed rate); a USL fit needs closed-model runs at fixed --connections", path))
			}
			if !(r.Throughput > 0) {
				return nil, "", usageError(fmt.Errorf("--from %s: the run has no successful throughput", path))
			}
			pts = append(pts, capacity.Point{Concurrency: float64(r.Connections), Throughput: r.Throughput})
		}
		return pts, fmt.Sprintf("%d result files", len(opts.From)), nil
	}
	var rd io.Reader = opts.In
	name := "stdin"
	if opts.File != "-" {
		f, err := capOpen(opts.File)
		if err != nil {
			return nil, "", err
		}
		defer f.Close()
		rd, name = f, opts.File
	}
	pts, err := capParseUSLCSV(rd, name)
	if err != nil {
		return nil, "", usageError(err)
	}
	return pts, name, nil
}

// capParseUSLCSV reads concurrency,throughput rows (codahale/usl's CSV). The first row may be
// a header (two fields, neither a number); blank lines and lines starting with # are
// skipped. Errors name the file and line.
func capParseUSLCSV(r io.Reader, name string) ([]capacity.Point, error) {
	cr := csv.NewReader(r)
	cr.Comment = '#'
	cr.FieldsPerRecord = -1
	cr.TrimLeadingSpace = true
	cr.ReuseRecord = true
	var pts []capacity.Point
	for first := true; ; first = false {
		rec, err := cr.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			var pe *csv.ParseError
			if errors.As(err, &pe) {
				return nil, fmt.Errorf("%s:%d: %v", name, pe.Line, pe.Err)
			}
			return nil, fmt.Errorf("%s: %w", name, err)
		}
		line, _ := cr.FieldPos(0)
		if len(rec) != 2 {
			return nil, fmt.Errorf("%s:%d: want 2 fields (concurrency,throughput), got %d", name, line, len(rec))
		}
		n, errN := strconv.ParseFloat(strings.TrimSpace(rec[0]), 64)
		x, errX := strconv.ParseFloat(strings.TrimSpace(rec[1]), 64)
		if first && errN != nil && errX != nil {
			continue // a header
		}
		switch {
		case errN != nil || math.IsNaN(n) || math.IsInf(n, 0):
			return nil, fmt.Errorf("%s:%d: concurrency %q: want a number", name, line, rec[0])
		case errX != nil || math.IsNaN(x) || math.IsInf(x, 0):
			return nil, fmt.Errorf("%s:%d: throughput %q: want a number", name, line, rec[1])
		case n < 1:
			return nil, fmt.Errorf("%s:%d: concurrency %s: must be 1 or more", name, line, rec[0])
		case x <= 0:
			return nil, fmt.Errorf("%s:%d: throughput %s: must be greater than 0", name, line, rec[1])
		}
		pts = append(pts, capacity.Point{Concurrency: n, Throughput: x})
	}
	if len(pts) == 0 {
		return nil, fmt.Errorf("%s: no measurements (want concurrency,throughput rows)", name)
	}
	return pts, nil
}

// capFitRows are the fitted parameters as table rows.
func capFitRows(fit *capacity.USLFit) [][]string {
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
		{"λ (one unit)", capFormat(fit.Lambda, 3), "req/s at N = 1"},
		{"max concurrency Nmax", nmaxS, "⌊√((1−σ)/κ)⌋"},
		{"max throughput Xmax", capFormat(fit.MaxThroughput(), 3), "req/s, " + xmaxNote},
		{"constraint", string(fit.Constraint()), capConstraintNote(fit.Constraint())},
		{"R²", strconv.FormatFloat(fit.RSquared, 'f', 5, 64), fmt.Sprintf("%d measurements", len(fit.Points))},
	}
}

func capConstraintNote(c capacity.Constraint) string {
	switch c {
	case capacity.ContentionConstrained:
		return "σ > κ: queueing on a shared resource limits scaling"
	case capacity.CoherencyConstrained:
		return "κ ≥ σ: crosstalk between units limits scaling"
	}
	return "σ = κ = 0"
}

func capPredictionRows(fit *capacity.USLFit, at []float64) [][]string {
	rows := make([][]string, 0, len(at))
	for _, n := range at {
		rows = append(rows, []string{capNum(n), capFormat(fit.Throughput(n), 3), capSeconds(fit.Latency(n))})
	}
	return rows
}

func capWriteFitText(out io.Writer, format, source string, fit *capacity.USLFit, at []float64) error {
	w := &capWriter{w: out}
	md := format == capOutMD
	title := fmt.Sprintf("USL fit of %d measurements from %s", len(fit.Points), source)
	if md {
		w.printf("## %s\n\n", title)
	} else {
		w.printf("%s\n", title)
	}
	if w.err == nil {
		w.err = capTable(w.w, format, []string{"parameter", "value", "note"}, capFitRows(fit), "lrl")
	}
	if len(at) > 0 {
		if md {
			w.printf("\n### Predictions\n\n")
		} else {
			w.printf("\npredictions\n")
		}
		if w.err == nil {
			w.err = capTable(w.w, format, []string{"N", "X(N) req/s", "R(N)"}, capPredictionRows(fit, at), "rrr")
		}
	}
	chart := capUSLChart(fit, at, 64, 16)
	if md {
		w.printf("\n### Measured and fitted throughput\n\n```\n%s```\n", chart)
	} else {
		w.printf("\n%s", chart)
	}
	return w.err
}

type capFitJSON struct {
	Source         string              `json:"source"`
	Sigma          float64             `json:"sigma"`
	Kappa          float64             `json:"kappa"`
	Lambda         float64             `json:"lambda"`
	MaxConcurrency *int                `json:"max_concurrency"`
	MaxThroughput  *float64            `json:"max_throughput"`
	Constraint     capacity.Constraint `json:"constraint"`
	RSquared       float64             `json:"r_squared"`
	SSR            float64             `json:"ssr"`
	Points         []capFitPointJSON   `json:"points"`
	Predictions    []capFitPointJSON   `json:"predictions"`
}

type capFitPointJSON struct {
	Concurrency float64  `json:"concurrency"`
	Measured    *float64 `json:"measured,omitempty"`
	Throughput  float64  `json:"throughput"`
	LatencyS    float64  `json:"latency_s"`
}

func capWriteFitJSON(out io.Writer, source string, fit *capacity.USLFit, at []float64) error {
	doc := capFitJSON{Source: source, Sigma: fit.Sigma, Kappa: fit.Kappa, Lambda: fit.Lambda,
		Constraint: fit.Constraint(), RSquared: fit.RSquared, SSR: fit.SSR, Predictions: []capFitPointJSON{}}
	if n, ok := fit.MaxConcurrency(); ok {
		doc.MaxConcurrency = &n
	}
	if x := fit.MaxThroughput(); !math.IsInf(x, 0) {
		doc.MaxThroughput = &x
	}
	for _, p := range fit.Points {
		m := p.Throughput
		doc.Points = append(doc.Points, capFitPointJSON{Concurrency: p.Concurrency, Measured: &m,
			Throughput: fit.Throughput(p.Concurrency), LatencyS: fit.Latency(p.Concurrency)})
	}
	for _, n := range at {
		doc.Predictions = append(doc.Predictions, capFitPointJSON{Concurrency: n, Throughput: fit.Throughput(n), LatencyS: fit.Latency(n)})
	}
	enc := json.NewEncoder(out)
	enc.SetIndent("", "  ")
	return enc.Encode(doc)
}
