package results

import (
	"reflect"
	"testing"
)

func TestSummarizeSamples(t *testing.T) {
	samples := []Snapshot{
		{
			Load: LoadAvg{Load1: 1, Load5: 0.5, Load15: 0.25}, CPU: CPUPercent{User: 10, System: 5, Idle: 85},
			Memory:    Memory{UsedBytes: 100, AvailableBytes: 900},
			Processes: []Process{{PID: 1, Role: RoleGenerator, CPUPercent: 20, RSSBytes: 10, OpenFDs: 8, FDLimit: 1024, Goroutines: 4}},
		},
		{
			Load: LoadAvg{Load1: 3, Load5: 1.5, Load15: 0.75}, CPU: CPUPercent{User: 50, System: 20, Idle: 20, Iowait: 6, Steal: 4},
			Memory: Memory{UsedBytes: 300, AvailableBytes: 700},
			Processes: []Process{
				{PID: 1, Role: RoleGenerator, CPUPercent: 80, RSSBytes: 30, OpenFDs: 108, FDLimit: 1024, Goroutines: 104},
				{PID: 2, Role: RoleServer, CPUPercent: 150, RSSBytes: 50},
			},
		},
	}
	want := map[string]SeriesStat{
		"load1":                 {Min: 1, Mean: 2, Max: 3},
		"load5":                 {Min: 0.5, Mean: 1, Max: 1.5},
		"load15":                {Min: 0.25, Mean: 0.5, Max: 0.75},
		"cpu_user":              {Min: 10, Mean: 30, Max: 50},
		"cpu_system":            {Min: 5, Mean: 12.5, Max: 20},
		"cpu_idle":              {Min: 20, Mean: 52.5, Max: 85},
		"cpu_iowait":            {Min: 0, Mean: 3, Max: 6},
		"cpu_steal":             {Min: 0, Mean: 2, Max: 4},
		"mem_used_bytes":        {Min: 100, Mean: 200, Max: 300},
		"mem_available_bytes":   {Min: 700, Mean: 800, Max: 900},
		"generator_cpu_percent": {Min: 20, Mean: 50, Max: 80},
		"generator_rss_bytes":   {Min: 10, Mean: 20, Max: 30},
		"generator_open_fds":    {Min: 8, Mean: 58, Max: 108},
		"generator_goroutines":  {Min: 4, Mean: 54, Max: 104},
		// The server appears in one sample only: its series covers that one.
		"server_cpu_percent": {Min: 150, Mean: 150, Max: 150},
		"server_rss_bytes":   {Min: 50, Mean: 50, Max: 50},
	}
	got := SummarizeSamples(samples)
	if !reflect.DeepEqual(got, want) {
		for k := range want {
			if got[k] != want[k] {
				t.Errorf("%s: got %+v, want %+v", k, got[k], want[k])
			}
		}
		for k := range got {
			if _, ok := want[k]; !ok {
				t.Errorf("got unexpected series %s: %+v", k, got[k])
			}
		}
	}
	if got := SummarizeSamples(nil); len(got) != 0 {
		t.Errorf("got %v for no samples, want an empty summary", got)
	}
	if got := ProcessSeries(RoleServer, "cpu_percent"); got != "server_cpu_percent" {
		t.Errorf("got %q, want server_cpu_percent", got)
	}
}
