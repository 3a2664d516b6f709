package reports

import (
	"fmt"
	"io"
	"strings"

	"github.com/loadtestdev/loadtest/results"
)

// Text writes the run summary as plain-text tables: what `loadtest run` prints at the end of
// a run and `loadtest report --format text` prints for a result file.
func Text(w io.Writer, r *results.Result) error {
	tw := &textWriter{w: w}
	tw.headline(r)
	tw.section("Requests", nil, requestRows(r), "lr")
	tw.latency(r)
	tw.statusCodes(r)
	tw.errors(r)
	tw.byRequest(r)
	tw.flows(r)
	tw.host(r)
	tw.probe(r)
	tw.warnings(r)
	tw.thresholds(r)
	return tw.err
}

// textWriter writes the sections of the text report, keeping the first error.
type textWriter struct {
	w   io.Writer
	err error
}

func (t *textWriter) printf(format string, args ...any) {
	if t.err != nil {
		return
	}
	_, t.err = fmt.Fprintf(t.w, format, args...)
}

// section writes a titled table; aligns holds one letter per column, 'r' for right-aligned
// (numbers) and anything else for left-aligned.
func (t *textWriter) section(title string, header []string, rows [][]string, aligns string) {
	if t.err != nil || len(rows) == 0 {
		return
	}
	t.printf("\n%s\n", title)
	if t.err == nil {
		t.err = renderTable(t.w, header, rows, aligns)
	}
}

func (t *textWriter) headline(r *results.Result) {
	t.printf("loadtest result\n")
	rows := [][]string{
		{"scenario", r.Scenario},
		{"target", r.Target},
		{"started", formatTime(r.Started)},
		{"ended", formatTime(r.Ended)},
		{"duration", formatSeconds(r.DurationS)},
	}
	if len(r.Sources) > 0 {
		rows = append(rows, []string{"merged from", sourcesLine(r.Sources)})
	}
	if line := shardLine(r); line != "" {
		rows = append(rows, []string{"shard", strings.TrimPrefix(line, "shard ")})
	}
	if r.Interrupted {
		rows = append(rows, []string{"interrupted", "yes: the run stopped early, figures cover what was measured"})
	}
	if r.Version != "" {
		rows = append(rows, []string{"loadtest", r.Version})
	}
	if t.err == nil {
		t.err = renderTable(t.w, nil, rows, "ll")
	}
}

// sourcesLine says how many runs a merged result came from, and which.
func sourcesLine(sources []string) string {
	noun := "sources"
	if len(sources) == 1 {
		noun = "source"
	}
	return fmt.Sprintf("%d %s: %s", len(sources), noun, strings.Join(sources, ", "))
}

// requestRows are the headline counters and rates, as the result file has them: requests
// completed, and sent when some sent ones did not complete (cut short at the end of the run).
func requestRows(r *results.Result) [][]string {
	rows := [][]string{{"requests", formatCount(r.Requests)}}
	if sent := r.SentRequests(); sent != r.Requests {
		rows = append(rows, []string{"sent", fmt.Sprintf("%s (%s did not complete)", formatCount(sent), formatCount(sent-r.Requests))})
	}
	rows = append(rows,
		[]string{"successes", formatCount(r.Successes)},
		[]string{"success ratio", formatPercent(r.SuccessRatio)})
	rows = append(rows, rateRows(r)...)
	return append(rows,
		[]string{"throughput (successes)", formatRate(r.Throughput)},
		[]string{"bytes in", formatBytes(r.BytesIn)},
		[]string{"bytes out", formatBytes(r.BytesOut)})
}

func (t *textWriter) latency(r *results.Result) {
	rows := make([][]string, len(latencyRows))
	for i, lr := range latencyRows {
		rows[i] = []string{lr.Label, formatMS(lr.Get(r.LatencyMS)), formatMS(lr.Get(r.ServiceTimeMS))}
	}
	t.section("Latency (latency: from intended send time, corrected for coordinated omission; service time: from actual send)",
		[]string{"", "latency", "service time"}, rows, "lrr")
}

func (t *textWriter) statusCodes(r *results.Result) {
	t.section("Status codes", []string{"code", "count", "share"}, statusRows(r.StatusCodes, r.Requests), "lrr")
}

// statusRows lists status codes with their count and share of all requests.
func statusRows(codes map[string]uint64, total uint64) [][]string {
	var rows [][]string
	for _, c := range sortedCodes(codes) {
		rows = append(rows, []string{statusLabel(c), formatCount(codes[c]), formatPercent(share(codes[c], total))})
	}
	return rows
}

func (t *textWriter) errors(r *results.Result) {
	var rows [][]string
	for _, e := range r.Errors {
		rows = append(rows, []string{e.Class, formatCount(e.Count), truncate(e.Message, 80)})
	}
	t.section("Errors", []string{"class", "count", "sample"}, rows, "lrl")
	for _, line := range errorBodyLines(r.Errors) {
		t.printf("%s\n", line)
	}
}

func (t *textWriter) byRequest(r *results.Result) {
	t.section("Per request (latency)", byRequestHeader, byRequestRows(r), "lrrrrrrr")
}

// byRequestHeader heads the per-request table in every format.
var byRequestHeader = []string{"request", "requests", "success", "rate", "p50", "p90", "p99", "max"}

// byRequestRows is one row per named request of the scenario.
func byRequestRows(r *results.Result) [][]string {
	var rows [][]string
	for _, name := range sortedRequestNames(r) {
		s := r.ByRequest[name]
		if s == nil {
			continue
		}
		rows = append(rows, []string{name, formatCount(s.Requests), formatPercent(s.SuccessRatio), formatRate(s.Rate),
			formatMS(s.LatencyMS.P50), formatMS(s.LatencyMS.P90), formatMS(s.LatencyMS.P99), formatMS(s.LatencyMS.Max)})
	}
	return rows
}

// flows writes the flows tables (flows.go), each note under its title.
func (t *textWriter) flows(r *results.Result) {
	for _, ft := range flowTables(r) {
		if len(ft.Rows) == 0 {
			continue
		}
		t.printf("\n%s\n", ft.Title)
		if ft.Note != "" {
			t.printf("%s\n", ft.Note)
		}
		if t.err == nil {
			t.err = renderTable(t.w, ft.Header, ft.Rows, ft.Aligns)
		}
	}
}

func (t *textWriter) host(r *results.Result) {
	b := newHostBlock(r)
	t.section(b.Title, b.Header, b.Rows, b.Aligns)
}

func (t *textWriter) probe(r *results.Result) {
	if r.Probe == nil {
		return
	}
	t.section(probeTitle(r.Probe), probeHeader, probeRows(r.Probe), probeAligns)
}

func (t *textWriter) warnings(r *results.Result) {
	if len(r.Warnings) == 0 {
		return
	}
	t.printf("\nWarnings\n")
	for _, w := range r.Warnings {
		line := fmt.Sprintf("  ! %s: %s", w.Code, w.Message)
		if v := formatWarningValues(w.Values); v != "" {
			line += " (" + v + ")"
		}
		t.printf("%s\n", line)
	}
}

func (t *textWriter) thresholds(r *results.Result) {
	var rows [][]string
	failed := 0
	for _, th := range r.Thresholds {
		rows = append(rows, []string{th.Expression, formatMeasured(th), passFail(th.Passed), th.Source})
		if !th.Passed {
			failed++
		}
	}
	title := fmt.Sprintf("Thresholds: %d of %d passed", len(r.Thresholds)-failed, len(r.Thresholds))
	t.section(title, []string{"threshold", "measured", "result", "source"}, rows, "lrll")
	if note := defaultThresholdsNote(r); note != "" {
		t.printf("%s\n", note)
	}
}
