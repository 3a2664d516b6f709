package reports

import (
	"fmt"
	"io"
	"strings"
	"unicode"

	hdrhistogram "github.com/HdrHistogram/hdrhistogram-go"

	"github.com/loadtestdev/loadtest/results"
)

// HlogServiceTimeTag tags the service-time interval of a whole-run hlog; latency intervals are
// untagged so that HdrHistogram's HistogramLogProcessor reads them by default.
const HlogServiceTimeTag = "service_time"

// HlogIterationTag tags the interval of a flow's completed-iteration durations in a whole-run
// hlog: "iteration.FLOW", with any character a tag cannot hold (space, comma, "=") as "_".
func HlogIterationTag(flow string) string {
	return "iteration." + strings.Map(func(r rune) rune {
		if r == ',' || r == '=' || unicode.IsSpace(r) {
			return '_'
		}
		return r
	}, flow)
}

// Hlog writes the latency histograms as an HdrHistogram interval log (format 1.3, written by
// hdrhistogram-go's log writer): one interval per timeline second from that second's encoded
// histogram, or with wholeRun one interval for the whole run (latency untagged, service time
// tagged HlogServiceTimeTag, and in a run with flows each flow's iteration durations tagged
// HlogIterationTag). Values are in microseconds and timestamps are relative to the
// BaseTime line (the run's start, to the second): HdrHistogram's HistogramLogProcessor reads it with
// -outputValueUnitRatio 1000 to print milliseconds.
func Hlog(w io.Writer, r *results.Result, wholeRun bool) error {
	lw := hdrhistogram.NewHistogramLogWriter(w)
	startMs := hlogBaseMs(r)
	lw.SetBaseTime(startMs)
	header := []func() error{
		lw.OutputLogFormatVersion,
		func() error {
			return lw.OutputComment(fmt.Sprintf("[loadtest %s: scenario %s, target %s, values in microseconds]", r.Schema, r.Scenario, r.Target))
		},
		func() error { return lw.OutputStartTime(startMs) },
		func() error { return lw.OutputBaseTime(startMs) },
		lw.OutputLegend,
	}
	for _, out := range header {
		if err := out(); err != nil {
			return fmt.Errorf("reports: hlog: %w", err)
		}
	}
	if wholeRun || !timelineHasHistograms(r) {
		return hlogWholeRun(lw, r, startMs)
	}
	for _, s := range r.Timeline {
		h, err := results.DecodeHistogram(s.Latency)
		if err != nil {
			return fmt.Errorf("reports: hlog: second %d: %w", s.Unix, err)
		}
		h.SetStartTimeMs(s.Unix * 1000)
		h.SetEndTimeMs(s.Unix*1000 + 1000)
		h.SetTag("")
		if err := lw.OutputIntervalHistogram(h); err != nil {
			return fmt.Errorf("reports: hlog: %w", err)
		}
	}
	return nil
}

// hlogBaseMs is the log's base time in Unix milliseconds: the whole second at or before both
// the run's start and its first timeline second. The StartTime and BaseTime lines carry whole
// seconds only, and interval timestamps must not be negative (readers parse them unsigned).
func hlogBaseMs(r *results.Result) int64 {
	sec := r.Started.Unix()
	if r.Started.IsZero() || (len(r.Timeline) > 0 && r.Timeline[0].Unix < sec) {
		if len(r.Timeline) > 0 {
			sec = r.Timeline[0].Unix
		}
	}
	return sec * 1000
}

// timelineHasHistograms reports whether every second of the timeline kept its histogram.
func timelineHasHistograms(r *results.Result) bool {
	if len(r.Timeline) == 0 {
		return false
	}
	for _, s := range r.Timeline {
		if s.Latency == "" && s.Requests > 0 {
			return false
		}
	}
	return true
}

// hlogWholeRun writes the run's overall latency and service-time histograms as one interval each.
func hlogWholeRun(lw *hdrhistogram.HistogramLogWriter, r *results.Result, baseMs int64) error {
	startMs := r.Started.UnixMilli()
	if r.Started.IsZero() {
		startMs = baseMs
	}
	endMs := r.Ended.UnixMilli()
	if r.Ended.IsZero() || endMs <= startMs {
		endMs = startMs + int64(r.DurationS*1000)
	}
	parts := []struct{ tag, enc string }{{"", r.Histograms.Latency}, {HlogServiceTimeTag, r.Histograms.ServiceTime}}
	for _, name := range r.FlowNames() {
		parts = append(parts, struct{ tag, enc string }{HlogIterationTag(name), r.Flows[name].Histograms.Iteration})
	}
	for _, part := range parts {
		h, err := results.DecodeHistogram(part.enc)
		if err != nil {
			return fmt.Errorf("reports: hlog: %w", err)
		}
		h.SetStartTimeMs(startMs)
		h.SetEndTimeMs(endMs)
		h.SetTag(part.tag)
		if err := lw.OutputIntervalHistogram(h); err != nil {
			return fmt.Errorf("reports: hlog: %w", err)
		}
	}
	return nil
}
