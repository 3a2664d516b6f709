package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/spf13/cobra"

	"github.com/loadtestdev/loadtest/reports"
	"github.com/loadtestdev/loadtest/results"
)

// reportOptions are the flags of loadtest report.
type reportOptions struct {
	Out, ErrOut io.Writer

	Inputs       []string
	Format       string
	Output       string
	Force        bool
	CompactJSON  bool
	HlogWholeRun bool
}

func newReportCmd(ios *IOStreams) *cobra.Command {
	opts := &reportOptions{Out: ios.Out, ErrOut: ios.ErrOut}
	cmd := &cobra.Command{
		Use:   "report RESULT.json [MORE.json ...]",
		Short: "Render result files as text, JSON, Markdown, HTML, JUnit, CSV, HdrHistogram log or PNG",
		Long: `Render a result file written by loadtest run (schema ` + results.Schema + `) in another format.

Several result files (shards of one test run on several machines, or repeated runs) are merged
first, exactly: histograms added, counters summed, timelines aligned on wall-clock seconds,
per-request figures merged by name, flows merged by name (iterations and checks summed,
iteration histograms added), host sections kept per source. Files of another schema or
scenario are refused unless --force, and so are the shards of different runs (another seed,
shard count or start) and a shard given twice; shards missing from a sharded run are named
(a shards_missing warning).

Formats:
  text   the summary tables loadtest run prints
  json   the result itself (indented; --compact for one line)
  md     GitHub-flavoured Markdown, for $GITHUB_STEP_SUMMARY or a pull-request comment
  html   one self-contained page with charts (no network at view time)
  junit  JUnit XML: one testsuite per result, one testcase per threshold and per check
  csv    the timeline, one row a second (with the iterations started and dropped, for flows)
  hlog   HdrHistogram interval log of latency in microseconds, one interval a second
         (--whole-run: one interval for the run, plus service time tagged service_time)
  png    each chart as a PNG file in the directory given with -o

The report goes to standard output unless -o names a file.`,
		Example: `  loadtest report result.json
  loadtest report result.json --format html -o report.html
  loadtest report result.json --format md >> "$GITHUB_STEP_SUMMARY"
  loadtest report shard-1.json shard-2.json --format json -o merged.json
  loadtest report result.json --format png -o charts/`,
		Args: cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Inputs = args
			if err := opts.validate(); err != nil {
				return usageError(err)
			}
			return runReport(cmd.Context(), opts)
		},
	}
	f := cmd.Flags()
	f.StringVarP(&opts.Format, "format", "f", reports.FormatText, "report format: "+strings.Join(reports.Formats, ", "))
	f.StringVarP(&opts.Output, "output", "o", "", "write the report to this file (a directory for png) instead of standard output")
	f.BoolVar(&opts.Force, "force", false, "merge results of different scenarios, or results without histograms")
	f.BoolVar(&opts.CompactJSON, "compact", false, "json: write the result on one line")
	f.BoolVar(&opts.HlogWholeRun, "whole-run", false, "hlog: one interval for the whole run instead of one a second")
	return cmd
}

func (o *reportOptions) validate() error {
	if err := reports.CheckFormat(o.Format); err != nil {
		return fmt.Errorf("report: --format: %w", err)
	}
	if reports.IsDirectoryFormat(o.Format) && o.Output == "" {
		return fmt.Errorf("report: --format %s writes one file per chart: give a directory with -o DIR", o.Format)
	}
	return nil
}

// runReport reads (and merges) the inputs and renders them.
func runReport(ctx context.Context, o *reportOptions) error {
	r, err := results.ReadMerged(o.Inputs, o.Force)
	var fe *results.FileError
	switch {
	case errors.As(err, &fe):
		return usageError(fmt.Errorf("report: %w", err))
	case errors.Is(err, results.ErrMismatch):
		return usageError(err)
	case err != nil:
		return err
	}
	if w, ok := r.Warning(results.WarnShardsMissing); ok {
		fmt.Fprintf(o.ErrOut, "warning: %s\n", w.Message) // whatever the format, say so on stderr
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	return reports.WriteTo(o.Out, o.ErrOut, o.Output, r, o.Format, reports.Options{CompactJSON: o.CompactJSON, HlogWholeRun: o.HlogWholeRun})
}
