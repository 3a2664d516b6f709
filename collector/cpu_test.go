package collector

import (
	"math"
	"testing"

	"github.com/loadtestdev/loadtest/results"
	"github.com/shirou/gopsutil/v4/cpu"
)

func TestCPUSplit(t *testing.T) {
	tests := []struct {
		name          string
		before, after cpu.TimesStat
		want          results.CPUPercent
	}{
		{
			name:   "user system idle",
			before: cpu.TimesStat{User: 10, System: 5, Idle: 100},
			after:  cpu.TimesStat{User: 40, System: 15, Idle: 160},
			want:   results.CPUPercent{User: 30, System: 10, Idle: 60},
		},
		{
			name:   "nice counts as user, irq and softirq as system, guest not twice",
			before: cpu.TimesStat{},
			after:  cpu.TimesStat{User: 20, Nice: 10, System: 10, Irq: 5, Softirq: 5, Idle: 30, Iowait: 10, Steal: 10, Guest: 7, GuestNice: 3},
			want:   results.CPUPercent{User: 30, System: 20, Idle: 30, Iowait: 10, Steal: 10},
		},
		{
			name:   "no time passed",
			before: cpu.TimesStat{User: 1, Idle: 1},
			after:  cpu.TimesStat{User: 1, Idle: 1},
			want:   results.CPUPercent{},
		},
		{
			name:   "a counter stepping back counts as zero",
			before: cpu.TimesStat{User: 10, Idle: 50, Iowait: 9},
			after:  cpu.TimesStat{User: 20, Idle: 80, Iowait: 5},
			want:   results.CPUPercent{User: 25, Idle: 75},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := cpuSplit(tt.before, tt.after)
			if got != tt.want {
				t.Errorf("got %+v, want %+v", got, tt.want)
			}
			if sum := got.User + got.System + got.Idle + got.Iowait + got.Steal; sum != 0 && math.Abs(sum-100) > 0.05 {
				t.Errorf("got a split adding up to %v, want 100", sum)
			}
		})
	}
}

func TestPerCPUSplitMatchesCoresByName(t *testing.T) {
	before := []cpu.TimesStat{{CPU: "cpu0", User: 0, Idle: 0}, {CPU: "cpu1", User: 0, Idle: 0}}
	after := []cpu.TimesStat{{CPU: "cpu1", User: 1, Idle: 3}, {CPU: "cpu2", User: 5}, {CPU: "cpu0", User: 2, Idle: 2}}
	got := perCPUSplit(before, after)
	want := []results.CPUPercent{{User: 25, Idle: 75}, {User: 50, Idle: 50}}
	if len(got) != len(want) {
		t.Fatalf("got %d cores, want %d: %+v", len(got), len(want), got)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("core %d: got %+v, want %+v", i, got[i], want[i])
		}
	}
}

func TestProcessCPUPercent(t *testing.T) {
	tests := []struct {
		name                 string
		before, after, wallS float64
		want                 float64
	}{
		{"one core busy", 1, 3, 2, 100},
		{"two cores busy", 0, 4, 2, 200},
		{"quarter core", 10, 10.25, 1, 25},
		{"no wall time", 0, 1, 0, 0},
		{"counter reset", 5, 1, 1, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := processCPUPercent(tt.before, tt.after, tt.wallS); got != tt.want {
				t.Errorf("got %v, want %v", got, tt.want)
			}
		})
	}
}
