package results

import (
	"fmt"
	"io"

	"github.com/loadtestdev/loadtest/internal/atomicfile"
)

// WriteFile writes r to path atomically: into a temporary file beside path, renamed over it
// once complete. A run that fails to encode, a full disk or a process killed halfway leaves
// the file that was there before as it was.
func WriteFile(path string, r *Result) error {
	if err := atomicfile.Write(path, func(w io.Writer) error { return Write(w, r) }); err != nil {
		return fmt.Errorf("results: write %s: %w", path, err)
	}
	return nil
}

// CheckWritable reports whether WriteFile could write path, without touching path: a run
// calls it before it starts, so that a bad --out fails at once and an old file survives.
func CheckWritable(path string) error {
	if err := atomicfile.CheckWritable(path); err != nil {
		return fmt.Errorf("results: %s: %w", path, err)
	}
	return nil
}
