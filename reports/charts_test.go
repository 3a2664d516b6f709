package reports

import (
	"reflect"
	"testing"

	"github.com/loadtestdev/loadtest/results"
)

func TestSplitGaps(t *testing.T) {
	xy := func(xs ...float64) []point {
		out := make([]point, len(xs))
		for i, x := range xs {
			out[i].X = x
		}
		return out
	}
	tests := []struct {
		name    string
		in      []point
		maxStep float64
		want    [][]point
	}{
		{"empty", nil, 1.5, nil},
		{"no gap", xy(0, 1, 2), 1.5, [][]point{xy(0, 1, 2)}},
		{"one gap", xy(0, 1, 5, 6), 1.5, [][]point{xy(0, 1), xy(5, 6)}},
		{"lone points", xy(0, 3, 9), 1.5, [][]point{xy(0), xy(3), xy(9)}},
		{"never split", xy(0, 100), 0, [][]point{xy(0, 100)}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := splitGaps(tt.in, tt.maxStep); !reflect.DeepEqual(got, tt.want) {
				t.Errorf("got %v, want %v", got, tt.want)
			}
		})
	}
}

func TestNineTicks(t *testing.T) {
	var got []string
	for _, tk := range (nineTicks{}).Ticks(1, 1e7) {
		got = append(got, tk.Label)
	}
	want := []string{"50%", "90%", "99%", "99.9%", "99.99%", "99.999%", "99.9999%", "99.99999%"}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got %v, want %v", got, want)
	}
}

func TestPercentileCurve(t *testing.T) {
	r := fixtureResult(t)
	xys, err := percentileCurve(r.Histograms.Latency)
	if err != nil {
		t.Fatal(err)
	}
	last := xys[len(xys)-1]
	if last.X != 500 || last.Y != r.LatencyMS.Max {
		t.Errorf("last point: got %+v, want x 500 (the count), y %v (the max)", last, r.LatencyMS.Max)
	}
	for i := 1; i < len(xys); i++ {
		if xys[i].X <= xys[i-1].X || xys[i].Y < xys[i-1].Y {
			t.Fatalf("point %d: got %+v after %+v, want x increasing and y not decreasing", i, xys[i], xys[i-1])
		}
	}
}

func TestCPULines(t *testing.T) {
	same := fixtureResult(t)
	apart := fixtureResult(t)
	apart.Host.Server.SameHost = false
	old := fixtureResult(t)
	old.Host = &results.Host{Generator: withoutProcesses(old.Host.Generator), Server: withoutProcesses(old.Host.Server)}
	merged := fixtureResult(t)
	merged.SourceHosts = []*results.Host{{Source: "a.json", Generator: same.Host.Generator, Server: same.Host.Server},
		{Source: "b.json", Generator: withoutProcesses(same.Host.Generator)}}
	merged.Host = nil
	serverOnly := fixtureResult(t)
	serverOnly.Host.Generator = nil
	tests := []struct {
		name string
		r    *results.Result
		want []string
	}{
		{"same host: one host line", same, []string{"host", "generator process", "server process"}},
		{"different hosts: a line each", apart, []string{"generator host", "server host", "generator process", "server process"}},
		{"no process samples", old, []string{"host"}},
		{"merged", merged, []string{"a.json host", "a.json generator process", "a.json server process", "b.json generator host"}},
		{"server side only", serverOnly, []string{"server host", "server process"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			lines, _ := cpuLines(tt.r)
			var got []string
			for _, l := range lines {
				got = append(got, l.Name)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("got lines %q, want %q", got, tt.want)
			}
			charts, err := Charts(tt.r)
			if err != nil {
				t.Fatal(err)
			}
			if len(charts) != len(chartNames) {
				t.Errorf("got %d charts, want %d", len(charts), len(chartNames))
			}
		})
	}
}

func TestCPULineValues(t *testing.T) {
	r := fixtureResult(t)
	lines, maxStep := cpuLines(r)
	if maxStep != 3 {
		t.Errorf("got gap step %v, want 3 (three times the 1 s sampling interval)", maxStep)
	}
	byName := map[string][]point{}
	for _, l := range lines {
		byName[l.Name] = l.Points
	}
	for i, sm := range r.Host.Generator.Samples {
		if got, want := byName["host"][i], (point{X: float64(i), Y: 100 - sm.CPU.Idle}); got != want {
			t.Errorf("host point %d: got %+v, want %+v", i, got, want)
		}
		// The process line is in percent of all cores: % of one core / cores.
		if got, want := byName["generator process"][i].Y, sm.Processes[0].CPUPercent/2; got != want {
			t.Errorf("generator process point %d: got %v, want %v", i, got, want)
		}
		if got, want := byName["server process"][i].Y, r.Host.Server.Samples[i].Processes[0].CPUPercent/2; got != want {
			t.Errorf("server process point %d: got %v, want %v", i, got, want)
		}
	}
}

func TestLoadChartSameHostOnce(t *testing.T) {
	r := fixtureResult(t)
	lines, _ := hostLines(r, func(s results.Snapshot) float64 { return s.Load.Load1 }, nil)
	if len(lines) != 1 || lines[0].Name != "host" {
		t.Errorf("got %d lines (%+v), want one named host", len(lines), lines)
	}
}

func TestCPULineStyles(t *testing.T) {
	apart := fixtureResult(t)
	apart.Host.Server.SameHost = false
	lines, _ := cpuLines(apart)
	want := map[string]lineStyle{"generator host": {0, 0}, "generator process": {0, 1}, "server host": {1, 0}, "server process": {1, 1}}
	for _, l := range lines {
		if l.Style == nil || *l.Style != want[l.Name] {
			t.Errorf("%s: got style %+v, want %+v (one colour a side, dashed for the process)", l.Name, l.Style, want[l.Name])
		}
	}
	same, _ := cpuLines(fixtureResult(t))
	for _, l := range same {
		if l.Style != nil {
			t.Errorf("same host, %s: got style %+v, want none (three distinct lines by position)", l.Name, *l.Style)
		}
	}
}
