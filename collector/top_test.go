package collector

import (
	"bytes"
	"path/filepath"
	"testing"
	"time"

	"github.com/loadtestdev/loadtest/internal/golden"
	"github.com/loadtestdev/loadtest/results"
)

func TestWriteTopGolden(t *testing.T) {
	at := time.Date(2026, 11, 25, 17, 26, 34, 0, time.UTC)
	tests := []struct {
		name string
		snap results.Snapshot
	}{
		{
			name: "top_local",
			snap: results.Snapshot{
				Time: at, Hostname: "loadgen-1", NumCPU: 2, UptimeS: 3*86400 + 4*3600 + 5*60 + 9,
				Load:   results.LoadAvg{Load1: 6.19, Load5: 4.39, Load15: 3.6},
				CPU:    results.CPUPercent{User: 45.2, System: 10.1, Idle: 44.2, Iowait: 0.3, Steal: 0.2},
				PerCPU: []results.CPUPercent{{User: 83.7, System: 15.9, Idle: 0.3, Iowait: 0.1}, {User: 6.7, System: 4.3, Idle: 88.1, Iowait: 0.5, Steal: 0.4}},
				Memory: results.Memory{TotalBytes: 16 << 30, FreeBytes: 1234 << 20, UsedBytes: 8000 << 20, AvailableBytes: 7000 << 20},
				Processes: []results.Process{
					{PID: 4242, Role: results.RoleGenerator, CPUPercent: 123.4, RSSBytes: 56 << 20, OpenFDs: 212, FDLimit: 1048576, Goroutines: 310, GOMAXPROCS: 2},
					{PID: 4250, Role: results.RoleServer, CPUPercent: 61, RSSBytes: 20 << 20, OpenFDs: 110, FDLimit: 1024},
				},
			},
		},
		{
			name: "top_short_uptime",
			snap: results.Snapshot{
				Time: at, NumCPU: 1, UptimeS: 12*60 + 30, Load: results.LoadAvg{Load1: 0.01},
				CPU: results.CPUPercent{Idle: 100}, PerCPU: []results.CPUPercent{{Idle: 100}},
				Memory: results.Memory{TotalBytes: 512 << 20, FreeBytes: 100 << 20, UsedBytes: 200 << 20, AvailableBytes: 300 << 20},
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var buf bytes.Buffer
			if err := WriteTop(&buf, tt.snap); err != nil {
				t.Fatalf("WriteTop: %v", err)
			}
			golden.Assert(t, filepath.Join("testdata", tt.name+".golden"), buf.Bytes())
		})
	}
}

func TestFormatUptime(t *testing.T) {
	tests := []struct {
		seconds uint64
		want    string
	}{
		{0, "0 min"},
		{59, "0 min"},
		{12 * 60, "12 min"},
		{4*3600 + 5*60, " 4:05"},
		{13*3600 + 5*60, "13:05"},
		{86400 + 12*60, "1 day, 12 min"},
		{3*86400 + 4*3600 + 5*60, "3 days,  4:05"},
	}
	for _, tt := range tests {
		if got := formatUptime(tt.seconds); got != tt.want {
			t.Errorf("formatUptime(%d): got %q, want %q", tt.seconds, got, tt.want)
		}
	}
}
