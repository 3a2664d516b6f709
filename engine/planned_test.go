package engine

import (
	"testing"
	"time"
)

func TestPlannedRequests(t *testing.T) {
	tests := []struct {
		name string
		eo   Options
		want uint64
	}{
		{"constant", Options{RatePerSec: 50, Duration: 10 * time.Second}, 500},
		{"constant, fractional", Options{RatePerSec: 3, Duration: 1500 * time.Millisecond}, 5},
		{"as fast as possible", Options{Duration: 10 * time.Second}, 0},
		{"no end", Options{RatePerSec: 50}, 0},
		{"max requests", Options{RatePerSec: 50, Duration: 10 * time.Second, MaxRequests: 30}, 30},
		{"ramp 0 to 100/s over 10s", Options{Stages: []Stage{{Duration: 10 * time.Second, RatePerSec: 100}}}, 500},
		{"ramp then hold", Options{Stages: []Stage{{Duration: 10 * time.Second, RatePerSec: 100}, {Duration: 5 * time.Second, RatePerSec: 100}}}, 1000},
		{"ramp cut at half", Options{Duration: 5 * time.Second, Stages: []Stage{{Duration: 10 * time.Second, RatePerSec: 100}}}, 125},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.eo.PlannedRequests(); got != tt.want {
				t.Errorf("got %d, want %d", got, tt.want)
			}
		})
	}
}
