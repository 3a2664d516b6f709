package reports

import (
	"bytes"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/loadtestdev/loadtest/gate"
	"github.com/loadtestdev/loadtest/internal/golden"
)

// readComparison reads a comparison that gate.Compare made of two fabricated results
// (gate's tests fabricate them), kept as JSON so that this test renders what Compare returns.
func readComparison(t *testing.T, name string) gate.Comparison {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name+".comparison.json"))
	if err != nil {
		t.Fatal(err)
	}
	var c gate.Comparison
	if err := json.Unmarshal(b, &c); err != nil {
		t.Fatal(err)
	}
	return c
}

func TestWriteComparisonGolden(t *testing.T) {
	for _, tt := range []struct {
		golden, comparison, format string
	}{
		{"compare_fail.txt", "compare_fail", FormatText},
		{"compare_fail.md", "compare_fail", FormatMarkdown},
		{"compare_pass.md", "compare_pass", FormatMarkdown},
		{"compare_unbounded.txt", "compare_unbounded", FormatText},
	} {
		t.Run(tt.golden, func(t *testing.T) {
			var buf bytes.Buffer
			opt := CompareOptions{Format: tt.format, Baseline: "base.json", Current: "cur.json"}
			if err := WriteComparison(&buf, readComparison(t, tt.comparison), opt); err != nil {
				t.Fatal(err)
			}
			golden.Assert(t, filepath.Join("testdata", tt.golden), buf.Bytes())
		})
	}
	err := WriteComparison(&bytes.Buffer{}, readComparison(t, "compare_fail"), CompareOptions{Format: "html"})
	if !errors.Is(err, ErrFormat) {
		t.Errorf("format html: got %v, want ErrFormat", err)
	}
}
