package cli

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestCapacityBadInput(t *testing.T) {
	dir := t.TempDir()
	write := func(name, body string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	five := write("five.csv", "1,10\n2,19\n3,27\n4,34\n5,40\n")
	badRow := write("bad.csv", "N,X\n1,10\n2,abc\n")
	three := write("three.csv", "1,10\n2,19,5\n")
	huge := write("huge.csv", "1,1e308\n2,1.5e308\n3,1.7e308\n4,1.75e308\n5,1.79e308\n6,1.797e308\n")
	notResult := write("not.json", `{"schema":"other"}`)
	zeroRun := capWriteResult(t, "zero.json", 0, 0, 0, 0)
	failedProbe := capWriteResult(t, "failed-probe.json", 0, 500, 0, 0)
	if err := os.WriteFile(failedProbe, []byte(strings.Replace(mustRead(t, failedProbe), `"scenario"`, `"probe": {"slos": ["p99<1ms"], "sustainable_rate": 0, "steps": []}, "scenario"`, 1)), 0o644); err != nil {
		t.Fatal(err)
	}
	plan := func(args ...string) []string {
		return append([]string{"plan", "--dau", "200000", "--server-rps", "800"}, args...)
	}
	for _, c := range []struct {
		name string
		args []string
		want string // in the message
	}{
		{"zero dau", []string{"plan", "--dau", "0", "--server-rps", "800"}, "--dau 0"},
		{"negative dau", []string{"plan", "--dau", "-5"}, "--dau -5"},
		{"missing dau", []string{"plan", "--server-rps", "800"}, "--dau is required"},
		{"dau not a number", []string{"plan", "--dau", "lots"}, "--dau"},
		{"zero requests", plan("--requests-per-user", "0"), "--requests-per-user 0"},
		{"negative requests", plan("--requests-per-user", "-1"), "--requests-per-user -1"},
		{"zero capacity", []string{"plan", "--dau", "1", "--server-rps", "0"}, "--server-rps 0"},
		{"negative capacity", []string{"plan", "--dau", "1", "--server-rps", "-800"}, "--server-rps -800"},
		{"share above 1", plan("--peak-share", "1.5"), "--peak-share 1.5"},
		{"share zero", plan("--peak-share", "0"), "--peak-share 0"},
		{"share percent above 100", plan("--peak-share", "150%"), "--peak-share 1.5"},
		{"share not a ratio", plan("--peak-share", "most"), "--peak-share"},
		{"window zero", plan("--peak-window", "0"), "--peak-window 0"},
		{"window above 1", plan("--peak-window", "2"), "--peak-window 2"},
		{"share below window", plan("--peak-share", "0.1", "--peak-window", "0.2"), "below the average"},
		{"factor below 1", plan("--peak-factor", "0.5"), "--peak-factor 0.5"},
		{"factor and share", plan("--peak-factor", "4", "--peak-share", "0.8"), "--peak-factor"},
		{"utilisation zero", plan("--target-utilization", "0"), "--target-utilization 0"},
		{"utilisation above 1", plan("--target-utilization", "1.2"), "--target-utilization 1.2"},
		{"utilisation negative", plan("--target-utilization", "-0.5"), "--target-utilization -0.5"},
		{"negative redundancy", plan("--redundancy", "-1"), "--redundancy -1"},
		{"one zone", plan("--zones", "1"), "--zones 1"},
		{"horizon without growth", plan("--horizon", "6"), "--horizon needs --growth"},
		{"horizon too long", plan("--growth", "5%", "--horizon", "500"), "--horizon 500"},
		{"growth below -100%", plan("--growth", "-150%"), "--growth -1.5"},
		{"cache hit above 1", plan("--cache-hit-ratio", "1.2"), "--cache-hit-ratio 1.2"},
		{"negative queries", plan("--queries-per-request", "-1"), "--queries-per-request -1"},
		{"zero db qps", plan("--db-qps-per-server", "0"), "--db-qps-per-server 0"},
		{"zero latency", plan("--latency", "0s"), "--latency 0s"},
		{"two wait targets", plan("--latency", "5ms", "--max-wait", "1ms", "--max-wait-probability", "5%"), "not both"},
		{"wait probability above 1", plan("--latency", "5ms", "--max-wait-probability", "2"), "--max-wait-probability 2"},
		{"from and server rps", plan("--from", zeroRun), "--server-rps and --from"},
		{"from missing file", []string{"plan", "--dau", "1", "--from", filepath.Join(dir, "nope.json")}, "nope.json"},
		{"from not a result", []string{"plan", "--dau", "1", "--from", notResult}, "not.json"},
		{"from no throughput", []string{"plan", "--dau", "1", "--from", zeroRun}, "no successful throughput"},
		{"from failed probe", []string{"plan", "--dau", "1", "--from", failedProbe}, "no rate that met its SLOs"},
		{"bad output", plan("--output", "xml"), "--output"},
		{"plan takes no args", plan("extra"), "unknown command"},
		{"fit without file", []string{"fit"}, "CSV file"},
		{"fit five points", []string{"fit", five}, "at least 6"},
		{"fit bad row", []string{"fit", badRow}, "bad.csv:3"},
		{"fit three fields", []string{"fit", three}, "three.csv:2"},
		{"fit missing file", []string{"fit", filepath.Join(dir, "none.csv")}, "none.csv"},
		{"fit bad N", []string{"fit", five, "zero"}, `N "zero"`},
		{"fit N overflows", []string{"fit", "-", "16", "1e300", "--output", "json"}, `N 1e300: capacity: the USL prediction is not finite`},
		{"fit N below 1", []string{"fit", five, "0"}, `N "0"`},
		{"fit overflows", []string{"fit", huge}, "huge.csv: capacity: the USL fit is not finite (λ = +Inf"},
		{"fit overflows json", []string{"fit", huge, "--output", "json"}, "the USL fit is not finite"},
		{"queue too many servers for a wait", []string{"queue", "--rps", "1e9", "--service-time", "10ms", "--max-wait", "1ms"}, "--rps 1e+09 with --service-time 10ms: capacity: the queue needs more than 10,000,000 servers"},
		{"queue too many servers for a probability", []string{"queue", "--rps", "1e9", "--service-time", "10ms", "--max-wait-probability", "5%"}, "needs more than 10,000,000 servers"},
		{"queue load overflows", []string{"queue", "--rps", "1e308", "--service-time", "10s", "--servers", "3"}, "--rps 1e+308: must be small enough"},
		{"queue no rps", []string{"queue", "--service-time", "10ms", "--servers", "2"}, "--rps"},
		{"queue zero rps", []string{"queue", "--rps", "0", "--service-time", "10ms", "--servers", "2"}, "--rps 0"},
		{"queue no service time", []string{"queue", "--rps", "10", "--servers", "2"}, "--service-time"},
		{"queue negative service", []string{"queue", "--rps", "10", "--service-time", "-1ms", "--servers", "2"}, "--service-time -1ms"},
		{"queue no target", []string{"queue", "--rps", "10", "--service-time", "10ms"}, "exactly one"},
		{"queue two targets", []string{"queue", "--rps", "10", "--service-time", "10ms", "--servers", "2", "--max-wait", "1ms"}, "exactly one"},
		{"queue zero servers", []string{"queue", "--rps", "10", "--service-time", "10ms", "--servers", "0"}, "--servers 0"},
		{"queue saturated", []string{"queue", "--rps", "1000", "--service-time", "10ms", "--servers", "10"}, "utilisation ≥ 1"},
		{"queue bad probability", []string{"queue", "--rps", "10", "--service-time", "10ms", "--max-wait-probability", "0"}, "--max-wait-probability 0"},
		{"queue bad duration", []string{"queue", "--rps", "10", "--service-time", "ten", "--servers", "2"}, "--service-time"},
	} {
		t.Run(c.name, func(t *testing.T) {
			code, out, errOut := capRun(t, c.args...)
			if code != ExitUsage {
				t.Fatalf("exit %d, want %d; out %s err %s", code, ExitUsage, out, errOut)
			}
			if !strings.Contains(errOut, c.want) {
				t.Errorf("message %q does not contain %q", errOut, c.want)
			}
		})
	}
}

func mustRead(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// TestCapacityPlanExactCeil: 400 req/s on 200 req/s servers is 2 servers, not 3, and
// 1,680 req/s at 70% of 800 is 3 although 800 × 0.7 is not exact in floating point.
func TestCapacityPlanExactCeil(t *testing.T) {
	for _, c := range []struct {
		name, dau, rps, util, key string
		want                      int
	}{
		// 43,200 × 200 × 0.8 / (86,400 × 0.2) = 400 req/s.
		{"400 on 200", "43200", "200", "1", "servers_raw", 2},
		{"400 on 200 at 100%", "43200", "200", "1", "servers_at_target", 2},
		// 181,440 × 200 × 4 / 86,400 = 1,680 req/s; 1,680 / (800 × 0.7) = 3.
		{"1680 on 800 at 70%", "181440", "800", "0.7", "servers_at_target", 3},
		{"1680 on 800 at 70% percent", "181440", "800", "70%", "servers_at_target", 3},
	} {
		t.Run(c.name, func(t *testing.T) {
			code, out, errOut := capRun(t, "plan", "--dau", c.dau, "--server-rps", c.rps, "--target-utilization", c.util, "--redundancy", "0", "-o", "json")
			if code != ExitOK {
				t.Fatalf("exit %d: %s", code, errOut)
			}
			var doc struct{ Supply map[string]float64 }
			if err := json.Unmarshal([]byte(out), &doc); err != nil {
				t.Fatal(err)
			}
			if got := int(doc.Supply[c.key]); got != c.want {
				t.Errorf("%s: got %d, want %d", c.key, got, c.want)
			}
		})
	}
}
