package reports

import (
	"fmt"
	"io"

	"github.com/olekukonko/tablewriter"
	"github.com/olekukonko/tablewriter/pkg/twwidth"
	"github.com/olekukonko/tablewriter/renderer"
	"github.com/olekukonko/tablewriter/tw"
)

// tablewriter's package init makes a width cache, a map sized for 8192 strings (640 KB), that
// every process keeps for its whole life, a run's included (where the GC's target multiplies
// what start-up leaves live). Reports' tables have a few dozen cells, whose widths are cheap
// to measure again: the cache is turned off and its map freed. This must happen before any
// table is rendered, hence an init.
func init() { twwidth.SetCacheCapacity(0) }

// renderTable renders one table with tablewriter's default box style; aligns holds one
// letter per column, 'r' for right-aligned (numbers), anything else (or nothing) for
// left-aligned.
func renderTable(w io.Writer, header []string, rows [][]string, aligns string) error {
	return writeTable(w, header, rows, aligns, false)
}

// writeTable renders one table as a box (text) or, when markdown is true, as a
// GitHub-flavoured Markdown table; aligns as for renderTable.
func writeTable(w io.Writer, header []string, rows [][]string, aligns string, markdown bool) error {
	cols := len(header)
	for _, row := range rows {
		cols = max(cols, len(row))
	}
	align := make(tw.Alignment, cols)
	for i := range align {
		align[i] = tw.AlignLeft
		if i < len(aligns) && aligns[i] == 'r' {
			align[i] = tw.AlignRight
		}
	}
	opts := []tablewriter.Option{
		tablewriter.WithHeaderAutoFormat(tw.Off),
		tablewriter.WithRowAutoWrap(tw.WrapNone),
		tablewriter.WithAlignment(align),
		tablewriter.WithHeaderAlignment(tw.AlignLeft),
	}
	if markdown {
		opts = append(opts, tablewriter.WithRenderer(renderer.NewMarkdown()))
	}
	table := tablewriter.NewTable(w, opts...)
	if len(header) > 0 {
		h := make([]any, len(header))
		for i, s := range header {
			h[i] = s
		}
		table.Header(h...)
	}
	if err := table.Bulk(rows); err != nil {
		return fmt.Errorf("reports: table: %w", err)
	}
	if err := table.Render(); err != nil {
		return fmt.Errorf("reports: table: %w", err)
	}
	return nil
}

// errWriter remembers the first write error so that a renderer can print freely.
type errWriter struct {
	w   io.Writer
	err error
}

func (e *errWriter) printf(format string, args ...any) {
	if e.err == nil {
		_, e.err = fmt.Fprintf(e.w, format, args...)
	}
}

// section starts a part of a capacity report: a level-3 heading in Markdown, a plain line of
// its own in text (the two titles differ in case and punctuation, e.g. "How" and "how:").
func (e *errWriter) section(markdown bool, mdTitle, textTitle string) {
	if markdown {
		e.printf("\n### %s\n\n", mdTitle)
	} else {
		e.printf("\n%s\n", textTitle)
	}
}

// table writes a table unless an earlier write failed.
func (e *errWriter) table(header []string, rows [][]string, aligns string, markdown bool) {
	if e.err == nil {
		e.err = writeTable(e.w, header, rows, aligns, markdown)
	}
}
