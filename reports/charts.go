package reports

import (
	"fmt"
	"math"
	"sort"
	"strconv"
	"time"

	"github.com/loadtestdev/loadtest/results"
)

// Chart is one chart of the HTML and PNG reports.
type Chart struct {
	// Name is a short file-safe name ("latency", "percentiles", ...): the PNG file's base name.
	Name  string
	Title string
	// Caption says in one sentence what the chart shows, for people reading the HTML report.
	Caption string
	plot    *chartPlot
}

// Charts builds the charts of a result: latency over time, requests and errors per second
// (when it has a timeline), the latency percentile distribution (when it has a histogram),
// and CPU and load average over time for the generator and the server (when sampled).
func Charts(r *results.Result) ([]Chart, error) {
	var charts []Chart
	builders := []func(*results.Result) (*Chart, error){latencyChart, requestsChart, percentileChart, iterationChart, cpuChart, loadChart}
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

// legendRoom raises the y axis above the highest value so that the legend, drawn in the top
// left corner, does not cover the lines; ceiling caps it for bounded series (percentages).
func legendRoom(p *chartPlot, ceiling float64) {
	if math.IsNaN(p.Y.Max) {
		p.Y.Max = 0
	}
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
	var p50, p90, p99 []point
	for _, s := range r.Timeline {
		if s.Requests == 0 {
			continue
		}
		x := secondsSince(origin, s.Unix)
		p50 = append(p50, point{X: x, Y: s.P50MS})
		p90 = append(p90, point{X: x, Y: s.P90MS})
		p99 = append(p99, point{X: x, Y: s.P99MS})
	}
	if len(p50) == 0 {
		return nil, nil
	}
	p := newChartPlot("Latency over time", "time since start (s)", "latency (ms)")
	addSeries(p, 1.5, true, []series{{Name: "p99", Points: p99}, {Name: "p90", Points: p90}, {Name: "p50", Points: p50}})
	legendRoom(p, 0)
	return &Chart{Name: "latency", Title: "Latency over time",
		Caption: "p50, p90 and p99 latency of each second (corrected for coordinated omission), in milliseconds; seconds without requests leave a gap.", plot: p}, nil
}

func requestsChart(r *results.Result) (*Chart, error) {
	if len(r.Timeline) == 0 {
		return nil, nil
	}
	origin := timeOrigin(r)
	reqs, errs := make([]point, len(r.Timeline)), make([]point, len(r.Timeline))
	for i, s := range r.Timeline {
		x := secondsSince(origin, s.Unix)
		reqs[i] = point{X: x, Y: float64(s.Requests)}
		errs[i] = point{X: x, Y: float64(s.Errors)}
	}
	p := newChartPlot("Requests and errors per second", "time since start (s)", "per second")
	addSeries(p, 1.5, true, []series{{Name: "requests", Points: reqs}, {Name: "errors", Points: errs}})
	legendRoom(p, 0)
	return &Chart{Name: "requests", Title: "Requests and errors per second",
		Caption: "Requests sent and requests that failed in each second of the run; a gap is a stretch with no timeline (between merged runs).", plot: p}, nil
}

// series is one named line of a chart.
type series struct {
	Name   string
	Points []point
	// Style, when set, picks the colour and dashes from the house palettes (chartColors,
	// chartDashes); otherwise the series' position in the chart picks both.
	Style *lineStyle
}

// lineStyle is a colour and a dash pattern, as indices into the house palettes.
type lineStyle struct{ Color, Dashes int }

// maxGlyphs is the most points a series may have and still get a glyph on each.
const maxGlyphs = 60

// addSeries adds lines with the house colours and dashes, and with glyphs a mark on each
// point when there are few. A line is broken where consecutive x values are more than maxStep apart
// (missing data), or never when maxStep is 0.
func addSeries(p *chartPlot, maxStep float64, glyphs bool, ss []series) {
	for i, s := range ss {
		style := lineStyle{Color: i, Dashes: i}
		if s.Style != nil {
			style = *s.Style
		}
		l := line{Color: seriesColor(style.Color), Dashes: seriesDashes(style.Dashes), Glyph: glyph(i % int(numGlyphs)),
			Glyphs: glyphs && len(s.Points) <= maxGlyphs}
		for _, seg := range splitGaps(s.Points, maxStep) {
			l.Points = seg
			p.add(l)
		}
		if len(s.Points) > 0 {
			l.Points = nil
			p.Legend = append(p.Legend, legendEntry{Name: s.Name, Style: l})
		}
	}
}

// splitGaps cuts xys (sorted by x) where consecutive points are more than maxStep apart.
func splitGaps(xys []point, maxStep float64) [][]point {
	if len(xys) == 0 {
		return nil
	}
	if maxStep <= 0 {
		return [][]point{xys}
	}
	var out [][]point
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

// Ticks returns the labelled ticks between min and max.
func (nineTicks) Ticks(min, max float64) []tick {
	var ticks []tick
	for _, x := range []float64{2, 10, 100, 1e3, 1e4, 1e5, 1e6, 1e7} {
		if x < min*0.999 || x > max*1.001 {
			continue
		}
		ticks = append(ticks, tick{Value: x, Label: nineLabel(x)})
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
func percentileCurve(enc string) ([]point, error) {
	h, err := results.DecodeHistogram(enc)
	if err != nil {
		return nil, err
	}
	n := float64(h.TotalCount())
	if n == 0 {
		return nil, nil
	}
	var xys []point
	for k := 0; ; k++ {
		x := math.Pow(10, float64(k)/20)
		if x > n || x > 1e7 {
			break
		}
		q := 100 * (1 - 1/x)
		xys = append(xys, point{X: x, Y: float64(h.ValueAtQuantile(q)) / 1000})
	}
	last := math.Max(n, 1.0001)
	xys = append(xys, point{X: math.Min(last, 1e7), Y: float64(h.Max()) / 1000})
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
	p := newChartPlot("Latency by percentile", "percentile", "latency (ms)")
	p.X.Log, p.X.Ticks = true, nineTicks{}.Ticks
	p.X.Min = 1
	p.X.Max = 1e4
	for _, c := range [][]point{lat, svc} {
		if len(c) > 0 {
			p.X.Max = math.Max(p.X.Max, c[len(c)-1].X)
		}
	}
	addSeries(p, 0, false, []series{{Name: "latency", Points: lat}, {Name: "service time", Points: svc}})
	legendRoom(p, 0)
	return &Chart{Name: "percentiles", Title: "Latency by percentile",
		Caption: "The latency distribution on a log \"nines\" axis (x = 1/(1−q)), as HdrHistogram plots it; the curves end where the number of requests runs out.", plot: p}, nil
}

// hostSide is one sampled side of a host section: "generator" or "server", which is also the
// role of its own process in the samples.
type hostSide struct {
	Name   string
	Series *results.HostSeries
}

// sampledSides returns the sides of a host section that have samples.
func sampledSides(h *results.Host) []hostSide {
	var out []hostSide
	for _, side := range []hostSide{{"generator", h.Generator}, {"server", h.Server}} {
		if side.Series != nil && len(side.Series.Samples) > 0 {
			out = append(out, side)
		}
	}
	return out
}

// hostLines returns the lines of a host chart for every host section: the host's figure from
// each sample by hostValue, drawn once and named "host" when the server ran on the generator's
// host (both sides then sampled the same machine), else once per side ("generator host",
// "server host"); then, when procValue is not nil, each side's own process ("generator process",
// "server process"). It also returns the largest step between samples that is not a gap.
func hostLines(r *results.Result, hostValue func(results.Snapshot) float64, procValue func(procPoint) (float64, bool)) ([]series, float64) {
	origin := timeOrigin(r)
	x := func(sm results.Snapshot) float64 { return sm.Time.Sub(origin).Seconds() }
	var out []series
	sections := hostSections(r)
	for _, lh := range sections {
		prefix := ""
		if lh.Label != "" {
			prefix = lh.Label + " "
		}
		sides := sampledSides(lh.Host)
		hosts := sides
		if len(sides) == 2 && lh.Host.Server.SameHost {
			hosts = sides[:1]
		}
		// On two hosts, each side keeps one colour: solid for its host, dashed for its process.
		paired := len(sections) == 1 && len(hosts) == 2
		for _, side := range hosts {
			xys := make([]point, len(side.Series.Samples))
			for i, sm := range side.Series.Samples {
				xys[i] = point{X: x(sm), Y: hostValue(sm)}
			}
			name := side.Name + " host"
			if len(hosts) < len(sides) {
				name = "host"
			}
			out = append(out, series{Name: prefix + name, Points: xys, Style: sideStyle(paired, side.Name, false)})
		}
		if procValue == nil {
			continue
		}
		for _, side := range sides {
			var xys []point
			for _, sm := range side.Series.Samples {
				if pt, ok := sideProcess(sm, side.Name); ok {
					if y, ok := procValue(pt); ok {
						xys = append(xys, point{X: x(sm), Y: y})
					}
				}
			}
			if len(xys) > 0 {
				out = append(out, series{Name: prefix + side.Name + " process", Points: xys, Style: sideStyle(paired, side.Name, true)})
			}
		}
	}
	return out, gapStep(out)
}

// sideStyle is the line style of a side's host or process line when both sides have a host
// line of their own (paired is true): the generator's colour, or the server's, solid for
// the host and dashed for the process. Otherwise nil: the position in the chart decides.
func sideStyle(paired bool, side string, process bool) *lineStyle {
	if !paired {
		return nil
	}
	st := lineStyle{Color: 0}
	if side == "server" {
		st.Color = 1
	}
	if process {
		st.Dashes = 1
	}
	return &st
}

// gapStep is the step between consecutive x values beyond which a line is broken: three times
// the median step of the lines, at least 2 (0 when no line has two points).
func gapStep(lines []series) float64 {
	var steps []float64
	for _, l := range lines {
		for i := 1; i < len(l.Points); i++ {
			steps = append(steps, l.Points[i].X-l.Points[i-1].X)
		}
	}
	if len(steps) == 0 {
		return 0
	}
	sort.Float64s(steps)
	return math.Max(3*steps[len(steps)/2], 2)
}

// processShareOfCores is a process's CPU as a percentage of all its host's cores (100 = every
// core busy), comparable with the host's busy share; ok is false when the core count is unknown.
func processShareOfCores(p procPoint) (float64, bool) {
	if p.Cores <= 0 {
		return 0, false
	}
	return p.CPUPercent / float64(p.Cores), true
}

// cpuLines are the lines of the CPU chart: host busy, and each side's process as a share of
// its host's cores.
func cpuLines(r *results.Result) ([]series, float64) {
	return hostLines(r, func(s results.Snapshot) float64 { return busy(s.CPU) }, processShareOfCores)
}

func cpuChart(r *results.Result) (*Chart, error) {
	lines, maxStep := cpuLines(r)
	if len(lines) == 0 {
		return nil, nil
	}
	p := newChartPlot("CPU busy over time", "time since start (s)", "CPU busy, % of all cores")
	addSeries(p, maxStep, true, lines)
	legendRoom(p, 130)
	p.Y.Ticks = func(float64, float64) []tick {
		return []tick{{Value: 0, Label: "0"}, {Value: 25, Label: "25"}, {Value: 50, Label: "50"}, {Value: 75, Label: "75"}, {Value: 100, Label: "100"}}
	}
	return &Chart{Name: "cpu", Title: "CPU busy over time",
		Caption: "Share of the host's CPU time not idle (user+system+other), and the CPU of the loadtest process (generator) and of the server process " +
			"as a share of their host's cores, from the host samples (100 % = every core busy). When both run on one host, its line is drawn once, as \"host\".", plot: p}, nil
}

func loadChart(r *results.Result) (*Chart, error) {
	lines, maxStep := hostLines(r, func(s results.Snapshot) float64 { return s.Load.Load1 }, nil)
	if len(lines) == 0 {
		return nil, nil
	}
	p := newChartPlot("Load average over time", "time since start (s)", "1-minute load average")
	addSeries(p, maxStep, true, lines)
	legendRoom(p, 0)
	return &Chart{Name: "load", Title: "Load average over time",
		Caption: "1-minute load average of the load generator's host and of the server's (drawn once, as \"host\", when they are the same machine); compare it with their number of CPUs.", plot: p}, nil
}
