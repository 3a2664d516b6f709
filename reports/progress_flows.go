package reports

import (
	"fmt"
	"io"
	"strconv"
)

// WriteIterationProgress writes the flows part of a run's status line, after WriteProgress's
// and without a newline: iterations started so far, how many failed and how many starts were
// dropped (max_sessions busy). A run of plain requests writes nothing (all zero).
func WriteIterationProgress(w io.Writer, iterations, failed, dropped uint64) error {
	if iterations == 0 && dropped == 0 {
		return nil
	}
	_, err := fmt.Fprintf(w, "   %s iterations   %s failed   %s dropped",
		strconv.FormatUint(iterations, 10), strconv.FormatUint(failed, 10), strconv.FormatUint(dropped, 10))
	return err
}
