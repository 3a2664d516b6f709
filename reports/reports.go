// Package reports renders a loadtest result (results.Result) for people and for tools: the
// text summary `loadtest run` prints, JSON, GitHub-flavoured Markdown, a self-contained HTML
// page with charts, PNG charts, JUnit XML for CI, the timeline as CSV and the latency
// histograms as an HdrHistogram interval log. It also renders what the other libraries
// compute from results: a comparison (gate.Comparison, compare.go), a probe's steps
// (probe.go), and capacity plans, USL fits and M/M/c queues (capacity_*.go). Every renderer
// takes an io.Writer (PNG a directory) and plain data, never touches the process's streams,
// and formats numbers with the one set of formatters in numbers.go.
package reports

import (
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/loadtestdev/loadtest/results"
)

// The report formats. FormatPNG writes one file per chart into a directory (WritePNG); every
// other format writes one stream (Write).
const (
	FormatText     = "text"
	FormatJSON     = "json"
	FormatMarkdown = "md"
	FormatHTML     = "html"
	FormatJUnit    = "junit"
	FormatCSV      = "csv"
	FormatHlog     = "hlog"
	FormatPNG      = "png"
)

// Formats lists every report format in the order help texts list them.
var Formats = []string{FormatText, FormatJSON, FormatMarkdown, FormatHTML, FormatJUnit, FormatCSV, FormatHlog, FormatPNG}

// ErrFormat is returned for a format name that is not one of Formats.
var ErrFormat = errors.New("reports: unknown format")

// Options tune the formats that have choices.
type Options struct {
	// CompactJSON writes the json format on one line instead of indented.
	CompactJSON bool
	// HlogWholeRun writes the hlog format as one interval for the whole run (latency, and
	// service time tagged "service_time") instead of one latency interval per second.
	HlogWholeRun bool
}

// CheckFormat returns nil if format is a known format, else an error listing the allowed ones.
func CheckFormat(format string) error {
	for _, f := range Formats {
		if f == format {
			return nil
		}
	}
	return fmt.Errorf("%w %q (allowed: %s)", ErrFormat, format, strings.Join(Formats, ", "))
}

// IsDirectoryFormat reports whether format writes a directory of files rather than one stream.
func IsDirectoryFormat(format string) bool { return format == FormatPNG }

// Write renders r in format to w. The png format writes a directory: use WritePNG.
func Write(w io.Writer, r *results.Result, format string, opts Options) error {
	switch format {
	case FormatText:
		return Text(w, r)
	case FormatJSON:
		return JSON(w, r, opts.CompactJSON)
	case FormatMarkdown:
		return Markdown(w, r)
	case FormatHTML:
		return HTML(w, r)
	case FormatJUnit:
		return JUnit(w, r)
	case FormatCSV:
		return CSV(w, r)
	case FormatHlog:
		return Hlog(w, r, opts.HlogWholeRun)
	case FormatPNG:
		return fmt.Errorf("reports: format png writes one file per chart into a directory, not a stream")
	}
	return CheckFormat(format)
}
