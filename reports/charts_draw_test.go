package reports

import (
	"fmt"
	"image/color"
	"math"
	"reflect"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/loadtestdev/loadtest/results"
)

func TestNiceTicks(t *testing.T) {
	tests := []struct {
		name     string
		min, max float64
		labels   []string
		minors   int
	}{
		{"five seconds", 0, 5, []string{"0", "1", "2", "3", "4", "5"}, 20},
		{"latency with legend room", 0, 430, []string{"0", "100", "200", "300", "400"}, 17},
		{"requests, steps of 25", 0, 130, []string{"0", "25", "50", "75", "100", "125"}, 21},
		{"load average, steps of 0.25", 0, 1.3, []string{"0.00", "0.25", "0.50", "0.75", "1.00", "1.25"}, 21},
		{"one value, widened", -1, 1, []string{"-1.0", "-0.5", "0.0", "0.5", "1.0"}, 16},
		{"offset range: 2.5 gives five labels, 5 only three", 1003, 1017, []string{"1005.0", "1007.5", "1010.0", "1012.5", "1015.0"}, 24},
		{"empty range", 3, 3, nil, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var labels []string
			minors := 0
			for _, tk := range niceTicks(tt.min, tt.max) {
				if tk.Value < tt.min-1e-9 || tk.Value > tt.max+1e-9 {
					t.Errorf("tick %v outside [%v, %v]", tk.Value, tt.min, tt.max)
				}
				if tk.Label == "" {
					minors++
					continue
				}
				if v, err := strconv.ParseFloat(tk.Label, 64); err != nil || math.Abs(v-tk.Value) > 1e-9 {
					t.Errorf("tick %v labelled %q", tk.Value, tk.Label)
				}
				labels = append(labels, tk.Label)
			}
			if !reflect.DeepEqual(labels, tt.labels) || minors != tt.minors {
				t.Errorf("got labels %q and %d minor ticks, want %q and %d", labels, minors, tt.labels, tt.minors)
			}
		})
	}
}

// svgText is a <text> of a chart's SVG: where its anchor is and what it says.
type svgText struct {
	X, Y float64
	Text string
}

var (
	svgTextRE = regexp.MustCompile(`<text fill="#000" x="([-0-9.]+)" y="([-0-9.]+)" font-size="[0-9.]+"( text-anchor="end")?[^>]*>([^<]*)</text>`)
	svgPathRE = regexp.MustCompile(`<path d="([^"]*)" stroke="(#[0-9a-f]{6})" stroke-width="([0-9.]+)"`)
)

func parseFloat(t *testing.T, s string) float64 {
	t.Helper()
	v, err := strconv.ParseFloat(s, 64)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

// svgTexts returns the texts of an SVG chart by what they say; the y axis' tick labels, the
// only texts that end at their anchor, as "y:" and what they say.
func svgTexts(t *testing.T, svg string) map[string]svgText {
	out := map[string]svgText{}
	for _, m := range svgTextRE.FindAllStringSubmatch(svg, -1) {
		key := m[4]
		if m[3] != "" {
			key = "y:" + key
		}
		out[key] = svgText{parseFloat(t, m[1]), parseFloat(t, m[2]), m[4]}
	}
	return out
}

// svgLines returns the points of the series lines (stroke-width lineWidth) of colour c; the
// legend, drawn last, adds a sample of each.
func svgLines(t *testing.T, svg string, c color.RGBA) [][]point {
	var out [][]point
	for _, m := range svgPathRE.FindAllStringSubmatch(svg, -1) {
		if m[2] != svgColor(c) || m[3] != strconv.FormatFloat(lineWidth, 'f', -1, 64) {
			continue
		}
		var pts []point
		for _, xy := range regexp.MustCompile(`[ML]([-0-9.]+),([-0-9.]+)`).FindAllStringSubmatch(m[1], -1) {
			pts = append(pts, point{parseFloat(t, xy[1]), parseFloat(t, xy[2])})
		}
		out = append(out, pts)
	}
	return out
}

func chartByName(t *testing.T, r *results.Result, name string) Chart {
	t.Helper()
	charts, err := Charts(r)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range charts {
		if c.Name == name {
			return c
		}
	}
	t.Fatalf("no chart %q", name)
	return Chart{}
}

func renderSVG(t *testing.T, c Chart) string {
	t.Helper()
	svg, err := chartSVG(c)
	if err != nil {
		t.Fatal(err)
	}
	return string(svg)
}

// TestLatencyChartSVG reads the latency chart back: title, axis labels, legend, and each
// second's p50 where the axes' own tick labels say it must be.
func TestLatencyChartSVG(t *testing.T) {
	r := fixtureResult(t)
	svg := renderSVG(t, chartByName(t, r, "latency"))
	if !strings.HasPrefix(svg, `<svg role="img" aria-label="Latency over time" class="chart" id="chart-latency" viewBox="0 0 576 288">`) {
		t.Errorf("got opening %.120q", svg)
	}
	texts := svgTexts(t, svg)
	for _, want := range []string{"Latency over time", "time since start (s)", "latency (ms)", "p99", "p90", "p50", "0", "1", "2", "3", "4", "y:0", "y:100", "y:200"} {
		if _, ok := texts[want]; !ok {
			t.Errorf("got no text %q", want)
		}
	}
	// p50 is the third series: the third colour, one unbroken line through every second,
	// and its legend sample.
	lines := svgLines(t, svg, seriesColor(2))
	if len(lines) != 2 || len(lines[0]) != len(r.Timeline) {
		t.Fatalf("got p50 lines %v, want one of %d points and the legend's", lines, len(r.Timeline))
	}
	if l := lines[1]; len(l) != 2 || math.Abs(l[1].X-l[0].X-thumbWidth) > 0.02 || l[0].Y != l[1].Y || l[0].Y <= texts["p90"].Y {
		t.Errorf("got p50 legend sample %v, want a flat line of %v points below p90's", l, thumbWidth)
	}
	x0, x1 := texts["0"].X, texts["1"].X
	// A y tick label's baseline is below its tick by half of ascent − descent: Liberation
	// Sans has 0.905 and 0.212 em, at 10 points 3.465.
	y0, y100 := texts["y:0"].Y-3.465, texts["y:100"].Y-3.465
	for i, s := range r.Timeline {
		want := point{x0 + float64(i)*(x1-x0), y0 + s.P50MS/100*(y100-y0)}
		if got := lines[0][i]; math.Abs(got.X-want.X) > 0.05 || math.Abs(got.Y-want.Y) > 0.05 {
			t.Errorf("second %d (p50 %v ms): got point %+v, want %+v", i, s.P50MS, got, want)
		}
	}
	// Few points: a ring on each of p99's.
	if n := strings.Count(svg, `A2.5,2.5 0 0 1`) / 2; n != len(r.Timeline)+1 {
		t.Errorf("got %d rings, want %d (one a second and one in the legend)", n, len(r.Timeline)+1)
	}
}

// TestPercentileChartSVG checks the nines axis: labels 50%, 90%, 99% ... spaced as the
// logarithm of 1/(1-q), so 90%→99% is 1/log10(5) times 50%→90%.
func TestPercentileChartSVG(t *testing.T) {
	svg := renderSVG(t, chartByName(t, fixtureResult(t), "percentiles"))
	texts := svgTexts(t, svg)
	for _, want := range []string{"Latency by percentile", "percentile", "latency (ms)", "latency", "service time", "50%", "90%", "99%", "99.9%", "99.99%"} {
		if _, ok := texts[want]; !ok {
			t.Errorf("got no text %q", want)
		}
	}
	if _, ok := texts["99.999%"]; ok {
		t.Errorf("got a 99.999%% tick for 500 requests, want the axis to end at 99.99%%")
	}
	x50, x90, x99 := texts["50%"].X, texts["90%"].X, texts["99%"].X
	if got, want := (x99-x90)/(x90-x50), 1/math.Log10(5); math.Abs(got-want) > 0.001 {
		t.Errorf("got spacing ratio %v, want %v", got, want)
	}
	if len(svgLines(t, svg, seriesColor(0))) != 2 || len(svgLines(t, svg, seriesColor(1))) != 2 {
		t.Errorf("want one latency and one service time curve, and their legend samples")
	}
	if strings.Contains(svg, "A2.5") {
		t.Errorf("got marks on a curve of many points")
	}
}

// TestCPUChartSVG checks the fixed ticks of a percentage axis: 0, 25 and 50 fit under the
// legend room of the 49.5 % peak (64.35), 75 and 100 do not.
func TestCPUChartSVG(t *testing.T) {
	texts := svgTexts(t, renderSVG(t, chartByName(t, fixtureResult(t), "cpu")))
	for _, want := range []string{"CPU busy over time", "CPU busy, % of all cores", "host", "generator process", "server process", "0", "y:0", "y:25", "y:50"} {
		if _, ok := texts[want]; !ok {
			t.Errorf("got no text %q", want)
		}
	}
	for _, absent := range []string{"y:75", "y:100"} {
		if _, ok := texts[absent]; ok {
			t.Errorf("got tick %q above the axis' top", absent)
		}
	}
	if got, want := texts["y:25"].Y-texts["y:0"].Y, texts["y:50"].Y-texts["y:25"].Y; math.Abs(got-want) > 0.02 {
		t.Errorf("ticks 0, 25, 50: got steps %v and %v, want equal", got, want)
	}
}

// TestChartOneSecond draws a run of one second: the axes widen around the lone value and
// each series is a mark.
func TestChartOneSecond(t *testing.T) {
	start := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	r := &results.Result{Schema: results.Schema, Started: start,
		Timeline: []results.Second{{Unix: start.Unix(), Requests: 10, P50MS: 1, P90MS: 2, P99MS: 3}}}
	svg := renderSVG(t, chartByName(t, r, "latency"))
	texts := svgTexts(t, svg)
	for _, want := range []string{"-1.0", "0.0", "1.0", "p50"} {
		if _, ok := texts[want]; !ok {
			t.Errorf("got no text %q", want)
		}
	}
	if n := strings.Count(svg, `A2.5,2.5 0 0 1`) / 2; n != 2 {
		t.Errorf("got %d rings, want 2 (the point and the legend)", n)
	}
}

// TestChartPNGPixels draws the latency chart as pixels: white background, black text, and
// each series in its own colour.
func TestChartPNGPixels(t *testing.T) {
	img, err := chartImage(chartByName(t, fixtureResult(t), "latency"))
	if err != nil {
		t.Fatal(err)
	}
	im := img.Image()
	if b := im.Bounds(); b.Dx() != 1200 || b.Dy() != 600 {
		t.Fatalf("got %dx%d, want 1200x600", b.Dx(), b.Dy())
	}
	counts := map[color.RGBA]int{}
	for y := 0; y < 600; y++ {
		for x := 0; x < 1200; x++ {
			r, g, b, a := im.At(x, y).RGBA()
			counts[color.RGBA{uint8(r >> 8), uint8(g >> 8), uint8(b >> 8), uint8(a >> 8)}]++
		}
	}
	if white := counts[color.RGBA{255, 255, 255, 255}]; white < 1200*600*8/10 {
		t.Errorf("got %d white pixels, want most of the 720000", white)
	}
	if black := counts[color.RGBA{0, 0, 0, 255}]; black < 500 {
		t.Errorf("got %d black pixels, want text and axes", black)
	}
	for i := range 3 {
		if n := counts[seriesColor(i)]; n < 300 {
			t.Errorf("series %d: got %d pixels of %v, want a drawn line", i, n, seriesColor(i))
		}
	}
	// The title is centred in the top band.
	left, right := 1200, 0
	for y := 0; y < 30; y++ {
		for x := 0; x < 1200; x++ {
			if r, _, _, _ := im.At(x, y).RGBA(); r < 0x8000 {
				left, right = min(left, x), max(right, x)
			}
		}
	}
	if mid := (left + right) / 2; mid < 590 || mid > 610 {
		t.Errorf("title spans pixels %d to %d, want it centred on 600", left, right)
	}
}

// TestChartsConcurrent draws the same charts from several goroutines: the font is parsed
// once and shared, each drawing has its own faces (run with -race).
func TestChartsConcurrent(t *testing.T) {
	charts, err := Charts(fixtureResult(t))
	if err != nil {
		t.Fatal(err)
	}
	want := renderSVG(t, charts[0])
	errs := make(chan error, 4)
	for range 4 {
		go func() {
			for _, c := range charts {
				svg, err := chartSVG(c)
				if err == nil && c.Name == charts[0].Name && string(svg) != want {
					err = fmt.Errorf("chart %s drawn differently", c.Name)
				}
				if err != nil {
					errs <- err
					return
				}
			}
			errs <- nil
		}()
	}
	for range 4 {
		if err := <-errs; err != nil {
			t.Error(err)
		}
	}
}
