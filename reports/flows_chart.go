package reports

import (
	"math"

	"github.com/loadtestdev/loadtest/results"
)

// iterationChart draws the iteration duration of each flow's completed iterations by
// percentile, on the nines axis of the latency percentile chart; nil for a run without flows.
func iterationChart(r *results.Result) (*Chart, error) {
	var lines []series
	maxX := 1e4
	for _, name := range r.FlowNames() {
		xys, err := percentileCurve(r.Flows[name].Histograms.Iteration)
		if err != nil {
			return nil, err
		}
		if len(xys) == 0 {
			continue
		}
		maxX = math.Max(maxX, xys[len(xys)-1].X)
		lines = append(lines, series{Name: name, Points: xys})
	}
	if len(lines) == 0 {
		return nil, nil
	}
	p := newChartPlot("Iteration duration by percentile", "percentile", "iteration duration (ms)")
	p.X.Log, p.X.Ticks = true, nineTicks{}.Ticks
	p.X.Min, p.X.Max = 1, maxX
	addSeries(p, 0, false, lines)
	legendRoom(p, 0)
	return &Chart{Name: "iterations", Title: "Iteration duration by percentile",
		Caption: "Each flow's completed iterations, from the intended start to the end of the last step (think time included), on the same \"nines\" axis as the latency.", plot: p}, nil
}
