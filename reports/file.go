package reports

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/loadtestdev/loadtest/internal/atomicfile"
	"github.com/loadtestdev/loadtest/results"
)

// Spec is one report to write to a file: `--report FORMAT=FILE` of `loadtest run` (for the
// png format FILE is a directory).
type Spec struct {
	Format string
	Path   string
}

// ErrSpec is returned by ParseSpec for a malformed FORMAT=FILE.
var ErrSpec = errors.New("reports: bad report spec")

// ParseSpec parses FORMAT=FILE (e.g. "html=report.html", "png=charts/").
func ParseSpec(s string) (Spec, error) {
	format, path, ok := strings.Cut(s, "=")
	format, path = strings.TrimSpace(format), strings.TrimSpace(path)
	if !ok || format == "" || path == "" {
		return Spec{}, fmt.Errorf("%w %q: want FORMAT=FILE with FORMAT one of %s", ErrSpec, s, strings.Join(Formats, ", "))
	}
	if err := CheckFormat(format); err != nil {
		return Spec{}, err
	}
	return Spec{Format: format, Path: path}, nil
}

// WriteFile writes r in format to path, or for png one file per chart into the directory
// path. The file is written next to its final name and renamed into place (atomicfile, as the
// result file is), so that a reader never sees half a report and a failed write leaves the old
// one.
func WriteFile(path string, r *results.Result, format string, opts Options) error {
	if err := CheckFormat(format); err != nil {
		return err
	}
	if IsDirectoryFormat(format) {
		_, err := WritePNG(path, r)
		return err
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return fmt.Errorf("reports: %w", err)
	}
	var renderErr error
	err := atomicfile.Write(path, func(w io.Writer) error {
		renderErr = Write(w, r, format, opts)
		return renderErr
	})
	switch {
	case renderErr != nil:
		return renderErr
	case err != nil:
		return fmt.Errorf("reports: %s: %w", path, err)
	}
	return nil
}
