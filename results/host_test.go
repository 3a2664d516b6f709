package results

import "testing"

func TestNewHostSeries(t *testing.T) {
	samples := []Snapshot{
		{Load: LoadAvg{Load1: 1}, CPU: CPUPercent{Idle: 90}},
		{Load: LoadAvg{Load1: 3}, CPU: CPUPercent{Idle: 10}},
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
