package engine

import (
	"testing"
	"time"
)

func TestCorrectedLatency(t *testing.T) {
	ms := time.Millisecond
	tests := []struct {
		name                string
		service, lag, slack time.Duration
		want                time.Duration
	}{
		{"on time", 2 * ms, 0, ms, 2 * ms},
		{"within the timer's slack", 2 * ms, ms, ms, 2 * ms},
		{"late beyond the slack counts the excess", 2 * ms, 500 * ms, ms, 501 * ms},
		{"no slack counts every lag", 2 * ms, 3 * ms, 0, 5 * ms},
		{"sent early (negative lag)", 2 * ms, -ms, ms, 2 * ms},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := correctedLatency(tt.service, tt.lag, tt.slack); got != tt.want {
				t.Errorf("correctedLatency(%v, %v, %v) = %v, want %v", tt.service, tt.lag, tt.slack, got, tt.want)
			}
		})
	}
}

func TestTimerSlackBounded(t *testing.T) {
	if s := TimerSlack(); s < 0 || s > maxTimerSlack {
		t.Errorf("TimerSlack() = %v, want within [0, %v]", s, maxTimerSlack)
	}
}
