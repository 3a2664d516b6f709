package reports

import (
	"fmt"
	"io"
	"maps"
	"slices"
	"strings"

	"github.com/loadtestdev/loadtest/internal/atomicfile"
	"github.com/loadtestdev/loadtest/scenarios/har"
)

// WriteHARScenario writes an imported scenario's YAML to the file path, atomically, or with
// path "" to out, then the account of the import on errOut (WriteHARImport).
func WriteHARScenario(out, errOut io.Writer, path string, im *har.Import) error {
	to := "stdout"
	if path != "" {
		to = path
		if err := atomicfile.Write(path, func(w io.Writer) error { _, err := w.Write(im.YAML); return err }); err != nil {
			return fmt.Errorf("scenarios import: %w", err)
		}
	} else if _, err := out.Write(im.YAML); err != nil {
		return err
	}
	return WriteHARImport(errOut, im, to)
}

// WriteHARImport writes the account of a HAR import for its user: the steps kept and what was
// dropped, each correlated value with where it comes from and where it goes, the secrets made
// variables, and the values that look issued by the server but stay as recorded.
func WriteHARImport(w io.Writer, im *har.Import, out string) error {
	ew := &errWriter{w: w}
	ew.printf("imported %d steps against %s into %s\n", im.Steps, im.Target, out)
	if len(im.Dropped) > 0 {
		var parts []string
		for _, k := range slices.Sorted(maps.Keys(im.Dropped)) {
			parts = append(parts, fmt.Sprintf("%d %s", im.Dropped[k], k))
		}
		ew.printf("dropped: %s\n", strings.Join(parts, ", "))
	}
	if im.Followed > 0 {
		ew.printf("redirects: %d recorded request(s) to a Location are followed by the step the redirect answered (follow_redirects)\n", im.Followed)
	}
	if len(im.Correlations) == 0 {
		ew.printf("correlated: nothing (no value of a response was sent back by a later request)\n")
	} else {
		ew.printf("correlated:\n")
	}
	for _, c := range im.Correlations {
		ew.printf("  %s = %s of %s, used in %s\n", c.Variable, c.Source, c.Step, strings.Join(c.UsedIn, ", "))
	}
	for _, s := range im.Secrets {
		if s.Kept {
			ew.printf("secret kept as recorded (--keep-secrets): %s (%s of %s)\n", s.Variable, s.Where, s.Step)
		} else {
			ew.printf("secret: fill in variable %s (%s of %s); it is CHANGE-ME in the file\n", s.Variable, s.Where, s.Step)
		}
	}
	for _, h := range im.Hardcoded {
		why := h.Why
		if why == "" {
			why = "no earlier response returned it"
		}
		ew.printf("not correlated, left as recorded: %s of %s = %s (%s)\n", h.Where, h.Step, abbreviate(h.Value, 40), why)
	}
	return ew.err
}

func abbreviate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "..."
}
