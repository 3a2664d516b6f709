package reports

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/loadtestdev/loadtest/capacity"
	"github.com/loadtestdev/loadtest/results"
)

func TestUSLPointFrom(t *testing.T) {
	tests := []struct {
		name       string
		r          results.Result
		wantN      float64
		wantX      float64
		wantErrSub string
	}{
		{"closed model", results.Result{Connections: 16, Throughput: 5130.43}, 16, 5130.43, ""},
		{"open model", results.Result{Connections: 0, Throughput: 100}, 0, 0, "no connection count"},
		{"no successes", results.Result{Connections: 8, Throughput: 0}, 0, 0, "no successful throughput"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := USLPointFrom(&tt.r, "c.json")
			if tt.wantErrSub != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErrSub) || !strings.Contains(err.Error(), "--from c.json") {
					t.Fatalf("got %v, want an error naming c.json and %q", err, tt.wantErrSub)
				}
				return
			}
			if err != nil || p.Concurrency != tt.wantN || p.Throughput != tt.wantX {
				t.Errorf("got %+v, %v; want N=%g X=%g", p, err, tt.wantN, tt.wantX)
			}
		})
	}
}

func TestUSLPointsFrom(t *testing.T) {
	dir := t.TempDir()
	var paths []string
	for _, r := range []results.Result{{Connections: 1, Throughput: 955.16}, {Connections: 2, Throughput: 1878.91}} {
		path := filepath.Join(dir, fmt.Sprintf("c%d.json", r.Connections))
		if err := results.WriteFile(path, &r); err != nil {
			t.Fatal(err)
		}
		paths = append(paths, path)
	}
	pts, err := USLPointsFrom(paths)
	if err != nil || len(pts) != 2 || pts[0] != (capacity.Point{Concurrency: 1, Throughput: 955.16}) || pts[1] != (capacity.Point{Concurrency: 2, Throughput: 1878.91}) {
		t.Fatalf("got %+v, %v; want (1, 955.16) and (2, 1878.91)", pts, err)
	}
	missing := filepath.Join(dir, "none.json")
	if _, err := USLPointsFrom(append(paths, missing)); err == nil || !strings.HasPrefix(err.Error(), "--from: ") || !strings.Contains(err.Error(), "none.json") {
		t.Errorf("got %v, want an error naming --from and none.json", err)
	}
}

func TestUSLPoints(t *testing.T) {
	csv := "concurrency,throughput\n1,955.16\n2,1878.91\n"
	path := filepath.Join(t.TempDir(), "usl.csv")
	if err := os.WriteFile(path, []byte(csv), 0o644); err != nil {
		t.Fatal(err)
	}
	want := []capacity.Point{{Concurrency: 1, Throughput: 955.16}, {Concurrency: 2, Throughput: 1878.91}}
	for _, tt := range []struct{ file, wantSource string }{{path, path}, {"-", "stdin"}} {
		pts, source, err := USLPoints(tt.file, nil, strings.NewReader(csv))
		if err != nil || source != tt.wantSource || len(pts) != 2 || pts[0] != want[0] || pts[1] != want[1] {
			t.Errorf("%s: got %+v from %q, %v; want %+v from %q", tt.file, pts, source, err, want, tt.wantSource)
		}
	}
	missing := filepath.Join(t.TempDir(), "none.csv")
	if _, _, err := USLPoints(missing, nil, nil); err == nil || !strings.HasPrefix(err.Error(), missing+": ") {
		t.Errorf("a missing file: got %v, want an error naming it", err)
	}
}
