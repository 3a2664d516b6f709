package reports

import (
	"fmt"
	"io"
	"os"

	"github.com/loadtestdev/loadtest/capacity"
	"github.com/loadtestdev/loadtest/results"
)

// USLPoints reads the measurements of a USL fit and names where they came from: the result
// files of a sweep (from, USLPointsFrom) or else a CSV of concurrency,throughput rows
// (capacity.ParseUSLCSV) in file, "-" for stdin. Every error is bad input naming the file.
func USLPoints(file string, from []string, stdin io.Reader) (pts []capacity.Point, source string, err error) {
	if len(from) > 0 {
		pts, err := USLPointsFrom(from)
		return pts, fmt.Sprintf("%d result files", len(from)), err
	}
	rd, name := stdin, "stdin"
	if file != "-" {
		f, err := os.Open(file)
		if err != nil {
			return nil, "", fmt.Errorf("%s: %w", file, err)
		}
		defer f.Close()
		rd, name = f, file
	}
	pts, err = capacity.ParseUSLCSV(rd, name)
	return pts, name, err
}

// USLPointsFrom reads the result files of a sweep, one measurement each (USLPointFrom). The
// errors name the file and the flag, --from.
func USLPointsFrom(paths []string) ([]capacity.Point, error) {
	pts := make([]capacity.Point, 0, len(paths))
	for _, path := range paths {
		r, err := results.ReadFile(path)
		if err != nil {
			return nil, fmt.Errorf("--from: %w", err)
		}
		p, err := USLPointFrom(r, path)
		if err != nil {
			return nil, err
		}
		pts = append(pts, p)
	}
	return pts, nil
}

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
