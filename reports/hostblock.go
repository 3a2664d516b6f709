package reports

import (
	"fmt"

	"github.com/loadtestdev/loadtest/results"
)

// hostHeader heads the host table in every format; the last two columns are the side's own
// process (procColumns).
var hostHeader = []string{"source", "host", "origin", "when", "load 1/5/15", "cpu user/sys/idle", "process cpu", "process rss"}

// hostAligns aligns the columns of hostHeader.
const hostAligns = "llllrrrr"

// procColumns is the number of process columns at the end of a host row.
const procColumns = 2

// hostBlock is the host table of the text, Markdown and HTML reports with its title (text) and
// explanatory note (Markdown, HTML).
type hostBlock struct {
	Title, Note string
	Header      []string
	Rows        [][]string
	Aligns      string
}

// newHostBlock builds the host table of r: two rows (end, peak) per sampled side of every host
// section. The source column is left out for a single (not merged) result, and the process
// columns when no side has process figures (result files from before processes were sampled,
// targets whose /stats has none).
func newHostBlock(r *results.Result) hostBlock {
	b := hostBlock{Header: hostHeader, Rows: hostRows(r), Aligns: hostAligns}
	drop := func(from, to int) {
		b.Header = append(append([]string(nil), b.Header[:from]...), b.Header[to:]...)
		b.Aligns = b.Aligns[:from] + b.Aligns[to:]
		for i, row := range b.Rows {
			b.Rows[i] = append(row[:from:from], row[to:]...)
		}
	}
	if !anyProcess(b.Rows) {
		drop(len(b.Header)-procColumns, len(b.Header))
		b.Title = "Host (peak: highest 1-minute load, busiest CPU sample)"
		b.Note = "end: the last sample; peak: the highest 1-minute load and the busiest CPU sample. CPU in percent. " +
			"No process was sampled: the result has no CPU or memory figures of loadtest's own process or the server's."
	} else {
		b.Title = "Host (peak: highest 1-minute load, busiest CPU sample, highest process CPU and RSS; process cpu: % of one core)"
		b.Note = "end: the last sample; peak: the highest 1-minute load, the busiest CPU sample, and the highest CPU and RSS of the process. " +
			"Host CPU in percent of all cores; process: the side's own process (loadtest itself, the server), its CPU in percent of one core " +
			"(200 % = two cores busy) and as a share of all the host's cores, and its resident memory."
		if !allProcess(b.Rows) {
			b.Note += " \"-\": the process was not sampled on that side."
		}
	}
	if len(r.Sources) == 0 && len(r.SourceHosts) == 0 {
		drop(0, 1) // a single run: the source column says nothing
	}
	return b
}

// anyProcess reports whether some host row has process figures.
func anyProcess(rows [][]string) bool {
	for _, row := range rows {
		if row[len(row)-procColumns] != "-" {
			return true
		}
	}
	return false
}

// allProcess reports whether every host row has process figures.
func allProcess(rows [][]string) bool {
	for _, row := range rows {
		if row[len(row)-procColumns] == "-" {
			return false
		}
	}
	return true
}

// hostRows are two rows (end of run, peak) per side of every host section, each with every
// column of hostHeader.
func hostRows(r *results.Result) [][]string {
	var rows [][]string
	for _, lh := range hostSections(r) {
		for _, f := range hostFigureRows(lh.Host) {
			origin := f.Origin
			if f.SameHost && f.Side == "server" {
				origin += " (same host as generator)"
			}
			side := f.Side
			if f.NumCPU > 0 {
				side = fmt.Sprintf("%s (%d cpu)", f.Side, f.NumCPU)
			}
			label := lh.Label
			if label == "" {
				label = "this run"
			}
			p := f.Process
			rows = append(rows,
				append([]string{label, side, origin, "end", formatLoad(f.End.Load), formatCPU(f.End.CPU)}, procCells(p, p.End, p.End.RSSBytes)...),
				append([]string{label, side, origin, "peak", formatLoad(f.PeakLoad.Load), formatCPU(f.PeakCPU.CPU)}, procCells(p, p.PeakCPU, p.PeakRSS)...),
			)
		}
	}
	return rows
}
