package cli

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/loadtestdev/loadtest/results"
)

// fleetProbes writes converged probes of the bundled server's three scenarios into dir, at
// the Swiper notes' rates: echo 39,000 req/s, cache 10,000, db 800.
func fleetProbes(t *testing.T, dir string) {
	t.Helper()
	for name, rate := range map[string]float64{"echo": 39000, "cache": 10000, "db": 800} {
		r := &results.Result{Schema: results.Schema, Scenario: name, Throughput: rate, Probe: capConvergedProbe(rate)}
		if err := results.WriteFile(filepath.Join(dir, name+".json"), r); err != nil {
			t.Fatal(err)
		}
	}
}

// fleetYAML is the notes' read-only service: 96% of the requests read from the cache, 4% from
// the database.
const fleetYAML = `traffic:
  dau: 200000
mix:
  cache_reads: 0.96
  db_reads: 0.04
app:
  cache_read_rps: {from: cache.json}
  db_read_rps: {from: db.json}
database:
  read_qps_per_replica: 800
  write_qps_per_master: 800
`

func writeFleet(t *testing.T, dir, body string) string {
	t.Helper()
	path := filepath.Join(dir, "fleet.yaml")
	if err := os.WriteFile(path, []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// TestCapacityFleetFromProbes: the rates come from converged probes; one app server holds
// 1 / (0.96/10000 + 0.04/800) = 6,849.3 req/s of the mix, so the peak of 1,851.85 req/s takes
// ceil(1,851.85 / (6,849.3 × 0.7)) = 1 server, N+1 = 2.
func TestCapacityFleetFromProbes(t *testing.T) {
	dir := t.TempDir()
	fleetProbes(t, dir)
	path := writeFleet(t, dir, fleetYAML)
	code, out, errOut := capRun(t, "fleet", path, "--output", "json")
	if code != ExitOK {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	var doc struct {
		AppRPS  float64 `json:"app_server_rps"`
		Sources []struct {
			Field, Source, Evidence string
			Rate                    float64
		} `json:"sources"`
		Roles []struct {
			Role  string `json:"role"`
			Count int    `json:"count"`
		} `json:"roles"`
	}
	if err := json.Unmarshal([]byte(out), &doc); err != nil {
		t.Fatal(err)
	}
	if doc.AppRPS != 6849.315 || doc.Roles[0].Count != 2 {
		t.Errorf("got %v req/s per app server, %d servers; want 6,849.315, 2", doc.AppRPS, doc.Roles[0].Count)
	}
	if len(doc.Sources) != 2 || doc.Sources[0].Field != "app.cache_read_rps" || !strings.HasPrefix(doc.Sources[0].Source, "probe.sustainable_rate of ") ||
		!strings.Contains(doc.Sources[0].Evidence, "the probe converged") {
		t.Errorf("sources: %+v", doc.Sources)
	}
	// A flag overrides the file: with the db rate given, the db probe is not read.
	code, out, errOut = capRun(t, "fleet", path, "--db-read-rps", "400", "--explain")
	if code != ExitOK {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	if !strings.Contains(out, "app server rate = 1 / (0.96/10,000 + 0.04/400) = 5,102.04 req/s") || strings.Contains(out, "db.json") {
		t.Errorf("--db-read-rps 400 over the file:\n%s", out)
	}
}

// TestCapacityFleetBadInput: bad input exits 2 naming the file, line and field (or flag).
func TestCapacityFleetBadInput(t *testing.T) {
	notConverged := func(dir string) {
		r := &results.Result{Schema: results.Schema, Scenario: "db", Throughput: 550, Probe: capConvergedProbe(550)}
		r.Probe.Converged, r.Probe.Stop, r.Probe.GeneratorLimit, r.Probe.Bracket.LowestFailed = false, results.ProbeGenerator, 600, 0
		if err := results.WriteFile(filepath.Join(dir, "db.json"), r); err != nil {
			t.Fatal(err)
		}
	}
	notAProbe := func(dir string) {
		r := &results.Result{Schema: results.Schema, Scenario: "db", Throughput: 50, RateAsked: 50}
		if err := results.WriteFile(filepath.Join(dir, "db.json"), r); err != nil {
			t.Fatal(err)
		}
	}
	tests := []struct {
		name  string
		yaml  string
		setup func(dir string)
		args  []string
		want  []string
	}{
		{"share outside [0, 1]", strings.Replace(fleetYAML, "cache_reads: 0.96", "cache_reads: 1.5", 1), nil, nil,
			[]string{"fleet.yaml:4: mix.cache_reads 1.5: must be a share in [0, 1]"}},
		{"shares that do not add up", strings.Replace(fleetYAML, "db_reads: 0.04", "db_reads: 0.4", 1), nil, nil,
			[]string{"fleet.yaml:3: mix: the shares add up to 1.36: must be shares that add up to 1"}},
		{"probe that did not converge", fleetYAML, notConverged, nil,
			[]string{"fleet.yaml:8: app.db_read_rps: from db.json: the probe did not converge on the server's limit", "the rate as a number"}},
		{"run that is not a probe", fleetYAML, notAProbe, nil,
			[]string{"fleet.yaml:8: app.db_read_rps: from db.json: the run does not show where the server saturates", "loadtest probe db"}},
		{"missing result", fleetYAML, func(dir string) { os.Remove(filepath.Join(dir, "db.json")) }, nil,
			[]string{"fleet.yaml:8: app.db_read_rps: from db.json:", "no such file"}},
		{"unknown field", strings.Replace(fleetYAML, "read_qps_per_replica", "read_qps_per_replika", 1), nil, nil,
			[]string{"fleet.yaml:10: unknown field database.read_qps_per_replika", `did you mean "database.read_qps_per_replica"?`}},
		{"bad flag", fleetYAML, nil, []string{"--cache-hit-ratio", "lots"},
			[]string{`--cache-hit-ratio: "lots" is not a share`}},
		{"flag out of range", fleetYAML, nil, []string{"--db-read-share", "-0.1", "--cache-read-share", "1.1"},
			[]string{"--cache-read-share: mix.cache_reads 1.1: must be a share in [0, 1]"}},
		{"bad zones", fleetYAML, nil, []string{"--zones", "1"}, []string{"--zones: zones 1: must be 2 or more"}},
		{"bad output", fleetYAML, nil, []string{"-o", "csv"}, []string{`--output "csv": must be text, json or md`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			fleetProbes(t, dir)
			if tt.setup != nil {
				tt.setup(dir)
			}
			path := writeFleet(t, dir, tt.yaml)
			code, out, errOut := capRun(t, append([]string{"fleet", path}, tt.args...)...)
			if code != ExitUsage {
				t.Fatalf("exit code: got %d, want %d\nstdout:\n%s\nstderr:\n%s", code, ExitUsage, out, errOut)
			}
			for _, w := range tt.want {
				if !strings.Contains(errOut, w) {
					t.Errorf("stderr lacks %q:\n%s", w, errOut)
				}
			}
		})
	}
}

// TestCapacityFleetFlagsOnly: the notes' figures from flags alone.
func TestCapacityFleetFlagsOnly(t *testing.T) {
	code, out, errOut := capRun(t, "fleet", "--dau", "200000", "--cache-read-share", "96%", "--db-read-share", "4%",
		"--cache-read-rps", "10000", "--db-read-rps", "800", "--explain")
	if code != ExitOK {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	for _, w := range []string{"app server rate = 1 / (0.96/10,000 + 0.04/800) = 6,849.32 req/s", "│ app servers │     2 │"} {
		if !strings.Contains(out, w) {
			t.Errorf("output lacks %q:\n%s", w, out)
		}
	}
	if code, _, errOut := capRun(t, "fleet", "--cache-read-share", "1"); code != ExitUsage || !strings.Contains(errOut, "traffic.dau is required (or --dau)") {
		t.Errorf("no DAU: exit %d, %s", code, errOut)
	}
}

// TestCapacityFleetInterruptedProbe: a rate from an interrupted probe is used, with a warning
// on stderr naming the field, and in the JSON's warnings.
func TestCapacityFleetInterruptedProbe(t *testing.T) {
	dir := t.TempDir()
	fleetProbes(t, dir)
	r := &results.Result{Schema: results.Schema, Scenario: "db", Throughput: 800, Probe: capConvergedProbe(800), Interrupted: true}
	if err := results.WriteFile(filepath.Join(dir, "db.json"), r); err != nil {
		t.Fatal(err)
	}
	path := writeFleet(t, dir, fleetYAML)
	code, out, errOut := capRun(t, "fleet", path)
	if code != ExitOK || !strings.Contains(errOut, "warning: rate_from_interrupted_run: app.db_read_rps: the per-server rate (probe.sustainable_rate of ") {
		t.Errorf("exit %d\nstderr:\n%s\nstdout:\n%s", code, errOut, out)
	}
	code, out, _ = capRun(t, "fleet", path, "-o", "json")
	if code != ExitOK || !strings.Contains(out, `"code": "rate_from_interrupted_run"`) {
		t.Errorf("json: exit %d\n%s", code, out)
	}
}
