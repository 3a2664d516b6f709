package reports

import (
	"fmt"
	"io"
	"strconv"
	"time"

	"github.com/loadtestdev/loadtest/engine"
	"github.com/loadtestdev/loadtest/results"
)

// The live lines a run and a probe print on stderr while they go on. Terminal control (the
// carriage return and clearing of a redrawn line) is StatusLine's.

// WriteProgress writes the status line of a run in progress, without a newline: elapsed /
// total, the last interval's request rate and p99, the requests and the errors so far, and for a
// run of flows its iterations (WriteIterationProgress).
func WriteProgress(w io.Writer, pr engine.Progress) error {
	total := "∞"
	if pr.Duration > 0 {
		total = pr.Duration.Round(time.Second).String()
	}
	shard := ""
	if pr.Shard.Sharded() {
		shard = fmt.Sprintf("shard %d/%d ", pr.Shard.Index, pr.Shard.Count)
	}
	_, err := fmt.Fprintf(w, "  %s%s / %s   %s req/s   p99 %s ms   %s requests   %s errors",
		shard, pr.Elapsed.Round(time.Second), total, fixed(pr.RatePerSec, 0), fixed(pr.P99MS, 2),
		strconv.FormatUint(pr.Requests, 10), strconv.FormatUint(pr.Errors, 10))
	if err != nil {
		return err
	}
	return WriteIterationProgress(w, pr.Elapsed, pr.Iterations, pr.IterationsFailed, pr.DroppedIterations)
}

// WriteProbeStepStart writes the line of a probe step that starts: its number, rate and length.
func WriteProbeStepStart(w io.Writer, n int, rate float64, d time.Duration) error {
	_, err := fmt.Fprintf(w, "step %d: %s for %s\n", n, formatRate(rate), d)
	return err
}

// WriteProbeStep writes the line of a probe step that ended, with the figures and formats of
// the probe table (WriteProbe): rate asked and achieved, p99, errors and the verdict.
func WriteProbeStep(w io.Writer, n int, s results.ProbeStep) error {
	verdict := "pass"
	if !s.Passed {
		verdict = "FAIL: " + s.Breached
	}
	_, err := fmt.Fprintf(w, "step %d: %s asked, %s achieved, p99 %s, errors %s: %s\n",
		n, formatRate(s.RateAsked), formatRate(s.Rate), formatMS(s.P99MS), formatPercent(s.ErrorRatio), verdict)
	return err
}

// ProbeLines print a probe's steps as they start (WriteProbeStepStart) and end
// (WriteProbeStep) on W; with W nil (--quiet) they print nothing.
type ProbeLines struct {
	W            io.Writer
	StepDuration time.Duration
}

// StepStart prints the line of step n starting at rate.
func (p ProbeLines) StepStart(n int, rate float64) {
	if p.W != nil {
		WriteProbeStepStart(p.W, n, rate, p.StepDuration)
	}
}

// StepEnd prints the line of step n that ended.
func (p ProbeLines) StepEnd(n int, s results.ProbeStep) {
	if p.W != nil {
		WriteProbeStep(p.W, n, s)
	}
}
