package reports

import (
	"strings"
	"testing"

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
