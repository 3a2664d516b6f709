package reports

import (
	"testing"

	"github.com/loadtestdev/loadtest/capacity"
)

func TestPlanStepText(t *testing.T) {
	tests := []struct {
		step capacity.Step
		want string
	}{
		{capacity.Step{Text: "daily = {} × {} = {} requests", Values: []capacity.Value{{V: 200000}, {V: 200}, {V: 4e7}}},
			"daily = 200,000 × 200 = 40,000,000 requests"},
		{capacity.Step{Text: "servers = ceil({}) = {}", Values: []capacity.Value{{V: 11.574}, {Kind: capacity.KindCount, V: 12}}},
			"servers = ceil(11.57) = 12"},
		{capacity.Step{Text: "u = {}, Wq = {}", Values: []capacity.Value{{Kind: capacity.KindRatio, V: 0.7}, {Kind: capacity.KindSeconds, V: 0.0015}}},
			"u = 70%, Wq = 1.5 ms"},
		{capacity.Step{Text: "no numbers"}, "no numbers"},
	}
	for _, tt := range tests {
		if got := planStepText(tt.step); got != tt.want {
			t.Errorf("got %q, want %q", got, tt.want)
		}
	}
}
