package cli

import (
	"encoding/json"
	"fmt"
	"path/filepath"
	"strings"
	"testing"

	"github.com/loadtestdev/loadtest/engine"
	"github.com/loadtestdev/loadtest/results"
)

func TestRunShardBadInput(t *testing.T) {
	srv, n := countingServer(t)
	sc := writeScenario(t, twoRequests)
	tests := []struct {
		name string
		args []string
		want string
	}{
		{"index out of range", []string{"run", sc, "--shard", "3/3", "--seed", "1"}, "--shard 3/3: index must be 0..2"},
		{"not I/N", []string{"run", sc, "--shard", "two", "--seed", "1"}, "want I/N"},
		{"no seed", []string{"run", sc, "--shard", "0/3"}, "--shard: give --seed N too"},
		{"no connection of its own", []string{"run", sc, "--target", srv.URL, "--shard", "2/3", "--seed", "1", "-c", "2"}, "shard 2/3 has no connection of its own"},
		{"no request of its own", []string{"run", sc, "--target", srv.URL, "--shard", "4/5", "--seed", "1", "--rate", "2/s", "-d", "1s"}, "shard 4/5 has no request of its own"},
		{"not on probe", []string{"probe", sc, "--shard", "0/2"}, "unknown flag: --shard"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, _, errOut := runCLI(t, tt.args...)
			if code != ExitUsage || !strings.Contains(errOut, tt.want) {
				t.Errorf("exit code %d, stderr %q; want %d saying %q", code, errOut, ExitUsage, tt.want)
			}
		})
	}
	if got := n.Load(); got != 0 {
		t.Errorf("the server got %d requests, want none", got)
	}
}

// TestRunShardsAddUpToTheWholeRun runs the swiper mix with --seed 7 once whole and once as 3
// separate shards against the reference server: the shards' per-request counts add up to
// the whole run's, each shard's result says which it is, and `loadtest report` merges the
// three into the whole (and refuses a shard given twice, and names one missing).
func TestRunShardsAddUpToTheWholeRun(t *testing.T) {
	t.Parallel()
	const secret = "test-secret"
	base := startReferenceServer(t, secret)
	dir := t.TempDir()
	run := func(out string, extra ...string) *results.Result {
		t.Helper()
		args := append([]string{"run", "swiper", "--target", base, "--secret", secret, "--no-thresholds", // not a speed test
			"--rate", "30/s", "--duration", "1s", "--seed", "7", "--connections", "6", "--out", out}, extra...)
		code, stdout, errOut := runCLI(t, args...)
		if code != ExitOK {
			t.Fatalf("%v: exit code = %d, want 0; stderr %q", extra, code, errOut)
		}
		r := readResult(t, out)
		if r.Sent != r.Planned {
			t.Fatalf("%v: sent %d of %d planned, want all (the counts below compare whole runs)", extra, r.Sent, r.Planned)
		}
		if len(extra) > 0 && !strings.Contains(stdout, "shard") {
			t.Errorf("%v: summary %q does not say which shard", extra, stdout)
		}
		return r
	}
	whole := run(filepath.Join(dir, "whole.json"))
	sum := map[string]uint64{}
	var shards []string
	var total uint64
	for i := range 3 {
		path := filepath.Join(dir, fmt.Sprintf("shard-%d.json", i))
		r := run(path, "--shard", fmt.Sprintf("%d/3", i))
		if r.Shard == nil || r.Shard.Index != i || r.Shard.Count != 3 {
			t.Errorf("shard %d: result shard = %+v, want %d of 3", i, r.Shard, i)
		}
		if want := (engine.Shard{Index: i, Count: 3}).Share(30); r.Requests != want || r.Connections != 2 {
			t.Errorf("shard %d: %d requests on %d connections, want %d on 2", i, r.Requests, r.Connections, want)
		}
		for name, s := range r.ByRequest {
			sum[name] += s.Requests
		}
		total += r.Requests
		shards = append(shards, path)
	}
	if whole.Requests != 30 || total != whole.Requests {
		t.Errorf("whole run %d requests, shards %d, want 30 both", whole.Requests, total)
	}
	for name, s := range whole.ByRequest {
		if sum[name] != s.Requests {
			t.Errorf("request %s: shards sent %d, the whole run %d", name, sum[name], s.Requests)
		}
		delete(sum, name)
	}
	for name, n := range sum {
		t.Errorf("request %s: shards sent %d, the whole run none", name, n)
	}

	code, stdout, errOut := runCLI(t, append([]string{"report", "--format", "json"}, shards...)...)
	var m results.Result
	if code != ExitOK || json.Unmarshal([]byte(stdout), &m) != nil {
		t.Fatalf("report of the shards: exit %d, stderr %q", code, errOut)
	}
	if m.Requests != whole.Requests || m.Coordination == nil || len(m.Coordination.Shards) != 3 {
		t.Errorf("merged %d requests, coordination %+v; want %d and 3 shards", m.Requests, m.Coordination, whole.Requests)
	}
	for name, s := range whole.ByRequest {
		if got := m.ByRequest[name]; got == nil || got.Requests != s.Requests {
			t.Errorf("merged request %s: %+v, want %d requests", name, got, s.Requests)
		}
	}
	if code, _, errOut := runCLI(t, "report", shards[0], shards[1], shards[1]); code != ExitUsage || !strings.Contains(errOut, "shard 1/3 given twice") {
		t.Errorf("report of a shard given twice: exit %d, stderr %q; want %d naming it", code, errOut, ExitUsage)
	}
	if code, _, errOut := runCLI(t, "report", shards[0], filepath.Join(dir, "whole.json")); code != ExitUsage || !strings.Contains(errOut, "is not a shard") {
		t.Errorf("report of a shard and a whole run: exit %d, stderr %q; want %d", code, errOut, ExitUsage)
	}
	code, stdout, errOut = runCLI(t, "report", shards[0], shards[2])
	if code != ExitOK || !strings.Contains(stdout, "shard(s) 1 of 3 are missing") || !strings.Contains(errOut, "shard(s) 1 of 3 are missing") {
		t.Errorf("report of 2 of 3 shards: exit %d, stdout %q, stderr %q; want the missing shard named in both", code, stdout, errOut)
	}
}
