package capacity

import "testing"

// TestUtilizationLawMax: X/U, issue 19's example (50 req/s at 4% busy: 1,250 req/s), and 0
// where the law gives no bound.
func TestUtilizationLawMax(t *testing.T) {
	for _, tt := range []struct {
		name             string
		throughput, busy float64
		want             float64
	}{
		{"issue 19", 50, 0.04, 1250},
		{"saturated", 800, 1, 800},
		{"idle", 50, 0, 0},
		{"over 1", 50, 1.2, 0},
		{"no throughput", 0, 0.5, 0},
	} {
		t.Run(tt.name, func(t *testing.T) {
			if got := UtilizationLawMax(tt.throughput, tt.busy); got != tt.want {
				t.Errorf("got %v, want %v", got, tt.want)
			}
		})
	}
}
