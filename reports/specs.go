package reports

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/loadtestdev/loadtest/internal/atomicfile"
	"github.com/loadtestdev/loadtest/results"
)

// ParseSpecs parses the --report FORMAT=FILE flags of a run and checks, before any load is
// sent, that each file can be written: its directory is created if needed and must take a new
// file (png: the directory itself). Two reports to one path, or a report to the result file
// (outFile, --out), are refused. Its errors name the flag.
func ParseSpecs(flags []string, outFile string) ([]Spec, error) {
	specs := make([]Spec, 0, len(flags))
	paths := map[string]string{}
	if outFile != "" {
		if abs, err := filepath.Abs(outFile); err == nil {
			paths[abs] = "--out " + outFile
		}
	}
	for _, f := range flags {
		spec, err := ParseSpec(f)
		if err != nil {
			return nil, fmt.Errorf("--report: %w", err)
		}
		abs, err := filepath.Abs(spec.Path)
		if err != nil {
			return nil, fmt.Errorf("--report %s: %w", f, err)
		}
		if prev, dup := paths[abs]; dup {
			return nil, fmt.Errorf("--report %s: %s is already the file of %s", f, spec.Path, prev)
		}
		paths[abs] = "--report " + f
		if err := checkWritable(spec); err != nil {
			return nil, fmt.Errorf("--report %s: %w", f, err)
		}
		specs = append(specs, spec)
	}
	return specs, nil
}

// checkWritable creates the directory a report goes to (a report, unlike --out, may name a
// new one) and checks, with atomicfile.CheckWritable, that the report file can be written
// there: for png, a file in the directory itself.
func checkWritable(spec Spec) error {
	dir, file := filepath.Dir(spec.Path), spec.Path
	if IsDirectoryFormat(spec.Format) {
		dir, file = spec.Path, filepath.Join(spec.Path, ".loadtest-report-check")
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	return atomicfile.CheckWritable(file)
}

// WriteFiles writes every report of a run (also of an interrupted or failed one), saying on
// errOut where each went. A report that cannot be written does not stop the others.
func WriteFiles(specs []Spec, r *results.Result, errOut io.Writer) error {
	var errs []error
	for _, s := range specs {
		if err := WriteFile(s.Path, r, s.Format, Options{}); err != nil {
			errs = append(errs, fmt.Errorf("--report %s=%s: %w", s.Format, s.Path, err))
			continue
		}
		fmt.Fprintf(errOut, "wrote %s report to %s\n", s.Format, s.Path)
	}
	return errors.Join(errs...)
}

// WriteTo writes r in format to out or, when path is not "", to that file (WriteFile: a
// directory for png), saying on errOut where it went.
func WriteTo(out, errOut io.Writer, path string, r *results.Result, format string, opts Options) error {
	if path == "" {
		return Write(out, r, format, opts)
	}
	if err := WriteFile(path, r, format, opts); err != nil {
		return err
	}
	fmt.Fprintf(errOut, "wrote %s report to %s\n", format, path)
	return nil
}
