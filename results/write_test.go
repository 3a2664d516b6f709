package results

import (
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestWriteFile(t *testing.T) {
	tests := []struct {
		name    string
		result  *Result
		wantErr bool
	}{
		{name: "replaces the old file", result: &Result{Scenario: "echo", DurationS: 1}},
		// encoding/json refuses NaN: the write fails halfway, and the old file must survive
		{name: "failed encoding keeps the old file", result: &Result{Scenario: "echo", DurationS: math.NaN()}, wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			path := filepath.Join(dir, "base.json")
			const old = `{"schema":"` + Schema + `","scenario":"baseline"}`
			if err := os.WriteFile(path, []byte(old), 0o644); err != nil {
				t.Fatal(err)
			}
			err := WriteFile(path, tt.result)
			if (err != nil) != tt.wantErr {
				t.Fatalf("got error %v, want error %v", err, tt.wantErr)
			}
			if err != nil && !strings.Contains(err.Error(), path) {
				t.Errorf("got error %q, want it to name %s", err, path)
			}
			f, err := os.Open(path)
			if err != nil {
				t.Fatal(err)
			}
			defer f.Close()
			got, err := Read(f)
			if err != nil {
				t.Fatalf("the file is no longer a result: %v", err)
			}
			want := tt.result.Scenario
			if tt.wantErr {
				want = "baseline"
			}
			if got.Scenario != want {
				t.Errorf("got scenario %q in the file, want %q", got.Scenario, want)
			}
			if entries, _ := os.ReadDir(dir); len(entries) != 1 {
				t.Errorf("got %d files in the directory, want 1 (no temporary file left)", len(entries))
			}
		})
	}
}

func TestCheckWritableKeepsTheFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "base.json")
	if err := os.WriteFile(path, []byte("baseline"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := CheckWritable(path); err != nil {
		t.Fatal(err)
	}
	if b, _ := os.ReadFile(path); string(b) != "baseline" {
		t.Errorf("got %q, want the file untouched", b)
	}
	if err := CheckWritable(filepath.Dir(path)); err == nil {
		t.Error("got no error for a directory, want one")
	}
}
