package cli

import (
	"fmt"

	"github.com/loadtestdev/loadtest/results"
)

// checkOut checks before a run or probe sends anything that its --out file can be written,
// without touching the file: a temporary file is created beside it and removed, so that a bad
// path fails at once (bad input) and an old result, a CI baseline say, survives until the new
// one replaces it.
func checkOut(path string) error {
	if path == "" {
		return nil
	}
	if err := results.CheckWritable(path); err != nil {
		return usageError(fmt.Errorf("--out: %w", err))
	}
	return nil
}

// writeOut writes the result file of a run or probe atomically: beside its name, then renamed
// over it, so that a failure, a second Ctrl-C or a SIGKILL leaves the old file as it was.
func writeOut(path string, r *results.Result) error {
	if path == "" {
		return nil
	}
	if err := results.WriteFile(path, r); err != nil {
		return fmt.Errorf("--out: %w", err)
	}
	return nil
}
