package reports

import (
	"fmt"
	"io"
	"strings"

	"github.com/loadtestdev/loadtest/results"
)

// Markdown writes the report as GitHub-flavoured Markdown, ready for $GITHUB_STEP_SUMMARY or a
// pull-request comment: headline numbers, latency, per-request figures, the flows, status
// codes, errors, the host block, warnings and thresholds.
func Markdown(w io.Writer, r *results.Result) error {
	m := &mdWriter{}
	m.headline(r)
	m.table("Requests", []string{"", ""}, requestRows(r), "lr")
	lat := make([][]string, len(latencyRows))
	for i, lr := range latencyRows {
		lat[i] = []string{lr.Label, formatMS(lr.Get(r.LatencyMS)), formatMS(lr.Get(r.ServiceTimeMS))}
	}
	m.table("Latency", []string{"", "latency", "service time"}, lat, "lrr")
	m.line("_Latency is measured from each request's intended send time (corrected for coordinated omission); service time from when it was actually sent._\n")
	m.table("Per request (latency)", byRequestHeader, byRequestRows(r), "lrrrrrrr")
	for _, ft := range flowTables(r) {
		m.table(ft.Title, ft.Header, ft.Rows, ft.Aligns)
		if ft.Note != "" && len(ft.Rows) > 0 {
			m.line("_%s_\n", mdEscape(ft.Note))
		}
	}
	m.table("Status codes", []string{"code", "count", "share"}, statusRows(r.StatusCodes, r.Requests), "lrr")
	var errRows [][]string
	errHeader, errAligns, bodies := []string{"class", "count", "sample"}, "lrl", anyErrorBody(r.Errors)
	if bodies {
		errHeader, errAligns = append(errHeader, "body"), "lrll"
	}
	for _, e := range r.Errors {
		row := []string{e.Class, formatCount(e.Count), mdCode(truncate(e.Message, 200))}
		if bodies {
			row = append(row, mdCode(errorBody(e)))
		}
		errRows = append(errRows, row)
	}
	m.table("Errors", errHeader, errRows, errAligns)
	m.host(r)
	if r.Probe != nil {
		m.table(probeTitle(r.Probe), probeHeader, probeRows(r.Probe), probeAligns)
	}
	m.warnings(r)
	m.thresholds(r)
	_, err := io.WriteString(w, m.b.String())
	if err != nil {
		return fmt.Errorf("reports: markdown: %w", err)
	}
	return nil
}

// mdWriter builds the Markdown document.
type mdWriter struct{ b strings.Builder }

func (m *mdWriter) line(format string, args ...any) { fmt.Fprintf(&m.b, format+"\n", args...) }

func (m *mdWriter) headline(r *results.Result) {
	m.line("## loadtest: %s → %s\n", mdEscape(r.Scenario), mdEscape(r.Target))
	asked := fmt.Sprintf(" (asked %s)", mdEscape(rateAsked(r)))
	if r.HasFlows() {
		asked = "" // the asked rate is of iterations: on the iterations line
	}
	m.line("**%s requests** in %s · **%s** achieved%s · **%s** success · p99 latency **%s**\n",
		formatCount(r.Requests), formatSeconds(r.DurationS), formatRate(r.Rate), asked,
		formatPercent(r.SuccessRatio), formatMS(r.LatencyMS.P99))
	if r.HasFlows() {
		line := fmt.Sprintf("**%s iterations** (%s completed, %s failed, %s dropped) · **%s** achieved (asked %s)", formatCount(r.Iterations),
			formatCount(r.IterationsCompleted), formatCount(r.IterationsFailed), formatCount(r.DroppedIterations),
			formatIterationRate(r.IterationRate()), mdEscape(rateAsked(r)))
		if r.Checks != nil && r.Checks.Passes+r.Checks.Fails > 0 {
			line += fmt.Sprintf(" · checks **%s** passed", formatPercent(r.Checks.Ratio))
		}
		m.line("%s\n", line)
	}
	if failed := failedThresholds(r); len(r.Thresholds) > 0 {
		if failed == 0 {
			m.line("✅ all %d thresholds passed\n", len(r.Thresholds))
		} else {
			m.line("❌ **%d of %d thresholds failed**\n", failed, len(r.Thresholds))
		}
	}
	m.line("Started %s, ended %s.", formatTime(r.Started), formatTime(r.Ended))
	if len(r.Sources) > 0 {
		m.line("Merged from %s.", mdEscape(sourcesLine(r.Sources)))
	}
	if line := shardLine(r); line != "" {
		m.line("This is %s.", mdEscape(line))
	}
	if r.Interrupted {
		m.line("**Interrupted:** the run stopped early; the figures cover what was measured.")
	}
	m.line("")
}

// failedThresholds counts the thresholds that did not pass.
func failedThresholds(r *results.Result) int {
	n := 0
	for _, th := range r.Thresholds {
		if !th.Passed {
			n++
		}
	}
	return n
}

// table writes a titled GitHub table; aligns has one letter per column, 'r' right-aligned.
func (m *mdWriter) table(title string, header []string, rows [][]string, aligns string) {
	if len(rows) == 0 {
		return
	}
	m.line("### %s\n", title)
	cells := make([]string, len(header))
	seps := make([]string, len(header))
	for i, h := range header {
		cells[i] = mdEscape(h)
		seps[i] = "---"
		if i < len(aligns) && aligns[i] == 'r' {
			seps[i] = "---:"
		}
	}
	m.line("| %s |", strings.Join(cells, " | "))
	m.line("|%s|", strings.Join(seps, "|"))
	for _, row := range rows {
		cells := make([]string, len(row))
		for i, c := range row {
			cells[i] = mdEscape(c)
		}
		m.line("| %s |", strings.Join(cells, " | "))
	}
	m.line("")
}

// mdEscape keeps a cell on one table row and stops pipes from splitting it.
func mdEscape(s string) string {
	s = strings.ReplaceAll(s, "|", `\|`)
	s = strings.ReplaceAll(s, "\n", " ")
	return strings.ReplaceAll(s, "\r", "")
}

func (m *mdWriter) host(r *results.Result) {
	b := newHostBlock(r)
	m.table("Host", b.Header, b.Rows, b.Aligns)
	if len(b.Rows) > 0 {
		m.line("_%s_\n", b.Note)
	}
}

func (m *mdWriter) warnings(r *results.Result) {
	if len(r.Warnings) == 0 {
		return
	}
	m.line("### Warnings\n")
	for _, w := range r.Warnings {
		line := fmt.Sprintf("- ⚠️ **%s**: %s", mdEscape(w.Code), mdEscape(w.Message))
		if v := formatWarningValues(w.Values); v != "" {
			line += " (" + v + ")"
		}
		m.line("%s", line)
	}
	m.line("")
}

func (m *mdWriter) thresholds(r *results.Result) {
	var rows [][]string
	for _, th := range r.Thresholds {
		verdict := "✅ pass"
		if !th.Passed {
			verdict = "❌ FAIL"
		}
		rows = append(rows, []string{"`" + th.Expression + "`", formatMeasured(th), verdict, th.Source})
	}
	m.table("Thresholds", []string{"threshold", "measured", "result", "source"}, rows, "lrll")
	if note := defaultThresholdsNote(r); note != "" {
		m.line("_%s_\n", mdEscape(note))
	}
}

// mdCode is s as inline code ("" for an empty s); backquotes become quotes.
func mdCode(s string) string {
	if s == "" {
		return ""
	}
	return "`" + strings.ReplaceAll(s, "`", "'") + "`"
}
