package reports

import (
	"fmt"
	"math"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/loadtestdev/loadtest/results"
)

// formatTime formats a wall-clock time in UTC, to the millisecond.
func formatTime(t time.Time) string {
	if t.IsZero() {
		return "-"
	}
	return t.UTC().Format("2006-01-02 15:04:05.000 UTC")
}

// formatMeasured formats a threshold's measured value with its unit, or "no data" when the
// metric had no sample.
func formatMeasured(th results.ThresholdResult) string {
	if th.NoData {
		return "no data"
	}
	v := strconv.FormatFloat(th.Measured, 'f', -1, 64)
	if math.Abs(th.Measured) >= 1e6 || (th.Measured != 0 && math.Abs(th.Measured) < 1e-3) {
		v = strconv.FormatFloat(th.Measured, 'g', 6, 64)
	} else if strings.Contains(v, ".") && len(v) > 12 {
		v = strconv.FormatFloat(th.Measured, 'f', 4, 64)
	}
	if th.Unit != "" {
		return v + " " + th.Unit
	}
	return v
}

// defaultThresholdsNote says, under the thresholds table, that the run was gated by the default
// thresholds; "" when none of r's thresholds is a default one.
func defaultThresholdsNote(r *results.Result) string {
	for _, th := range r.Thresholds {
		if th.Source == "default" {
			return "Thresholds of source default: the scenario has no thresholds of its own and none was given with --threshold, so the run gets these (--no-thresholds turns them off; a scenario's thresholds: or a --threshold replaces them)."
		}
	}
	return ""
}

// passFail is a threshold's verdict as printed in tables.
func passFail(passed bool) string {
	if passed {
		return "pass"
	}
	return "FAIL"
}

// latencyRow is one statistic of a latency summary with its label, in the order reports print.
type latencyRow struct {
	Label string
	Get   func(results.Latency) float64
}

// latencyRows are the statistics every report prints for latency and service time.
var latencyRows = []latencyRow{
	{"min", func(l results.Latency) float64 { return l.Min }},
	{"mean", func(l results.Latency) float64 { return l.Mean }},
	{"stddev", func(l results.Latency) float64 { return l.StdDev }},
	{"p50", func(l results.Latency) float64 { return l.P50 }},
	{"p90", func(l results.Latency) float64 { return l.P90 }},
	{"p95", func(l results.Latency) float64 { return l.P95 }},
	{"p99", func(l results.Latency) float64 { return l.P99 }},
	{"p99.9", func(l results.Latency) float64 { return l.P999 }},
	{"p99.99", func(l results.Latency) float64 { return l.P9999 }},
	{"max", func(l results.Latency) float64 { return l.Max }},
}

// sortedCodes returns status codes sorted numerically where they are numbers ("0" — no
// response — first), then the rest by name.
func sortedCodes(m map[string]uint64) []string {
	codes := make([]string, 0, len(m))
	for c := range m {
		codes = append(codes, c)
	}
	sort.Slice(codes, func(i, j int) bool {
		a, errA := strconv.Atoi(codes[i])
		b, errB := strconv.Atoi(codes[j])
		switch {
		case errA == nil && errB == nil:
			return a < b
		case errA == nil:
			return true
		case errB == nil:
			return false
		}
		return codes[i] < codes[j]
	})
	return codes
}

// sortedRequestNames returns the names of r.ByRequest in order.
func sortedRequestNames(r *results.Result) []string {
	names := make([]string, 0, len(r.ByRequest))
	for n := range r.ByRequest {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// statusLabel names a status code for people: "0" is a request that got no response.
func statusLabel(code string) string {
	if code == "0" {
		return "0 (no response)"
	}
	return code
}

// share is n as a fraction of total, 0 when total is 0.
func share(n, total uint64) float64 {
	if total == 0 {
		return 0
	}
	return float64(n) / float64(total)
}

// truncate shortens s to at most n runes, marking the cut with an ellipsis, and folds
// newlines so that a message stays on one table row.
func truncate(s string, n int) string {
	s = strings.Join(strings.Fields(s), " ")
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n-1]) + "…"
}

// hostPoint is one side's load average and CPU split at one moment.
type hostPoint struct {
	Load results.LoadAvg
	CPU  results.CPUPercent
	When time.Time
}

// hostFigures are the figures the text, Markdown and HTML host blocks print for one side:
// the last sample, the sample with the highest 1-minute load, and the busiest CPU sample.
type hostFigures struct {
	Side     string
	Origin   string
	SameHost bool
	NumCPU   int
	Samples  int
	End      hostPoint
	PeakLoad hostPoint
	PeakCPU  hostPoint
	// Process is the side's own process: loadtest itself, or the server.
	Process procFigures
}

// summarizeHost reduces a host series to the figures printed for it; ok is false when the
// series has neither samples nor a summary.
func summarizeHost(side string, s *results.HostSeries) (hostFigures, bool) {
	if s == nil {
		return hostFigures{}, false
	}
	f := hostFigures{Side: side, Origin: s.Origin, SameHost: s.SameHost, Samples: len(s.Samples)}
	if len(s.Samples) == 0 {
		if len(s.Summary) == 0 {
			return f, false
		}
		// Only the summary survived: its maxima are the peak; there is no "end" sample.
		peak := hostPoint{
			Load: results.LoadAvg{Load1: s.Summary[results.SeriesLoad1].Max, Load5: s.Summary[results.SeriesLoad5].Max, Load15: s.Summary[results.SeriesLoad15].Max},
			CPU:  results.CPUPercent{User: s.Summary[results.SeriesCPUUser].Max, System: s.Summary[results.SeriesCPUSystem].Max, Idle: s.Summary[results.SeriesCPUIdle].Min},
		}
		f.End, f.PeakLoad, f.PeakCPU = peak, peak, peak
		f.Process = summarizeProcess(side, s)
		return f, true
	}
	last := s.Samples[len(s.Samples)-1]
	f.NumCPU = last.NumCPU
	f.End = hostPoint{Load: last.Load, CPU: last.CPU, When: last.Time}
	f.PeakLoad, f.PeakCPU = f.End, f.End
	f.Process = summarizeProcess(side, s)
	for _, sm := range s.Samples {
		if sm.Load.Load1 > f.PeakLoad.Load.Load1 {
			f.PeakLoad = hostPoint{Load: sm.Load, CPU: sm.CPU, When: sm.Time}
		}
		if busy(sm.CPU) > busy(f.PeakCPU.CPU) {
			f.PeakCPU = hostPoint{Load: sm.Load, CPU: sm.CPU, When: sm.Time}
		}
	}
	return f, true
}

// busy is the share of CPU time not idle, in percent.
func busy(c results.CPUPercent) float64 { return 100 - c.Idle }

// formatLoad formats a load average triple.
func formatLoad(l results.LoadAvg) string {
	return fmt.Sprintf("%.2f / %.2f / %.2f", l.Load1, l.Load5, l.Load15)
}

// formatCPU formats a CPU split as user / system / idle percent.
func formatCPU(c results.CPUPercent) string {
	return fmt.Sprintf("%.1f / %.1f / %.1f %%", c.User, c.System, c.Idle)
}

// hostSections returns the host sections to print, each with a label: the result's own
// section, then each source's for a merged result.
func hostSections(r *results.Result) []labelledHost {
	var out []labelledHost
	if r.Host != nil {
		out = append(out, labelledHost{Label: r.Host.Source, Host: r.Host})
	}
	for i, h := range r.SourceHosts {
		if h == nil {
			continue
		}
		label := h.Source
		if label == "" {
			label = fmt.Sprintf("source %d", i+1)
		}
		out = append(out, labelledHost{Label: label, Host: h})
	}
	return out
}

// labelledHost is a host section with the name of the run it came from ("" for this run).
type labelledHost struct {
	Label string
	Host  *results.Host
}

// hostFigureRows returns the figures of both sides of a host section that have data.
func hostFigureRows(h *results.Host) []hostFigures {
	var out []hostFigures
	if f, ok := summarizeHost("generator", h.Generator); ok {
		out = append(out, f)
	}
	if f, ok := summarizeHost("server", h.Server); ok {
		out = append(out, f)
	}
	return out
}

// formatWarningValues formats a warning's figures as "k=v, k=v" in key order.
func formatWarningValues(v map[string]float64) string {
	if len(v) == 0 {
		return ""
	}
	keys := make([]string, 0, len(v))
	for k := range v {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = k + "=" + strconv.FormatFloat(v[k], 'g', 6, 64)
	}
	return strings.Join(parts, ", ")
}
