package capacity

import (
	"math"
	"strings"
	"testing"
)

func TestParseUSLCSV(t *testing.T) {
	for _, c := range []struct {
		name, in string
		n        int
		err      string
	}{
		{"plain", "1,955.16\n2,1878.91\n", 2, ""},
		{"header", "concurrency,throughput\n1,955.16\n", 1, ""},
		{"quoted header and spaces", "\"N\", \"X\"\n 1 , 2\n\n# comment\n3,4\n", 2, ""},
		{"crlf", "1,2\r\n3,4\r\n", 2, ""},
		{"empty", "", 0, "no measurements"},
		{"header only", "N,X\n", 0, "no measurements"},
		{"one field", "1,2\n3\n", 0, "f.csv:2: want 2 fields"},
		{"three fields", "1,2,3\n", 0, "f.csv:1: want 2 fields"},
		{"text row after header", "N,X\na,b\n", 0, "f.csv:2: concurrency"},
		{"bad throughput", "1,2\n2,x\n", 0, "f.csv:2: throughput"},
		{"zero concurrency", "0,5\n", 0, "f.csv:1: concurrency 0"},
		{"negative throughput", "1,-5\n", 0, "f.csv:1: throughput -5"},
		{"nan", "1,NaN\n", 0, "f.csv:1: throughput"},
		{"inf", "Inf,1\n", 0, "f.csv:1: concurrency"},
		{"bare quote", "1,\"2\n", 0, "f.csv:"},
	} {
		t.Run(c.name, func(t *testing.T) {
			pts, err := ParseUSLCSV(strings.NewReader(c.in), "f.csv")
			if c.err != "" {
				if err == nil || !strings.Contains(err.Error(), c.err) {
					t.Fatalf("got %v, want an error containing %q", err, c.err)
				}
				return
			}
			if err != nil || len(pts) != c.n {
				t.Fatalf("got %d points, %v; want %d", len(pts), err, c.n)
			}
		})
	}
}

// FuzzParseUSLCSV: the parser never panics, and what it accepts is finite and in range.
func FuzzParseUSLCSV(f *testing.F) {
	for _, seed := range []string{
		"1,955.16\n2,1878.91\n3,2688.01\n",
		"concurrency,throughput\n1,10\n",
		"\"N\",\"X\"\n1, 2\n",
		"# c\n\n1,2\r\n",
		"1,2,3\n",
		"1,\"2\n",
		"0,0\n",
		"1e308,1e-308\n",
		"N,X\na,b\n",
		"",
	} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, in string) {
		pts, err := ParseUSLCSV(strings.NewReader(in), "fuzz.csv")
		if err != nil {
			if !strings.HasPrefix(err.Error(), "fuzz.csv") {
				t.Errorf("error %q does not name the file", err)
			}
			return
		}
		if len(pts) == 0 {
			t.Error("no points and no error")
		}
		for _, p := range pts {
			if !(p.Concurrency >= 1) || !(p.Throughput > 0) || math.IsInf(p.Concurrency, 0) || math.IsInf(p.Throughput, 0) {
				t.Errorf("accepted %+v", p)
			}
		}
	})
}
