package reports

import (
	"fmt"

	"github.com/loadtestdev/loadtest/capacity"
	"github.com/loadtestdev/loadtest/results"
)

// USLPointFrom is the measurement one step of a closed-model concurrency sweep gives a USL
// fit: the run's connections as the concurrency and its successful throughput. A run without
// a connection count (open model, a fixed rate) or without successes gives none; the error
// names path.
func USLPointFrom(r *results.Result, path string) (capacity.Point, error) {
	if r.Connections <= 0 {
		return capacity.Point{}, fmt.Errorf("--from %s: the run has no connection count (an open-model run at a fixed rate); a USL fit needs closed-model runs at fixed --connections", path)
	}
	if !(r.Throughput > 0) {
		return capacity.Point{}, fmt.Errorf("--from %s: the run has no successful throughput", path)
	}
	return capacity.Point{Concurrency: float64(r.Connections), Throughput: r.Throughput}, nil
}
