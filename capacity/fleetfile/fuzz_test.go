package fleetfile

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/loadtestdev/loadtest/capacity"
)

// FuzzParse: no fleet file makes Parse, Resolve, Build or capacity.MakeFleet panic, every
// error Parse and Build return is an *Error, and every role of a fleet has a node. The seed corpus (testdata/fleet.yaml and the cases below, and
// testdata/fuzz/FuzzParse) runs in the normal test run.
func FuzzParse(f *testing.F) {
	data, err := os.ReadFile(filepath.Join("testdata", "fleet.yaml"))
	if err != nil {
		f.Fatal(err)
	}
	f.Add(data)
	for _, seed := range []string{
		"", "traffic: 5\n", "traffic: {dau: 1}\nmix: {read_share: 1}\napp: {db_read_rps: 800}\n",
		"mix: {cache_reads: 0.5, db_reads: 0.5}\napp: {cache_read_rps: {from: x.json}}\n",
		"a: &a [*a]\n", "traffic: {dau: 1e400}\n", "cache: {memory_per_node: 16EiB}\n",
		"app:\n  write_rps: {from: [1]}\n", "traffic:\n  dau: 1\n  dau: 2\n",
	} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		s, err := Parse("f.yaml", data)
		if err != nil {
			if _, ok := err.(*Error); !ok {
				t.Fatalf("Parse: %T %v, want an *Error", err, err)
			}
			return
		}
		_ = s.Resolve(func(_, _ string) (float64, string, error) { return 100, "fuzz", nil })
		in, err := s.Build()
		if err != nil {
			if _, ok := err.(*Error); !ok {
				t.Fatalf("Build: %T %v, want an *Error", err, err)
			}
			return
		}
		f, err := capacity.MakeFleet(in) // a fleet that builds sizes, or says why not
		if err == nil {
			for _, r := range f.Roles {
				if r.Count < 1 {
					t.Fatalf("%s: %d, want at least 1", r.Role, r.Count)
				}
			}
		}
	})
}
