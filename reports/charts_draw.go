package reports

import (
	"fmt"
	"image/color"
	"math"
	"strconv"
	"sync"

	"codeberg.org/go-fonts/liberation/liberationsansregular"
	"golang.org/x/image/font"
	"golang.org/x/image/font/opentype"
	"golang.org/x/image/font/sfnt"
	fx "golang.org/x/image/math/fixed"
)

// The charts are laid out here once, in points (1/72 inch) with y growing downwards, and
// drawn through a painter: SVG text for the HTML report (charts_svg.go), pixels for the
// PNG files (png.go). Only the one font face measures and draws their text, parsed on the
// first chart: a command that draws no chart pays nothing for it.

// Chart size in points (8×4 inches) and the house look, after gonum/plot's defaults.
const (
	chartWidth, chartHeight = 8 * 72.0, 4 * 72.0

	titleSize, labelSize, tickLabelSize, legendSize = 12.0, 12.0, 10.0, 12.0

	titlePad     = 6.0  // below the title
	labelPad     = 5.0  // between an axis label and the tick labels
	tickLength   = 8.0  // a major tick mark; a minor one is half as long
	axisPad      = 5.0  // between the axis line and the data
	axisWidth    = 0.5  // axis lines and tick marks
	gridWidth    = 0.25 // grid lines at the major ticks
	lineWidth    = 1.2  // a series' line
	glyphRadius  = 2.5  // a series' mark on each point
	glyphWidth   = 0.5  // the mark's outline
	thumbWidth   = 20.0 // a legend entry's sample of line and mark
	fontFamily   = "'Liberation Sans',Arial,Helvetica,sans-serif"
	minorPerStep = 5 // minor ticks split a step between major ticks in five
)

var (
	black     = color.RGBA{A: 255}
	gridColor = color.RGBA{R: 128, G: 128, B: 128, A: 255}
)

// chartColors are gonum/plot's plotutil.SoftColors: the series take them in turn.
var chartColors = []color.RGBA{
	{241, 90, 96, 255}, {122, 195, 106, 255}, {90, 155, 212, 255}, {250, 167, 91, 255},
	{158, 103, 171, 255}, {206, 112, 88, 255}, {215, 127, 180, 255},
}

// chartDashes are plotutil.DefaultDashes, in points: solid, long dash, short dash, dots, ...
var chartDashes = [][]float64{{}, {6, 2}, {2, 2}, {1, 1}, {5, 2, 1, 2}, {10, 2, 2, 2, 2, 2, 2, 2}, {10, 2, 2, 2}}

// glyph is a series' mark on each point, after plotutil's shapes.
type glyph int

const (
	glyphRing glyph = iota
	glyphSquare
	glyphTriangle
	glyphCross
	glyphPlus
	numGlyphs
)

func seriesColor(i int) color.RGBA { return chartColors[i%len(chartColors)] }
func seriesDashes(i int) []float64 { return chartDashes[i%len(chartDashes)] }

// point is a point of a series, in data units.
type point struct{ X, Y float64 }

// tick is a mark on an axis; a tick with no label is a minor one.
type tick struct {
	Value float64
	Label string
}

// ticker picks the ticks of an axis showing min to max.
type ticker func(min, max float64) []tick

// axis is the range, scale and ticks of one axis. Min and Max are NaN until set or grown
// by the data.
type axis struct {
	Label    string
	Min, Max float64
	Log      bool
	Ticks    ticker // niceTicks when nil
}

// grow widens the axis to take in v.
func (a *axis) grow(v float64) {
	if math.IsNaN(a.Min) || v < a.Min {
		a.Min = v
	}
	if math.IsNaN(a.Max) || v > a.Max {
		a.Max = v
	}
}

// sanitize gives the axis a usable range: [0, 1] when nothing set it, one unit either side
// of a single value.
func (a *axis) sanitize() {
	if math.IsNaN(a.Min) {
		a.Min = 0
	}
	if math.IsNaN(a.Max) {
		a.Max = a.Min + 1
	}
	if a.Min == a.Max {
		a.Min, a.Max = a.Min-1, a.Max+1
		if a.Log {
			a.Min, a.Max = a.Min/10+1, a.Max*10
		}
	}
}

// norm maps v to [0, 1] along the axis.
func (a *axis) norm(v float64) float64 {
	if a.Log {
		return (math.Log10(v) - math.Log10(a.Min)) / (math.Log10(a.Max) - math.Log10(a.Min))
	}
	return (v - a.Min) / (a.Max - a.Min)
}

func (a *axis) ticks() []tick {
	if a.Ticks != nil {
		return a.Ticks(a.Min, a.Max)
	}
	return niceTicks(a.Min, a.Max)
}

// line is one drawn run of a series: the points between two gaps.
type line struct {
	Points []point
	Color  color.RGBA
	Dashes []float64
	Glyph  glyph
	Glyphs bool
}

// legendEntry names a series with a sample of its line and mark.
type legendEntry struct {
	Name  string
	Style line
}

// chartPlot is what a chart draws: title, axes, lines and legend.
type chartPlot struct {
	Title  string
	X, Y   axis
	Lines  []line
	Legend []legendEntry
}

func newChartPlot(title, x, y string) *chartPlot {
	return &chartPlot{Title: title, X: axis{Label: x, Min: math.NaN(), Max: math.NaN()},
		Y: axis{Label: y, Min: 0, Max: math.NaN()}}
}

// add draws l and grows the axes to hold its points.
func (p *chartPlot) add(l line) {
	for _, pt := range l.Points {
		p.X.grow(pt.X)
		p.Y.grow(pt.Y)
	}
	p.Lines = append(p.Lines, l)
}

// painter draws on a chart's canvas, in points with y growing downwards.
type painter interface {
	// path strokes the polyline through pts (closed: back to the first point), dashed
	// when dashes is not empty.
	path(pts []point, closed bool, c color.RGBA, width float64, dashes []float64)
	// circle strokes a circle.
	circle(center point, r float64, c color.RGBA, width float64)
	// text writes s with its baseline through at: starting there (align 0), centred on it
	// (0.5) or ending there (1); vertical turns it a quarter anticlockwise about at.
	text(at point, s string, size, align float64, vertical bool)
}

// chartFont is the one font the charts use, parsed on first use.
var chartFont = sync.OnceValues(func() (*sfnt.Font, error) {
	f, err := opentype.Parse(liberationsansregular.TTF)
	if err != nil {
		return nil, fmt.Errorf("reports: chart font: %w", err)
	}
	return f, nil
})

// fontMetrics measures text in the chart font at a size in points, for one chart (a Face
// is not safe for concurrent use; the parsed font is).
type fontMetrics struct {
	font  *sfnt.Font
	buf   sfnt.Buffer
	faces map[float64]font.Face
}

// width is the advance of s at size points, kerning included.
func (m *fontMetrics) width(s string, size float64) float64 {
	face, ok := m.faces[size]
	if !ok {
		var err error
		face, err = opentype.NewFace(m.font, &opentype.FaceOptions{Size: size, DPI: 72, Hinting: font.HintingNone})
		if err != nil {
			return size * 0.5 * float64(len(s)) // only for an absurd size; a rough average advance
		}
		m.faces[size] = face
	}
	return fixedToFloat(font.MeasureString(face, s))
}

// extents are the ascent and descent of the font at size points.
func (m *fontMetrics) extents(size float64) (ascent, descent float64) {
	met, err := m.font.Metrics(&m.buf, fx.Int26_6(size*64), font.HintingNone)
	if err != nil {
		return size * 0.905, size * 0.212 // Liberation Sans' own figures
	}
	return fixedToFloat(met.Ascent), fixedToFloat(met.Descent)
}

func fixedToFloat(v fx.Int26_6) float64 { return float64(v) / 64 }

// draw lays the plot out on a chartWidth × chartHeight canvas and paints it.
func (p *chartPlot) draw(pt painter) error {
	f, err := chartFont()
	if err != nil {
		return err
	}
	m := &fontMetrics{font: f, faces: map[float64]font.Face{}}
	xa, ya := p.X, p.Y
	xa.sanitize()
	ya.sanitize()
	xticks, yticks := inRange(xa.ticks(), xa.Min, xa.Max), inRange(ya.ticks(), ya.Min, ya.Max)

	// The title at the top, centred.
	top := 0.0
	if p.Title != "" {
		asc, desc := m.extents(titleSize)
		pt.text(point{chartWidth / 2, asc}, p.Title, titleSize, 0.5, false)
		top = asc + desc + titlePad
	}
	// The x axis from the bottom up: label, tick labels, ticks, the line, the padding.
	labAsc, labDesc := m.extents(labelSize)
	tickAsc, tickDesc := m.extents(tickLabelSize)
	bottom := chartHeight
	xLabelBase := bottom - labDesc
	bottom -= labAsc + labDesc + labelPad
	xTickBase := bottom - tickDesc
	if hasLabels(xticks) {
		bottom -= tickAsc + tickDesc
	}
	bottom -= tickLength
	xAxisY := bottom - axisWidth/2
	bottom -= axisWidth + axisPad
	// The y axis from the left: label (turned), tick labels and a space, ticks, line, padding.
	left := labAsc + labDesc + labelPad
	yTickRight := left
	if w := maxLabelWidth(m, yticks); w > 0 {
		yTickRight = left + w
		left += w + m.width(" ", tickLabelSize)
	}
	left += tickLength
	yAxisX := left + axisWidth/2
	left += axisWidth + axisPad
	// Room on the right for half the last x tick label, which is centred on its tick.
	right := chartWidth - 1
	if l := lastLabel(xticks); l != "" {
		right = min(right, chartWidth-m.width(l, tickLabelSize)/2)
	}
	if top >= bottom || left >= right {
		return fmt.Errorf("reports: chart %q: no room left to draw the data", p.Title)
	}
	px := func(v float64) float64 { return left + xa.norm(v)*(right-left) }
	py := func(v float64) float64 { return bottom - ya.norm(v)*(bottom-top) }

	// Grid at the major ticks, then the data.
	for _, t := range xticks {
		if t.Label != "" {
			pt.path([]point{{px(t.Value), top}, {px(t.Value), bottom}}, false, gridColor, gridWidth, nil)
		}
	}
	for _, t := range yticks {
		if t.Label != "" {
			pt.path([]point{{left, py(t.Value)}, {right, py(t.Value)}}, false, gridColor, gridWidth, nil)
		}
	}
	for _, l := range p.Lines {
		pts := make([]point, len(l.Points))
		for i, d := range l.Points {
			pts[i] = point{px(d.X), py(d.Y)}
		}
		drawLine(pt, pts, l, false)
	}

	// The axes: labels, tick labels, ticks and lines.
	pt.text(point{(left + right) / 2, xLabelBase}, xa.Label, labelSize, 0.5, false)
	for _, t := range xticks {
		x := px(t.Value)
		length := tickLength
		if t.Label != "" {
			pt.text(point{x, xTickBase}, t.Label, tickLabelSize, 0.5, false)
		} else {
			length /= 2
		}
		pt.path([]point{{x, xAxisY}, {x, xAxisY + length}}, false, black, axisWidth, nil)
	}
	pt.path([]point{{left, xAxisY}, {right, xAxisY}}, false, black, axisWidth, nil)
	pt.text(point{labAsc, (top + bottom) / 2}, ya.Label, labelSize, 0.5, true)
	for _, t := range yticks {
		y := py(t.Value)
		length := tickLength
		if t.Label != "" {
			pt.text(point{yTickRight, y + (tickAsc-tickDesc)/2}, t.Label, tickLabelSize, 1, false)
		} else {
			length /= 2
		}
		pt.path([]point{{yAxisX - length, y}, {yAxisX, y}}, false, black, axisWidth, nil)
	}
	pt.path([]point{{yAxisX, top}, {yAxisX, bottom}}, false, black, axisWidth, nil)

	// The legend in the top left corner of the data area, one entry every ascent (the
	// ascent holds the accents of capitals: lines of lower-case labels need no more).
	legAsc, legDesc := m.extents(legendSize)
	space := m.width(" ", legendSize)
	y := top
	for _, e := range p.Legend {
		mid := y + (legAsc-legDesc)/2
		drawLine(pt, []point{{left, mid}, {left + thumbWidth, mid}}, e.Style, true)
		pt.text(point{left + thumbWidth + space, y + legAsc - legDesc/2}, e.Name, legendSize, 0, false)
		y += legAsc
	}
	return nil
}

// drawLine strokes a series' line through pts and, when it has marks, puts one on each
// point; a legend sample (two points) gets one mark, in its middle.
func drawLine(pt painter, pts []point, l line, legend bool) {
	if len(pts) > 1 {
		pt.path(pts, false, l.Color, lineWidth, l.Dashes)
	}
	if !l.Glyphs && len(pts) > 1 {
		return // a lone point between gaps keeps its mark, or it would not show at all
	}
	marks := pts
	if legend {
		marks = []point{{(pts[0].X + pts[1].X) / 2, pts[0].Y}}
	}
	for _, c := range marks {
		drawGlyph(pt, l.Glyph, c, l.Color)
	}
}

// drawGlyph draws a mark of glyphRadius at c, as gonum/plot's draw.*Glyph do.
func drawGlyph(pt painter, g glyph, c point, col color.RGBA) {
	r := glyphRadius
	switch g % numGlyphs {
	case glyphRing:
		pt.circle(c, r, col, glyphWidth)
	case glyphSquare:
		x := (r-r*math.Cos(math.Pi/4))/2 + r*math.Cos(math.Pi/4)
		pt.path([]point{{c.X - x, c.Y - x}, {c.X + x, c.Y - x}, {c.X + x, c.Y + x}, {c.X - x, c.Y + x}}, true, col, glyphWidth, nil)
	case glyphTriangle:
		r += (r - r*math.Sin(math.Pi/6)) / 2
		cs, sn := r*math.Cos(math.Pi/6), r*math.Sin(math.Pi/6)
		pt.path([]point{{c.X, c.Y - r}, {c.X - cs, c.Y + sn}, {c.X + cs, c.Y + sn}}, true, col, glyphWidth, nil)
	case glyphCross:
		d := r * math.Cos(math.Pi/4)
		pt.path([]point{{c.X - d, c.Y - d}, {c.X + d, c.Y + d}}, false, col, glyphWidth, nil)
		pt.path([]point{{c.X - d, c.Y + d}, {c.X + d, c.Y - d}}, false, col, glyphWidth, nil)
	case glyphPlus:
		pt.path([]point{{c.X, c.Y - r}, {c.X, c.Y + r}}, false, col, glyphWidth, nil)
		pt.path([]point{{c.X - r, c.Y}, {c.X + r, c.Y}}, false, col, glyphWidth, nil)
	}
}

// inRange keeps the ticks between min and max (with a little slack for rounding).
func inRange(ticks []tick, min, max float64) []tick {
	slack := (max - min) * 1e-9
	var out []tick
	for _, t := range ticks {
		if t.Value >= min-slack && t.Value <= max+slack {
			out = append(out, t)
		}
	}
	return out
}

func hasLabels(ticks []tick) bool { return lastLabel(ticks) != "" }

func lastLabel(ticks []tick) string {
	for i := len(ticks) - 1; i >= 0; i-- {
		if ticks[i].Label != "" {
			return ticks[i].Label
		}
	}
	return ""
}

func maxLabelWidth(m *fontMetrics, ticks []tick) float64 {
	w := 0.0
	for _, t := range ticks {
		if t.Label != "" {
			w = max(w, m.width(t.Label, tickLabelSize))
		}
	}
	return w
}

// niceTicks are major ticks at the smallest round step (1, 2, 2.5 or 5 times a power of ten)
// that gives at most six labels over [min, max], with four minor ticks between two labels.
func niceTicks(lo, hi float64) []tick {
	if !(hi > lo) || math.IsInf(hi-lo, 0) {
		return nil
	}
	var step float64
	decimals := 0
	for mag := math.Pow(10, math.Floor(math.Log10(hi-lo))-1); step == 0; mag *= 10 {
		for _, f := range []float64{1, 2, 2.5, 5} {
			if s := f * mag; math.Floor(hi/s+1e-9)-math.Ceil(lo/s-1e-9)+1 <= 6 {
				step = s
				decimals = -int(math.Round(math.Log10(mag)))
				if f == 2.5 {
					decimals++
				}
				decimals = max(decimals, 0)
				break
			}
		}
	}
	var out []tick
	minor := step / minorPerStep
	for k := math.Ceil(lo/minor - 1e-9); k*minor <= hi+minor*1e-9; k++ {
		v := k * minor
		if v == 0 {
			v = 0 // never "-0"
		}
		t := tick{Value: v}
		if math.Mod(math.Abs(k), minorPerStep) == 0 {
			t.Label = strconv.FormatFloat(v, 'f', decimals, 64)
		}
		out = append(out, t)
	}
	return out
}
