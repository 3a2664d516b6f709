package reports

import (
	"encoding/csv"
	"fmt"
	"io"
	"strconv"
	"time"

	"github.com/loadtestdev/loadtest/results"
)

// csvHeader names the timeline columns; latencies are in milliseconds.
var csvHeader = []string{"unix_s", "time_utc", "requests", "successes", "errors", "error_ratio", "p50_ms", "p90_ms", "p99_ms", "max_ms"}

// csvFlowHeader names the columns a run with flows adds: iterations started and starts dropped.
var csvFlowHeader = []string{"iterations", "dropped_iterations"}

// CSV writes the timeline, one row a second with a header row; a run with flows has two more
// columns, the iterations started and dropped each second (its steps are in the other formats'
// per-request tables).
func CSV(w io.Writer, r *results.Result) error {
	cw := csv.NewWriter(w)
	flows := r.HasFlows()
	header := csvHeader
	if flows {
		header = append(append([]string(nil), csvHeader...), csvFlowHeader...)
	}
	if err := cw.Write(header); err != nil {
		return fmt.Errorf("reports: csv: %w", err)
	}
	f := func(v float64) string { return strconv.FormatFloat(v, 'f', 3, 64) }
	for _, s := range r.Timeline {
		row := []string{
			strconv.FormatInt(s.Unix, 10),
			time.Unix(s.Unix, 0).UTC().Format(time.RFC3339),
			strconv.FormatUint(s.Requests, 10),
			strconv.FormatUint(s.Successes, 10),
			strconv.FormatUint(s.Errors, 10),
			strconv.FormatFloat(share(s.Errors, s.Requests), 'f', 4, 64),
			f(s.P50MS), f(s.P90MS), f(s.P99MS), f(s.MaxMS),
		}
		if flows {
			row = append(row, strconv.FormatUint(s.Iterations, 10), strconv.FormatUint(s.DroppedIterations, 10))
		}
		if err := cw.Write(row); err != nil {
			return fmt.Errorf("reports: csv: %w", err)
		}
	}
	cw.Flush()
	if err := cw.Error(); err != nil {
		return fmt.Errorf("reports: csv: %w", err)
	}
	return nil
}
