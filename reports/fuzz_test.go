package reports

import (
	"errors"
	"strings"
	"testing"
)

// FuzzParseSpec checks that ParseSpec never panics, accepts only known formats with a path,
// and returns what it was given, trimmed.
func FuzzParseSpec(f *testing.F) {
	for _, seed := range []string{"html=report.html", "png=charts/", "md = s.md", "=", "json=", "=x", "pdf=a.pdf", "text=a=b", " csv =\tt.csv "} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, s string) {
		spec, err := ParseSpec(s)
		if err != nil {
			if !errors.Is(err, ErrSpec) && !errors.Is(err, ErrFormat) {
				t.Fatalf("ParseSpec(%q): got error %v, want ErrSpec or ErrFormat", s, err)
			}
			return
		}
		if CheckFormat(spec.Format) != nil || spec.Path == "" || !strings.Contains(s, spec.Path) {
			t.Fatalf("ParseSpec(%q) = %+v: want a known format and a path from the input", s, spec)
		}
	})
}
