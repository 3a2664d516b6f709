package reports

import (
	_ "embed"
	"fmt"
	"html/template"
	"io"
	"sync"

	"github.com/loadtestdev/loadtest/results"
)

//go:embed report.html.tmpl
var htmlTemplateText string

// htmlTemplate is parsed on the first HTML report, not in every command's start-up.
var htmlTemplate = sync.OnceValue(func() *template.Template {
	return template.Must(template.New("report").Parse(htmlTemplateText))
})

// htmlTable is one table of the HTML report; Right marks right-aligned (numeric) columns.
type htmlTable struct {
	Title  string
	Note   string
	Header []string
	Rows   [][]string
	Right  []bool
	// Fail marks rows to highlight (failed thresholds).
	Fail []bool
	// NoWrap marks left-aligned columns whose cells must not break across lines.
	NoWrap []bool
	// HasHeader is false for key/value tables whose header cells are all empty.
	HasHeader bool
}

// htmlChart is a chart rendered to inline SVG.
type htmlChart struct {
	Name, Title, Caption string
	SVG                  template.HTML
}

type htmlPage struct {
	R        *results.Result
	Headline string
	Cards    [][2]string
	Notes    []string
	Charts   []htmlChart
	Tables   []htmlTable
	Warnings []string
}

// HTML writes the report as one self-contained HTML page: the charts as inline SVG and the
// tables of the text report, with no script and nothing fetched when the page is viewed.
func HTML(w io.Writer, r *results.Result) error {
	charts, err := Charts(r)
	if err != nil {
		return err
	}
	page := htmlPage{R: r, Headline: fmt.Sprintf("%s → %s", r.Scenario, r.Target), Tables: htmlTables(r)}
	page.Cards = [][2]string{
		{"requests", formatCount(r.Requests)},
		{"request rate", formatRate(r.Rate)},
		{"success", formatPercent(r.SuccessRatio)},
		{"p99 latency", formatMS(r.LatencyMS.P99)},
		{"duration", formatSeconds(r.DurationS)},
	}
	if r.HasFlows() {
		page.Cards = append(page.Cards, [2]string{"iterations", fmt.Sprintf("%s (%s failed, %s dropped)",
			formatCount(r.Iterations), formatCount(r.IterationsFailed), formatCount(r.DroppedIterations))},
			[2]string{"iteration rate", formatIterationRate(r.IterationRate())})
		if r.Checks != nil && r.Checks.Passes+r.Checks.Fails > 0 {
			page.Cards = append(page.Cards, [2]string{"checks", formatPercent(r.Checks.Ratio)})
		}
	}
	if len(r.Thresholds) > 0 {
		page.Cards = append(page.Cards, [2]string{"thresholds", fmt.Sprintf("%d of %d passed", len(r.Thresholds)-failedThresholds(r), len(r.Thresholds))})
	}
	page.Notes = append(page.Notes, fmt.Sprintf("Started %s, ended %s; %s %s.", formatTime(r.Started), formatTime(r.Ended), rateRows(r)[0][0], rateAsked(r)))
	if len(r.Sources) > 0 {
		page.Notes = append(page.Notes, "Merged from "+sourcesLine(r.Sources)+".")
	}
	if line := shardLine(r); line != "" {
		page.Notes = append(page.Notes, "This is "+line+".")
	}
	if r.Interrupted {
		page.Notes = append(page.Notes, "Interrupted: the run stopped early; the figures cover what was measured.")
	}
	for _, wn := range r.Warnings {
		line := wn.Code + ": " + wn.Message
		if v := formatWarningValues(wn.Values); v != "" {
			line += " (" + v + ")"
		}
		page.Warnings = append(page.Warnings, line)
	}
	for _, c := range charts {
		svg, err := chartSVG(c)
		if err != nil {
			return err
		}
		page.Charts = append(page.Charts, htmlChart{Name: c.Name, Title: c.Title, Caption: c.Caption, SVG: svg})
	}
	if err := htmlTemplate().Execute(w, page); err != nil {
		return fmt.Errorf("reports: html: %w", err)
	}
	return nil
}

// htmlTables are the tables of the text report.
func htmlTables(r *results.Result) []htmlTable {
	lat := make([][]string, len(latencyRows))
	for i, lr := range latencyRows {
		lat[i] = []string{lr.Label, formatMS(lr.Get(r.LatencyMS)), formatMS(lr.Get(r.ServiceTimeMS))}
	}
	var errRows [][]string
	errHeader, errAligns, bodies := []string{"class", "count", "sample"}, "lrl", anyErrorBody(r.Errors)
	if bodies {
		errHeader, errAligns = append(errHeader, "body"), "lrll"
	}
	for _, e := range r.Errors {
		row := []string{e.Class, formatCount(e.Count), truncate(e.Message, 300)}
		if bodies {
			row = append(row, errorBody(e))
		}
		errRows = append(errRows, row)
	}
	hb := newHostBlock(r)
	var thRows [][]string
	var thFail []bool
	for _, th := range r.Thresholds {
		thRows = append(thRows, []string{th.Expression, formatMeasured(th), passFail(th.Passed), th.Source})
		thFail = append(thFail, !th.Passed)
	}
	hostTbl := newHTMLTable("Host", hb.Note, hb.Header, hb.Rows, hb.Aligns)
	hostTbl.NoWrap = make([]bool, len(hb.Header))
	for i, h := range hb.Header {
		hostTbl.NoWrap[i] = h != "origin" // labels such as "generator (2 cpu)" stay on one line; the origin (a URL) may wrap
	}
	var flows []htmlTable
	for _, ft := range flowTables(r) {
		t := newHTMLTable(ft.Title, ft.Note, ft.Header, ft.Rows, ft.Aligns)
		t.Fail = ft.Fail
		flows = append(flows, t)
	}
	tables := []htmlTable{
		newHTMLTable("Requests", "", []string{"", ""}, requestRows(r), "lr"),
		newHTMLTable("Latency", "Latency is measured from each request's intended send time (corrected for coordinated omission); service time from when it was actually sent.",
			[]string{"", "latency", "service time"}, lat, "lrr"),
		newHTMLTable("Per request (latency)", "", byRequestHeader, byRequestRows(r), "lrrrrrrr"),
	}
	tables = append(tables, flows...)
	tables = append(tables, []htmlTable{
		newHTMLTable("Status codes", "", []string{"code", "count", "share"}, statusRows(r.StatusCodes, r.Requests), "lrr"),
		newHTMLTable("Errors", "", errHeader, errRows, errAligns),
		hostTbl,
		newHTMLTable("Thresholds", defaultThresholdsNote(r), []string{"threshold", "measured", "result", "source"}, thRows, "lrll"),
	}...)
	tables[len(tables)-1].Fail = thFail
	if r.Probe != nil {
		tables = append(tables, newHTMLTable(probeTitle(r.Probe), "", probeHeader, probeRows(r.Probe), probeAligns))
	}
	out := tables[:0]
	for _, t := range tables {
		if len(t.Rows) > 0 {
			out = append(out, t)
		}
	}
	return out
}

func newHTMLTable(title, note string, header []string, rows [][]string, aligns string) htmlTable {
	right := make([]bool, len(header))
	for i := range right {
		right[i] = i < len(aligns) && aligns[i] == 'r'
	}
	hasHeader := false
	for _, h := range header {
		hasHeader = hasHeader || h != ""
	}
	return htmlTable{Title: title, Note: note, Header: header, Rows: rows, Right: right, HasHeader: hasHeader}
}
