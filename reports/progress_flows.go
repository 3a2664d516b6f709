package reports

import (
	"fmt"
	"io"
	"strconv"
	"time"
)

// WriteIterationProgress writes the flows part of a run's status line, after WriteProgress's
// and without a newline: iterations started so far and their mean rate since the start in
// iterations/s (the unit of a flow run's asked rate; the line's req/s is of requests), how many
// failed and how many starts were dropped (max_sessions busy). A run of plain requests writes
// nothing (all zero).
func WriteIterationProgress(w io.Writer, elapsed time.Duration, iterations, failed, dropped uint64) error {
	if iterations == 0 && dropped == 0 {
		return nil
	}
	rate := ""
	if elapsed > 0 {
		rate = fmt.Sprintf(" (%s iterations/s)", fixed(float64(iterations)/elapsed.Seconds(), 1))
	}
	_, err := fmt.Fprintf(w, "   %s iterations%s   %s failed   %s dropped",
		strconv.FormatUint(iterations, 10), rate, strconv.FormatUint(failed, 10), strconv.FormatUint(dropped, 10))
	return err
}
