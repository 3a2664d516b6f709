package fleetfile

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/loadtestdev/loadtest/capacity"
)

func readTestFleet(t *testing.T) (*Spec, string) {
	t.Helper()
	path := filepath.Join("testdata", "fleet.yaml")
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	s, err := Parse(path, data)
	if err != nil {
		t.Fatal(err)
	}
	return s, path
}

func TestParseBuild(t *testing.T) {
	s, _ := readTestFleet(t)
	var asked string
	if err := s.Resolve(func(_, p string) (float64, string, error) {
		asked = p
		return 500, "probe.sustainable_rate of " + p, nil
	}); err != nil {
		t.Fatal(err)
	}
	if want := filepath.Join("testdata", "db.json"); asked != want {
		t.Errorf("from: resolved %q, want %q (relative to the fleet file)", asked, want)
	}
	in, err := s.Build()
	if err != nil {
		t.Fatal(err)
	}
	want := capacity.FleetInput{
		Demand:            capacity.DemandInput{DAU: 1e6, RequestsPerUser: 200, PeakShare: 0.8, PeakWindow: 0.2},
		TargetUtilization: 0.7, Redundancy: 1, Zones: 3, GrowthRate: 0.1, HorizonMonths: 12,
		Mix:      mixWithTasks(capacity.MixFromHitRatio(0.9, 0.96), 0.05),
		App:      capacity.AppRates{CacheReadRPS: 10000, DBReadRPS: 800, WriteRPS: 500, OtherRPS: 39000},
		Cache:    &capacity.CacheTier{OpsPerNode: 100000, MemoryPerNode: 16e9, MaxFill: capacity.DefaultMaxFill},
		Database: &capacity.DatabaseTier{ReadQPSPerReplica: 5000, WriteQPSPerMaster: 2000, StoragePerNode: 1e12, MaxFill: 0.7},
		Data: capacity.FleetData{Users: 5e6, CacheBytesPerUser: 4000, DBBytesPerUser: 1e5, QueriesPerRead: 2, QueriesPerWrite: 3,
			CacheOpsPerRead: 1, CacheOpsPerWrite: 1},
		TasksPerWorker: 50,
	}
	if in.Demand != want.Demand || in.Mix != want.Mix || in.App != want.App || *in.Cache != *want.Cache || *in.Database != *want.Database ||
		in.Data != want.Data || in.TasksPerWorker != want.TasksPerWorker || in.GrowthRate != want.GrowthRate || in.HorizonMonths != 12 ||
		in.TargetUtilization != 0.7 || in.Zones != 3 || in.Redundancy != 1 {
		t.Errorf("got %+v\nwant %+v", in, want)
	}
	if v := s.Values["app.write_rps"]; v.Source != "probe.sustainable_rate of testdata/db.json" || v.Line != 18 {
		t.Errorf("write_rps: got source %q line %d", v.Source, v.Line)
	}
}

func TestParseValue(t *testing.T) {
	tests := []struct {
		kind Kind
		in   string
		want float64
	}{
		{Ratio, "80%", 0.8}, {Ratio, "0.25", 0.25}, {Bytes, "16GB", 16e9}, {Bytes, "512MiB", 512 << 20},
		{Bytes, "2KB", 2000}, {Bytes, "1TB", 1e12}, {Bytes, "1500", 1500}, {Whole, "3", 3}, {Number, "6849.3", 6849.3},
	}
	for _, tt := range tests {
		got, err := ParseValue(tt.kind, tt.in)
		if err != nil || got != tt.want {
			t.Errorf("ParseValue(%v, %q): got %v, %v; want %v", tt.kind, tt.in, got, err, tt.want)
		}
	}
	for _, bad := range []struct {
		kind Kind
		in   string
	}{{Ratio, "lots"}, {Bytes, "16 parsecs"}, {Whole, "2.5"}, {Number, "NaN"}, {Number, "1e999"}} {
		if _, err := ParseValue(bad.kind, bad.in); err == nil {
			t.Errorf("ParseValue(%v, %q): no error", bad.kind, bad.in)
		}
	}
}

// TestBadInput: every bad fleet names the file, the line and the field.
func TestBadInput(t *testing.T) {
	base := "traffic:\n  dau: 200000\nmix:\n  cache_reads: 0.96\n  db_reads: 0.04\napp:\n  cache_read_rps: 10000\n  db_read_rps: 800\n"
	tests := []struct {
		name, yaml, want string
	}{
		{"share above 1", strings.Replace(base, "cache_reads: 0.96", "cache_reads: 1.2", 1), "fleet f.yaml:4: mix.cache_reads 1.2: must be a share in [0, 1]"},
		{"shares do not add up", strings.Replace(base, "db_reads: 0.04", "db_reads: 0.4", 1), "fleet f.yaml:3: mix: the shares add up to 1.36: must be shares that add up to 1"},
		{"read share above 1", "traffic: {dau: 1}\nmix:\n  read_share: 120%\napp: {db_read_rps: 1}\n", "fleet f.yaml:3: mix.read_share 120%: must be a share in [0, 1]"},
		{"both mix forms", strings.Replace(base, "db_reads: 0.04\n", "db_reads: 0.04\n  read_share: 0.9\n", 1), "fleet f.yaml:6: mix.read_share: give the shares"},
		{"unknown field", strings.Replace(base, "db_reads:", "db_read:", 1), `fleet f.yaml:5: unknown field mix.db_read, want one of cache_hit_ratio, cache_reads, db_reads, other, read_share, tasks_per_request, writes; did you mean "mix.db_reads"?`},
		{"unknown section", base + "databse:\n  read_qps_per_replica: 1\n", `fleet f.yaml:9: unknown field databse, want one of `},
		{"did you mean section", base + "databse:\n  read_qps_per_replica: 1\n", `did you mean "database"?`},
		{"twice", base + "traffic:\n  dau: 1\n", "fleet f.yaml:9: traffic appears twice (first at line 1)"},
		{"missing rate", strings.Replace(base, "  db_read_rps: 800\n", "", 1), "fleet f.yaml:6: app.db_read_rps is missing: must be a number greater than 0"},
		{"zero rate", strings.Replace(base, "db_read_rps: 800", "db_read_rps: 0", 1), "fleet f.yaml:8: app.db_read_rps 0: must be a number greater than 0"},
		{"no dau", strings.Replace(base, "  dau: 200000\n", "  requests_per_user: 100\n", 1), "fleet f.yaml:1: traffic.dau is required (or --dau)"},
		{"negative dau", strings.Replace(base, "dau: 200000", "dau: -5", 1), "fleet f.yaml:2: traffic.dau -5: must be a number greater than 0"},
		{"not a number", strings.Replace(base, "dau: 200000", "dau: many", 1), `fleet f.yaml:2: traffic.dau: "many" is not a number`},
		{"bad size", base + "cache:\n  ops_per_node: 1\n  memory_per_node: 16 bananas\n", `fleet f.yaml:11: cache.memory_per_node: "16 bananas" is not a size`},
		{"from on a size", base + "cache:\n  ops_per_node: 1\n  memory_per_node: {from: c.json}\n", "fleet f.yaml:11: cache.memory_per_node: want a value, got a mapping"},
		{"from without a path", strings.Replace(base, "db_read_rps: 800", "db_read_rps: {from: }", 1), "fleet f.yaml:8: app.db_read_rps: from: wants the path of a loadtest result"},
		{"fill above 1", base + "cache:\n  ops_per_node: 1\n  max_fill: 1.5\n", "fleet f.yaml:11: cache.max_fill 1.5: must be in (0, 1]"},
		{"horizon without growth", strings.Replace(base, "dau: 200000", "dau: 200000\n  horizon: 6", 1), "fleet f.yaml:3: traffic.horizon needs traffic.growth"},
		{"tasks without workers", strings.Replace(base, "db_reads: 0.04\n", "db_reads: 0.04\n  tasks_per_request: 0.1\n", 1), "fleet f.yaml: workers.tasks_per_worker is missing"},
		{"section not a mapping", "traffic: 5\n", "fleet f.yaml:1: traffic is a mapping of"},
		{"not a mapping", "- a\n", "fleet f.yaml:1: a fleet file is a mapping"},
		{"empty", "", "fleet f.yaml: empty"},
		{"no mix", "traffic: {dau: 5}\n", "fleet f.yaml: mix is required"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, err := Parse("f.yaml", []byte(tt.yaml))
			if err == nil {
				_, err = s.Build()
			}
			var fe *Error
			if !errors.As(err, &fe) {
				t.Fatalf("got %v (%T), want an *Error", err, err)
			}
			if !strings.Contains(err.Error(), tt.want) {
				t.Errorf("got  %s\nwant %s", err, tt.want)
			}
		})
	}
}

func TestResolveError(t *testing.T) {
	s, _ := readTestFleet(t)
	err := s.Resolve(func(_, _ string) (float64, string, error) { return 0, "", errors.New("the probe did not converge") })
	want := "fleet testdata/fleet.yaml:18: app.write_rps: from db.json: the probe did not converge"
	if err == nil || err.Error() != want {
		t.Errorf("got %v, want %s", err, want)
	}
}

func TestFlagsOverride(t *testing.T) {
	s, _ := readTestFleet(t)
	f, _ := fieldByPath("traffic.dau")
	if err := s.SetFlag(f, "2000000"); err != nil {
		t.Fatal(err)
	}
	f, _ = fieldByPath("app.write_rps")
	if err := s.SetFlag(f, "600"); err != nil {
		t.Fatal(err)
	}
	if err := s.Resolve(func(_, _ string) (float64, string, error) { t.Error("a flag replaced the from:"); return 0, "", nil }); err != nil {
		t.Fatal(err)
	}
	in, err := s.Build()
	if err != nil {
		t.Fatal(err)
	}
	if in.Demand.DAU != 2e6 || in.App.WriteRPS != 600 {
		t.Errorf("got dau %v, write rps %v; want 2e6, 600", in.Demand.DAU, in.App.WriteRPS)
	}
	f, _ = fieldByPath("mix.cache_hit_ratio")
	if err := s.SetFlag(f, "1.5"); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Build(); err == nil || err.Error() != "--cache-hit-ratio: mix.cache_hit_ratio 1.5: must be a share in [0, 1]" {
		t.Errorf("got %v", err)
	}
	if err := s.SetFlag(f, "x"); err == nil || !strings.HasPrefix(err.Error(), "--cache-hit-ratio: ") {
		t.Errorf("got %v", err)
	}
}

// TestFlagsAlone: a fleet from flags, without a file.
func TestFlagsAlone(t *testing.T) {
	s := New()
	for flag, v := range map[string]string{"dau": "200000", "cache-read-share": "96%", "db-read-share": "4%", "cache-read-rps": "10000", "db-read-rps": "800"} {
		for _, f := range Fields {
			if f.Flag == flag {
				if err := s.SetFlag(f, v); err != nil {
					t.Fatal(err)
				}
			}
		}
	}
	in, err := s.Build()
	if err != nil {
		t.Fatal(err)
	}
	f, err := capacity.MakeFleet(in)
	if err != nil {
		t.Fatal(err)
	}
	if got := capacity.MixServerRPS(in.Mix, in.App); got < 6849 || got > 6850 {
		t.Errorf("got %v req/s per server, want 6,849.3", got)
	}
	if f.App.Servers != 2 {
		t.Errorf("got %d app servers, want 2 (ceil(1,851.85 / (6,849.3 × 0.7)) = 1, N+1)", f.App.Servers)
	}
}

func TestFieldsUnique(t *testing.T) {
	paths, flags := map[string]bool{}, map[string]bool{}
	for _, f := range Fields {
		if paths[f.Path] || flags[f.Flag] {
			t.Errorf("field %s (--%s) twice", f.Path, f.Flag)
		}
		paths[f.Path], flags[f.Flag] = true, true
	}
}

func mixWithTasks(m capacity.FleetMix, tasks float64) capacity.FleetMix {
	m.TasksPerRequest = tasks
	return m
}
