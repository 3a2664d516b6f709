package collector

import (
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/loadtestdev/loadtest/results"
)

// gen is a generator-host sample: host idle percent and the generator process's CPU and fds.
func gen(idle, procCPU float64, gomaxprocs, openFDs int, fdLimit uint64) results.Snapshot {
	return results.Snapshot{
		NumCPU: 4, CPU: results.CPUPercent{User: 100 - idle, Idle: idle},
		Processes: []results.Process{{PID: 10, Role: results.RoleGenerator, CPUPercent: procCPU, GOMAXPROCS: gomaxprocs, OpenFDs: openFDs, FDLimit: fdLimit}},
	}
}

// srv is a server-host sample with a 1-minute load average and a core count.
func srv(load1 float64, numCPU int) results.Snapshot {
	return results.Snapshot{NumCPU: numCPU, Load: results.LoadAvg{Load1: load1, Load5: load1 / 2, Load15: load1 / 4}, CPU: results.CPUPercent{Idle: 50}}
}

// srvAt is a server-host sample taken sec seconds into the run, with a 1-minute load average,
// a core count and the host's CPU idle percent over the interval before it.
func srvAt(sec float64, load1 float64, numCPU int, idle float64) results.Snapshot {
	s := srv(load1, numCPU)
	s.Time = time.Unix(1_700_000_000, 0).Add(time.Duration(sec * float64(time.Second)))
	s.CPU = results.CPUPercent{User: 100 - idle, Idle: idle}
	return s
}

func TestWarnings(t *testing.T) {
	calm := []results.Snapshot{gen(80, 50, 4, 20, 1024), gen(60, 120, 4, 40, 1024)}
	tests := []struct {
		name       string
		in         Assessment
		wantCodes  []string
		wantValues map[string]float64 // of the first warning
	}{
		{name: "no samples", in: Assessment{}},
		{name: "calm run", in: Assessment{Generator: calm, Server: []results.Snapshot{srv(2, 4), srv(3.9, 4)}}},
		{
			name:       "generator process above 90% of GOMAXPROCS cores",
			in:         Assessment{Generator: append(calm, gen(50, 181, 2, 40, 1024)), TargetOnSameHost: true},
			wantCodes:  []string{WarnGeneratorCPU},
			wantValues: map[string]float64{"cpu_percent": 181, "usable_cores": 2, "threshold_percent": 180},
		},
		{
			name: "generator process at exactly 90% does not fire",
			in:   Assessment{Generator: []results.Snapshot{gen(50, 180, 2, 40, 1024)}},
		},
		{
			name:       "without GOMAXPROCS the host's cores count",
			in:         Assessment{Generator: []results.Snapshot{gen(50, 361, 0, 40, 1024)}},
			wantCodes:  []string{WarnGeneratorCPU},
			wantValues: map[string]float64{"cpu_percent": 361, "usable_cores": 4, "threshold_percent": 360},
		},
		{
			name: "the server process's CPU is not the generator's",
			in: Assessment{Generator: []results.Snapshot{{NumCPU: 1, CPU: results.CPUPercent{Idle: 50},
				Processes: []results.Process{{PID: 11, Role: results.RoleServer, CPUPercent: 100}}}}},
		},
		{
			name:       "host idle under 5% with a remote target",
			in:         Assessment{Generator: append(calm, gen(4.9, 50, 4, 40, 1024), gen(30, 50, 4, 40, 1024))},
			wantCodes:  []string{WarnGeneratorHostIdle},
			wantValues: map[string]float64{"cpu_idle": 4.9, "threshold_percent": 5},
		},
		{
			name: "host idle at exactly 5% does not fire",
			in:   Assessment{Generator: []results.Snapshot{gen(5, 50, 4, 40, 1024)}},
		},
		{
			name: "host idle under 5% with the target on the same host does not fire",
			in:   Assessment{Generator: []results.Snapshot{gen(1, 50, 4, 40, 1024)}, TargetOnSameHost: true},
		},
		{
			name:       "open fds at 95% of the limit",
			in:         Assessment{Generator: append(calm, gen(50, 50, 4, 950, 1000))},
			wantCodes:  []string{WarnGeneratorFDs},
			wantValues: map[string]float64{"open_fds": 950, "fd_limit": 1000},
		},
		{
			name: "open fds just under 95% does not fire",
			in:   Assessment{Generator: []results.Snapshot{gen(50, 50, 4, 949, 1000)}},
		},
		{
			name: "unknown fd limit does not fire",
			in:   Assessment{Generator: []results.Snapshot{gen(50, 50, 4, 5000, 0)}},
		},
		{
			name:       "requests failed with too many open files",
			in:         Assessment{Generator: calm, FDErrors: 12},
			wantCodes:  []string{WarnGeneratorFDs},
			wantValues: map[string]float64{"fd_errors": 12},
		},
		{
			name:       "connection cap reached",
			in:         Assessment{Generator: calm, ConnectionCap: 100, PeakConnections: 100},
			wantCodes:  []string{WarnConnectionCap},
			wantValues: map[string]float64{"peak_connections": 100, "connection_cap": 100},
		},
		{
			name: "connection cap not reached",
			in:   Assessment{Generator: calm, ConnectionCap: 100, PeakConnections: 99},
		},
		{
			name: "no connection cap",
			in:   Assessment{Generator: calm, PeakConnections: 5000},
		},
		{
			name: "server load from before the run does not fire",
			in:   Assessment{Server: []results.Snapshot{srvAt(0, 9, 2, 60), srvAt(30, 6, 2, 60)}},
		},
		{
			name: "the generator's load is not the server's",
			in:   Assessment{Generator: []results.Snapshot{func() results.Snapshot { s := gen(50, 50, 4, 40, 1024); s.Load.Load1 = 10; return s }()}},
		},
		{
			name: "everything at once, in a fixed order",
			in: Assessment{
				Generator: []results.Snapshot{gen(2, 390, 4, 1000, 1000)}, Server: []results.Snapshot{srvAt(0, 0, 8, 90), srvAt(60, 9, 8, 0)},
				ConnectionCap: 10, PeakConnections: 10,
			},
			wantCodes:  []string{WarnGeneratorCPU, WarnGeneratorHostIdle, WarnGeneratorFDs, WarnConnectionCap, WarnServerLoad},
			wantValues: map[string]float64{"cpu_percent": 390, "usable_cores": 4, "threshold_percent": 360},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := Warnings(tt.in)
			var codes []string
			for _, w := range got {
				codes = append(codes, w.Code)
				if w.Message == "" {
					t.Errorf("%s: got an empty message", w.Code)
				}
			}
			if !reflect.DeepEqual(codes, tt.wantCodes) {
				t.Fatalf("got codes %v, want %v", codes, tt.wantCodes)
			}
			if len(got) > 0 && !reflect.DeepEqual(got[0].Values, tt.wantValues) {
				t.Errorf("got values %v, want %v", got[0].Values, tt.wantValues)
			}
		})
	}
}

func TestGeneratorWarningsSayTheGeneratorLimitsResults(t *testing.T) {
	ws := Warnings(Assessment{Generator: []results.Snapshot{gen(1, 400, 4, 10, 1024)}})
	if len(ws) != 2 {
		t.Fatalf("got %d warnings, want 2", len(ws))
	}
	for _, w := range ws {
		if !strings.HasPrefix(w.Message, "results may be limited by the load generator, not the target") {
			t.Errorf("%s: got message %q, want it to start with the issue's wording", w.Code, w.Message)
		}
	}
}

func TestServerLoadWarningSaysWhenTheGeneratorSharesTheHost(t *testing.T) {
	for _, same := range []bool{false, true} {
		ws := Warnings(Assessment{Server: []results.Snapshot{srvAt(0, 0.5, 2, 90), srvAt(30, 2.5, 2, 1)}, TargetOnSameHost: same})
		if len(ws) != 1 {
			t.Fatalf("same host %v: got %d warnings, want 1", same, len(ws))
		}
		if got := strings.Contains(ws[0].Message, "load generator runs on it too"); got != same {
			t.Errorf("same host %v: got message %q", same, ws[0].Message)
		}
	}
}

func TestHostIdleWhenBehindSchedule(t *testing.T) {
	// issue 11 item 7: rate 200000/s on 2 cores, host 5.6% idle, the target on the same host:
	// the run fell behind with connections to spare, so the shared host's CPU is to blame
	tests := []struct {
		name string
		a    Assessment
		want bool
	}{
		{"same host, behind, connections to spare", Assessment{Generator: []results.Snapshot{gen(50, 10, 0, 0, 0), gen(5.6, 10, 0, 0, 0)}, TargetOnSameHost: true,
			BehindSchedule: true, ConnectionCap: 50, PeakConnections: 12}, true},
		{"same host, on schedule", Assessment{Generator: []results.Snapshot{gen(5.6, 10, 0, 0, 0)}, TargetOnSameHost: true, ConnectionCap: 50, PeakConnections: 12}, false},
		{"same host, behind with every connection busy", Assessment{Generator: []results.Snapshot{gen(5.6, 10, 0, 0, 0)}, TargetOnSameHost: true,
			BehindSchedule: true, ConnectionCap: 50, PeakConnections: 50}, true},
		{"same host, behind, host idle enough", Assessment{Generator: []results.Snapshot{gen(30, 10, 0, 0, 0)}, TargetOnSameHost: true,
			BehindSchedule: true, ConnectionCap: 50, PeakConnections: 12}, false},
		{"other host, behind, 8% idle", Assessment{Generator: []results.Snapshot{gen(8, 10, 0, 0, 0)}, BehindSchedule: true, ConnectionCap: 50, PeakConnections: 1}, true},
		{"other host, on schedule, 8% idle", Assessment{Generator: []results.Snapshot{gen(8, 10, 0, 0, 0)}}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w, got := generatorHostIdleWarning(tt.a)
			if got != tt.want {
				t.Errorf("fired %v (%+v), want %v", got, w, tt.want)
			}
		})
	}
}
