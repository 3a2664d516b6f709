package reports

import (
	"bytes"
	"reflect"
	"strings"
	"testing"

	"github.com/loadtestdev/loadtest/results"
)

// withoutProcesses returns a copy of the fixture's host series with no process in any sample,
// as in result files written before processes were sampled, or from a target whose /stats has none.
func withoutProcesses(s *results.HostSeries) *results.HostSeries {
	c := *s
	c.Samples = append([]results.Snapshot(nil), s.Samples...)
	for i := range c.Samples {
		c.Samples[i].Processes = nil
	}
	return &c
}

func TestSummarizeProcess(t *testing.T) {
	snap := func(cores int, procs ...results.Process) results.Snapshot {
		return results.Snapshot{NumCPU: cores, Processes: procs}
	}
	gen := func(cpu float64, rssMiB uint64) results.Process {
		return results.Process{Role: "generator", CPUPercent: cpu, RSSBytes: rssMiB << 20}
	}
	tests := []struct {
		name string
		s    *results.HostSeries
		want procFigures
	}{
		{"end is the last sample, peaks are maxima of different samples",
			&results.HostSeries{Samples: []results.Snapshot{snap(4, gen(10, 30)), snap(4, gen(250, 31)), snap(4, gen(90, 40)), snap(4, gen(5, 35))}},
			procFigures{End: procPoint{5, 35 << 20, 4}, PeakCPU: procPoint{250, 31 << 20, 4}, PeakRSS: 40 << 20, Measured: true}},
		{"other roles are not this side's process",
			&results.HostSeries{Samples: []results.Snapshot{snap(2, gen(20, 10), results.Process{Role: "server", CPUPercent: 190, RSSBytes: 99 << 20})}},
			procFigures{End: procPoint{20, 10 << 20, 2}, PeakCPU: procPoint{20, 10 << 20, 2}, PeakRSS: 10 << 20, Measured: true}},
		{"several processes of the role add up",
			&results.HostSeries{Samples: []results.Snapshot{snap(2, gen(20, 10), gen(30, 5))}},
			procFigures{End: procPoint{50, 15 << 20, 2}, PeakCPU: procPoint{50, 15 << 20, 2}, PeakRSS: 15 << 20, Measured: true}},
		{"end is the last sample the process is in",
			&results.HostSeries{Samples: []results.Snapshot{snap(2, gen(20, 10)), snap(2)}},
			procFigures{End: procPoint{20, 10 << 20, 2}, PeakCPU: procPoint{20, 10 << 20, 2}, PeakRSS: 10 << 20, Measured: true}},
		{"no process in the samples", &results.HostSeries{Samples: []results.Snapshot{snap(2), snap(2)}}, procFigures{}},
		{"summary only: its maxima", &results.HostSeries{Summary: map[string]results.SeriesStat{
			"generator_cpu_percent": {Min: 1, Mean: 50, Max: 120}, "generator_rss_bytes": {Max: 64 << 20}}},
			procFigures{End: procPoint{120, 64 << 20, 0}, PeakCPU: procPoint{120, 64 << 20, 0}, PeakRSS: 64 << 20, Measured: true}},
		{"summary without the process", &results.HostSeries{Summary: map[string]results.SeriesStat{"load1": {Max: 1}}}, procFigures{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := summarizeProcess("generator", tt.s); got != tt.want {
				t.Errorf("got %+v, want %+v", got, tt.want)
			}
		})
	}
}

func TestFormatProcCPU(t *testing.T) {
	tests := []struct {
		name string
		p    procPoint
		want string
	}{
		{"share of the cores", procPoint{CPUPercent: 150, Cores: 2}, "150.0 % (75.0 % of 2 cores)"},
		{"one core", procPoint{CPUPercent: 42, Cores: 1}, "42.0 % (42.0 % of 1 core)"},
		{"cores unknown", procPoint{CPUPercent: 42}, "42.0 %"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := formatProcCPU(tt.p); got != tt.want {
				t.Errorf("got %q, want %q", got, tt.want)
			}
		})
	}
}

func TestHostBlockProcessColumns(t *testing.T) {
	full := fixtureResult(t)
	old := fixtureResult(t)
	old.Host = &results.Host{Generator: withoutProcesses(old.Host.Generator), Server: withoutProcesses(old.Host.Server)}
	remote := fixtureResult(t)
	remote.Host.Server = withoutProcesses(remote.Host.Server)
	remote.Host.Server.Origin, remote.Host.Server.SameHost = "http://10.0.0.9:8080/stats", false
	merged := fixtureResult(t)
	merged.Sources = []string{"a.json", "b.json"}
	merged.SourceHosts = []*results.Host{{Source: "a.json", Generator: full.Host.Generator}, {Source: "b.json", Server: withoutProcesses(full.Host.Server)}}
	merged.Host = nil
	single := []string{"host", "origin", "when", "load 1/5/15", "cpu user/sys/idle", "process cpu", "process rss"}
	tests := []struct {
		name   string
		r      *results.Result
		header []string
		procs  [][]string // the process cells (cpu, rss) of each row; nil when the columns are left out
	}{
		{"both processes", full, single, [][]string{
			{"1.5 % (0.8 % of 2 cores)", "33.00 MiB"}, {"34.7 % (17.4 % of 2 cores)", "34.00 MiB"},
			{"1.5 % (0.8 % of 2 cores)", "43.00 MiB"}, {"54.5 % (27.2 % of 2 cores)", "44.00 MiB"}}},
		{"remote server without processes", remote, single, [][]string{
			{"1.5 % (0.8 % of 2 cores)", "33.00 MiB"}, {"34.7 % (17.4 % of 2 cores)", "34.00 MiB"}, {"-", "-"}, {"-", "-"}}},
		{"merged, one source without", merged, append([]string{"source"}, single...), [][]string{
			{"1.5 % (0.8 % of 2 cores)", "33.00 MiB"}, {"34.7 % (17.4 % of 2 cores)", "34.00 MiB"}, {"-", "-"}, {"-", "-"}}},
		{"no process samples: no process columns", old, single[:5], nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b := newHostBlock(tt.r)
			if !reflect.DeepEqual(b.Header, tt.header) || len(b.Aligns) != len(b.Header) {
				t.Fatalf("got header %q aligned %q, want %q", b.Header, b.Aligns, tt.header)
			}
			if len(b.Rows) != 4 {
				t.Fatalf("got %d rows, want 4", len(b.Rows))
			}
			var procs [][]string
			for _, row := range b.Rows {
				if len(row) != len(b.Header) {
					t.Fatalf("got a row of %d cells under %d columns: %q", len(row), len(b.Header), row)
				}
				if tt.procs != nil {
					procs = append(procs, row[len(row)-2:])
				}
			}
			if !reflect.DeepEqual(procs, tt.procs) {
				t.Errorf("got process cells %q, want %q", procs, tt.procs)
			}
			for _, render := range []func(*bytes.Buffer, *results.Result) error{
				func(b *bytes.Buffer, r *results.Result) error { return Text(b, r) },
				func(b *bytes.Buffer, r *results.Result) error { return Markdown(b, r) },
				func(b *bytes.Buffer, r *results.Result) error { return HTML(b, r) },
			} {
				var buf bytes.Buffer
				if err := render(&buf, tt.r); err != nil {
					t.Fatal(err)
				}
				out := buf.String()
				if got := strings.Contains(out, "process cpu"); got != (tt.procs != nil) {
					t.Errorf("got process columns %v, want %v, in\n%.3000s", got, tt.procs != nil, out)
				}
				if !strings.Contains(out, "cpu user/sys/idle") {
					t.Errorf("got no host block in\n%.3000s", out)
				}
			}
		})
	}
}
