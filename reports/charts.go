package reports

import (
	"fmt"
	"math"
	"sort"
	"strconv"
	"time"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/font"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/plotutil"
	"gonum.org/v1/plot/vg"

	"github.com/loadtestdev/loadtest/collector"
	"github.com/loadtestdev/loadtest/results"
)

// Chart is one chart of the HTML and PNG reports.
type Chart struct {
	// Name is a short file-safe name ("latency", "percentiles", ...): the PNG file's base name.
	Name  string
	Title string
	// Caption says in one sentence what the chart shows, for people reading the HTML report.
	Caption string
	Plot    *plot.Plot
}

// Chart size in the HTML and PNG reports.
const (
	chartWidth  = 8 * vg.Inch
	chartHeight = 4 * vg.Inch
)

// Charts builds the charts of a result: latency over time, requests and errors per second
// (when it has a timeline), the latency percentile distribution (when it has a histogram),
// and CPU and load average over time for the generator and the server (when sampled).
func Charts(r *results.Result) ([]Chart, error) {
	var charts []Chart
	builders := []func(*results.Result) (*Chart, error){latencyChart, requestsChart, percentileChart, cpuChart, loadChart}
	for _, build := range builders {
		c, err := build(r)
		if err != nil {
			return nil, fmt.Errorf("reports: chart: %w", err)
		}
		if c != nil {
			charts = append(charts, *c)
		}
	}
	return charts, nil
}

// timeOrigin is the instant charts count seconds from: the run's start, else its first second.
func timeOrigin(r *results.Result) time.Time {
	if !r.Started.IsZero() {
		return r.Started
	}
	if len(r.Timeline) > 0 {
		return time.Unix(r.Timeline[0].Unix, 0)
	}
	return time.Time{}
}

// secondsSince is the x coordinate of a timeline second: its start, in whole seconds from
// the origin's second.
func secondsSince(origin time.Time, unix int64) float64 {
	return float64(unix - origin.Unix())
}

// newPlot returns a plot with the house look: title, axis labels, grid, legend at the top left.
func newPlot(title, x, y string) *plot.Plot {
	p := plot.New()
	p.Title.Text = title
	p.X.Label.Text = x
	p.Y.Label.Text = y
	p.Add(plotter.NewGrid())
	p.Legend.Top = true
	p.Legend.Left = true
	p.Y.Min = 0
	for _, f := range []*font.Font{&p.Title.TextStyle.Font, &p.X.Label.TextStyle.Font, &p.Y.Label.TextStyle.Font,
		&p.X.Tick.Label.Font, &p.Y.Tick.Label.Font, &p.Legend.TextStyle.Font} {
		f.Variant = "Sans"
	}
	p.Title.Padding = vg.Points(6)
	return p
}

// legendRoom raises the y axis above the highest value so that the legend, drawn in the top
// left corner, does not cover the lines; ceiling caps it for bounded series (percentages).
func legendRoom(p *plot.Plot, ceiling float64) {
	p.Y.Max *= 1.3
	if p.Y.Max == 0 {
		p.Y.Max = 1
	}
	if ceiling > 0 && p.Y.Max > ceiling {
		p.Y.Max = ceiling
	}
}

func latencyChart(r *results.Result) (*Chart, error) {
	if len(r.Timeline) == 0 {
		return nil, nil
	}
	origin := timeOrigin(r)
	var p50, p90, p99 plotter.XYs
	for _, s := range r.Timeline {
		if s.Requests == 0 {
			continue
		}
		x := secondsSince(origin, s.Unix)
		p50 = append(p50, plotter.XY{X: x, Y: s.P50MS})
		p90 = append(p90, plotter.XY{X: x, Y: s.P90MS})
		p99 = append(p99, plotter.XY{X: x, Y: s.P99MS})
	}
	if len(p50) == 0 {
		return nil, nil
	}
	p := newPlot("Latency over time", "time since start (s)", "latency (ms)")
	if err := addSeries(p, 1.5, true, []series{{"p99", p99}, {"p90", p90}, {"p50", p50}}); err != nil {
		return nil, err
	}
	legendRoom(p, 0)
	return &Chart{Name: "latency", Title: "Latency over time",
		Caption: "p50, p90 and p99 latency of each second (corrected for coordinated omission), in milliseconds; seconds without requests leave a gap.", Plot: p}, nil
}

func requestsChart(r *results.Result) (*Chart, error) {
	if len(r.Timeline) == 0 {
		return nil, nil
	}
	origin := timeOrigin(r)
	reqs, errs := make(plotter.XYs, len(r.Timeline)), make(plotter.XYs, len(r.Timeline))
	for i, s := range r.Timeline {
		x := secondsSince(origin, s.Unix)
		reqs[i] = plotter.XY{X: x, Y: float64(s.Requests)}
		errs[i] = plotter.XY{X: x, Y: float64(s.Errors)}
	}
	p := newPlot("Requests and errors per second", "time since start (s)", "per second")
	if err := addSeries(p, 1.5, true, []series{{"requests", reqs}, {"errors", errs}}); err != nil {
		return nil, err
	}
	legendRoom(p, 0)
	return &Chart{Name: "requests", Title: "Requests and errors per second",
		Caption: "Requests sent and requests that failed in each second of the run; a gap is a stretch with no timeline (between merged runs).", Plot: p}, nil
}

// series is one named line of a chart.
type series struct {
	Name   string
	Points plotter.XYs
}

// maxGlyphs is the most points a series may have and still get a glyph on each.
const maxGlyphs = 60

// addSeries adds lines with the house colours and dashes, and with glyphs a mark on each
// point when there are few. A line is broken where consecutive x values are more than maxStep apart
// (missing data), or never when maxStep is 0.
func addSeries(p *plot.Plot, maxStep float64, glyphs bool, ss []series) error {
	for i, s := range ss {
		var thumbs []plot.Thumbnailer
		for _, seg := range splitGaps(s.Points, maxStep) {
			l, err := plotter.NewLine(seg)
			if err != nil {
				return err
			}
			l.Color, l.Dashes, l.Width = plotutil.Color(i), plotutil.Dashes(i), vg.Points(1.2)
			p.Add(l)
			if thumbs == nil {
				thumbs = append(thumbs, l)
			}
			if glyphs && len(s.Points) <= maxGlyphs {
				sc, err := plotter.NewScatter(seg)
				if err != nil {
					return err
				}
				sc.Color, sc.Shape = plotutil.Color(i), plotutil.Shape(i)
				p.Add(sc)
				if len(thumbs) == 1 {
					thumbs = append(thumbs, sc)
				}
			}
		}
		if len(thumbs) > 0 {
			p.Legend.Add(s.Name, thumbs...)
		}
	}
	return nil
}

// splitGaps cuts xys (sorted by x) where consecutive points are more than maxStep apart.
func splitGaps(xys plotter.XYs, maxStep float64) []plotter.XYs {
	if len(xys) == 0 {
		return nil
	}
	if maxStep <= 0 {
		return []plotter.XYs{xys}
	}
	var out []plotter.XYs
	from := 0
	for i := 1; i < len(xys); i++ {
		if xys[i].X-xys[i-1].X > maxStep {
			out = append(out, xys[from:i])
			from = i
		}
	}
	return append(out, xys[from:])
}

// nineTicks label a log axis of x = 1/(1-q) with the percentile q: 2 → 50%,
// 10 → 90%, 100 → 99% and so on, as HdrHistogram's percentile plots do.
type nineTicks struct{}

// Ticks implements plot.Ticker.
func (nineTicks) Ticks(min, max float64) []plot.Tick {
	var ticks []plot.Tick
	for _, x := range []float64{2, 10, 100, 1e3, 1e4, 1e5, 1e6, 1e7} {
		if x < min*0.999 || x > max*1.001 {
			continue
		}
		ticks = append(ticks, plot.Tick{Value: x, Label: nineLabel(x)})
	}
	return ticks
}

// nineLabel is the percentile of x = 1/(1-q), in percent ("99.9%").
func nineLabel(x float64) string {
	decimals := max(0, int(math.Round(math.Log10(x)))-2) // 10 → 90%, 1000 → 99.9%
	return strconv.FormatFloat((1-1/x)*100, 'f', decimals, 64) + "%"
}

// percentileCurve samples a histogram's value at quantile q for x = 1/(1-q) spaced evenly on
// a log axis (20 points a decade), up to the resolution the count allows (x ≤ count), then
// its maximum.
func percentileCurve(enc string) (plotter.XYs, error) {
	h, err := results.DecodeHistogram(enc)
	if err != nil {
		return nil, err
	}
	n := float64(h.TotalCount())
	if n == 0 {
		return nil, nil
	}
	var xys plotter.XYs
	for k := 0; ; k++ {
		x := math.Pow(10, float64(k)/20)
		if x > n || x > 1e7 {
			break
		}
		q := 100 * (1 - 1/x)
		xys = append(xys, plotter.XY{X: x, Y: float64(h.ValueAtQuantile(q)) / 1000})
	}
	last := math.Max(n, 1.0001)
	xys = append(xys, plotter.XY{X: math.Min(last, 1e7), Y: float64(h.Max()) / 1000})
	return xys, nil
}

func percentileChart(r *results.Result) (*Chart, error) {
	lat, err := percentileCurve(r.Histograms.Latency)
	if err != nil {
		return nil, err
	}
	svc, err := percentileCurve(r.Histograms.ServiceTime)
	if err != nil {
		return nil, err
	}
	if len(lat) == 0 && len(svc) == 0 {
		return nil, nil
	}
	p := newPlot("Latency by percentile", "percentile", "latency (ms)")
	p.X.Scale = plot.LogScale{}
	p.X.Tick.Marker = nineTicks{}
	p.X.Min = 1
	p.X.Max = 1e4
	for _, c := range []plotter.XYs{lat, svc} {
		if len(c) > 0 {
			p.X.Max = math.Max(p.X.Max, c[len(c)-1].X)
		}
	}
	if err := addSeries(p, 0, false, []series{{"latency", lat}, {"service time", svc}}); err != nil {
		return nil, err
	}
	legendRoom(p, 0)
	return &Chart{Name: "percentiles", Title: "Latency by percentile",
		Caption: "The latency distribution on a log \"nines\" axis (x = 1/(1−q)), as HdrHistogram plots it; the curves end where the number of requests runs out.", Plot: p}, nil
}

// hostSeriesLines returns one series per sampled side of every host section, with y taken
// from each sample by value, and the largest step between samples that is not a gap.
func hostSeriesLines(r *results.Result, value func(s collector.Snapshot) float64) ([]series, float64) {
	origin := timeOrigin(r)
	var out []series
	var steps []float64
	for _, lh := range hostSections(r) {
		for _, side := range []struct {
			name   string
			series *results.HostSeries
		}{{"generator", lh.Host.Generator}, {"server", lh.Host.Server}} {
			if side.series == nil || len(side.series.Samples) == 0 {
				continue
			}
			xys := make(plotter.XYs, len(side.series.Samples))
			for i, sm := range side.series.Samples {
				xys[i] = plotter.XY{X: sm.Time.Sub(origin).Seconds(), Y: value(sm)}
				if i > 0 {
					steps = append(steps, xys[i].X-xys[i-1].X)
				}
			}
			label := side.name
			if lh.Label != "" {
				label = lh.Label + " " + side.name
			}
			out = append(out, series{label, xys})
		}
	}
	maxStep := 0.0
	if len(steps) > 0 {
		sort.Float64s(steps)
		maxStep = math.Max(3*steps[len(steps)/2], 2)
	}
	return out, maxStep
}

func cpuChart(r *results.Result) (*Chart, error) {
	lines, maxStep := hostSeriesLines(r, func(s collector.Snapshot) float64 { return busy(s.CPU) })
	if len(lines) == 0 {
		return nil, nil
	}
	p := newPlot("CPU busy over time", "time since start (s)", "CPU busy, user+system+other (%)")
	if err := addSeries(p, maxStep, true, lines); err != nil {
		return nil, err
	}
	legendRoom(p, 130)
	p.Y.Tick.Marker = plot.ConstantTicks([]plot.Tick{{Value: 0, Label: "0"}, {Value: 25}, {Value: 50, Label: "50"}, {Value: 75}, {Value: 100, Label: "100"}})
	return &Chart{Name: "cpu", Title: "CPU busy over time",
		Caption: "Share of CPU time not idle on the load generator and on the server, from the host samples (100 % = every core busy).", Plot: p}, nil
}

func loadChart(r *results.Result) (*Chart, error) {
	lines, maxStep := hostSeriesLines(r, func(s collector.Snapshot) float64 { return s.Load.Load1 })
	if len(lines) == 0 {
		return nil, nil
	}
	p := newPlot("Load average over time", "time since start (s)", "1-minute load average")
	if err := addSeries(p, maxStep, true, lines); err != nil {
		return nil, err
	}
	legendRoom(p, 0)
	return &Chart{Name: "load", Title: "Load average over time",
		Caption: "1-minute load average of the load generator and of the server; compare it with their number of CPUs.", Plot: p}, nil
}
