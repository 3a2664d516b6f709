package reports

import (
	"fmt"
	"math"
	"strings"

	"github.com/loadtestdev/loadtest/capacity"
)

// uslChart draws measured throughput ('o'), the fitted curve ('.') and predictions ('*')
// against concurrency as ASCII art of width × height plot cells.
func uslChart(fit *capacity.USLFit, at []float64, width, height int) string {
	xMax, yMax := 1.0, 0.0
	for _, p := range fit.Points {
		xMax, yMax = math.Max(xMax, p.Concurrency), math.Max(yMax, p.Throughput)
	}
	for _, n := range at {
		xMax = math.Max(xMax, n)
	}
	col := func(n float64) int { return int(math.Round((n - 1) / (xMax - 1) * float64(width-1))) }
	colN := func(c int) float64 { return 1 + float64(c)*(xMax-1)/float64(width-1) }
	for c := range width {
		yMax = math.Max(yMax, fit.Throughput(colN(c)))
	}
	for _, n := range at {
		yMax = math.Max(yMax, fit.Throughput(n))
	}
	if xMax == 1 || !(yMax > 0) {
		return "(nothing to chart)\n"
	}
	yMax *= 1.05
	grid := make([][]byte, height)
	for r := range grid {
		grid[r] = []byte(strings.Repeat(" ", width))
	}
	put := func(n, x float64, mark byte) {
		c, r := col(n), int(math.Round(x/yMax*float64(height-1)))
		if c >= 0 && c < width && r >= 0 && r < height {
			grid[height-1-r][c] = mark
		}
	}
	for c := range width {
		put(colN(c), fit.Throughput(colN(c)), '.')
	}
	for _, p := range fit.Points {
		put(p.Concurrency, p.Throughput, 'o')
	}
	for _, n := range at {
		put(n, fit.Throughput(n), '*')
	}
	var b strings.Builder
	const labelWidth = 10
	for r, line := range grid {
		label := ""
		if level := height - 1 - r; level%5 == 0 || r == 0 {
			label = formatGrouped(yMax*float64(level)/float64(height-1), 0)
		}
		fmt.Fprintf(&b, "%*s |%s\n", labelWidth, label, line)
	}
	fmt.Fprintf(&b, "%*s +%s\n", labelWidth, "", strings.Repeat("-", width))
	left, mid, right := "1", formatNumber(math.Round(colN(width/2))), formatNumber(xMax)
	gap1 := width/2 - len(left) - len(mid)/2
	gap2 := width - width/2 - (len(mid) - len(mid)/2) - len(right)
	fmt.Fprintf(&b, "%*s  %s%s%s%s%s\n", labelWidth, "", left, strings.Repeat(" ", max(gap1, 1)), mid, strings.Repeat(" ", max(gap2, 1)), right)
	fmt.Fprintf(&b, "%*s  concurrency N; throughput in req/s: o measured, . USL fit, * predicted\n", labelWidth, "")
	return b.String()
}
