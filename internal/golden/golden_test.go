package golden

import (
	"os"
	"path/filepath"
	"testing"
)

// recorder is a testing.TB that records failures instead of stopping the test.
type recorder struct {
	testing.TB
	failed bool
}

func (r *recorder) Helper()               {}
func (r *recorder) Errorf(string, ...any) { r.failed = true }
func (r *recorder) Fatalf(string, ...any) { r.failed = true }

func TestAssert(t *testing.T) {
	if Updating() {
		t.Skip("-update rewrites golden files; this test checks the comparison")
	}
	path := filepath.Join(t.TempDir(), "out.txt")
	if err := os.WriteFile(path, []byte("same\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name     string
		path     string
		got      string
		wantFail bool
	}{
		{"equal", path, "same\n", false},
		{"different", path, "other\n", true},
		{"a byte more", path, "same\n\n", true},
		{"missing file", filepath.Join(t.TempDir(), "none.txt"), "same\n", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := &recorder{TB: t}
			Assert(r, tt.path, []byte(tt.got))
			if r.failed != tt.wantFail {
				t.Errorf("got failed=%v, want %v", r.failed, tt.wantFail)
			}
		})
	}
}
