package cli

import (
	"io"

	"github.com/loadtestdev/loadtest/reports"
	"github.com/loadtestdev/loadtest/results"
)

// parseReportSpecs parses and checks the --report flags before any load is sent
// (reports.ParseSpecs); errors are bad input.
func parseReportSpecs(flags []string, outFile string) ([]reports.Spec, error) {
	return reports.ParseSpecs(flags, outFile)
}

// writeReports writes every report of a run (reports.WriteFiles).
func writeReports(specs []reports.Spec, r *results.Result, errOut io.Writer) error {
	return reports.WriteFiles(specs, r, errOut)
}
