package results

import (
	"testing"

	"github.com/loadtestdev/loadtest/collector"
)

func TestNewHostSeries(t *testing.T) {
	samples := []collector.Snapshot{
		{Load: collector.LoadAvg{Load1: 1}, CPU: collector.CPUPercent{Idle: 90}},
		{Load: collector.LoadAvg{Load1: 3}, CPU: collector.CPUPercent{Idle: 10}},
	}
	hs := NewHostSeries("local", true, samples)
	if hs.Origin != "local" || !hs.SameHost || len(hs.Samples) != 2 {
		t.Errorf("got %+v, want origin local, same host, 2 samples", hs)
	}
	if got, want := hs.Summary["load1"], (SeriesStat{Min: 1, Mean: 2, Max: 3}); got != want {
		t.Errorf("load1: got %+v, want %+v", got, want)
	}
	if got, want := hs.Summary["cpu_idle"], (SeriesStat{Min: 10, Mean: 50, Max: 90}); got != want {
		t.Errorf("cpu_idle: got %+v, want %+v", got, want)
	}
	if empty := NewHostSeries("http://x/stats", false, nil); empty.Samples == nil || len(empty.Summary) != 0 {
		t.Errorf("got %+v for no samples, want an empty (not null) sample list and summary", empty)
	}
}

func TestHostWarnings(t *testing.T) {
	ws := HostWarnings([]collector.Warning{{Code: collector.WarnServerLoad, Message: "m", Values: map[string]float64{"load1": 3}}})
	if len(ws) != 1 || ws[0].Code != collector.WarnServerLoad || ws[0].Message != "m" || ws[0].Values["load1"] != 3 {
		t.Errorf("got %+v, want the same code, message and values", ws)
	}
}
