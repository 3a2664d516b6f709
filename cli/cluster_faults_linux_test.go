//go:build linux

package cli

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/loadtestdev/loadtest/cluster"
	"github.com/loadtestdev/loadtest/results"
)

// TestShardFrozenIsStoppedOnReturn: SIGSTOP a shard until the coordinator counts it lost
// (cluster.DefaultLostAfter of silence), then SIGCONT it: it is told to stop and stops (it
// exits 1 while the run goes on), sends no backlog (at 20/s per shard, 8 s frozen would be
// some 160 hits at once), keeps its own result marked interrupted, and the merged result
// counts what it sent after its last report: every request the server served is either
// merged or counted there.
func TestShardFrozenIsStoppedOnReturn(t *testing.T) {
	t.Parallel()
	const perShardRate = 20
	base := startReferenceServer(t, clusterSecret)
	addr, err := freeLoopbackAddr()
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	out, own := filepath.Join(dir, "merged.json"), filepath.Join(dir, "shard-1.json")
	coord := startLoadtest(t, "tok", shardArgs(base, 0, 2, addr, "--rate", "40/s", "--duration", "18s", "--out", out)...)
	frozen := startLoadtest(t, "tok", shardArgs(base, 1, 2, addr, "--rate", "40/s", "--duration", "18s", "--out", own)...)
	waitServed(t, base, 2*2*perShardRate) // about 2 s into the run
	if err := frozen.cmd.Process.Signal(syscall.SIGSTOP); err != nil {
		t.Fatal(err)
	}
	time.Sleep(cluster.DefaultLostAfter + 3*time.Second)
	if err := frozen.cmd.Process.Signal(syscall.SIGCONT); err != nil {
		t.Fatal(err)
	}
	code, _ := frozen.wait(t, runExitTimeout)
	select {
	case <-coord.done:
		t.Errorf("the coordinator's 18 s run ended before the frozen shard stopped, want the shard stopped on its return")
	default:
	}
	if code != ExitFailure || !strings.Contains(frozen.stderr.String(), "counted lost") {
		t.Errorf("frozen shard: got exit code %d, stderr %s; want 1 saying it was counted lost", code, frozen.stderr)
	}
	if code, _ := coord.wait(t, runExitTimeout); code != ExitFailure {
		t.Fatalf("coordinator: got exit code %d, want 1 (a shard lost); stderr %s", code, coord.stderr)
	}
	r := readResult(t, out)
	back := warningOf(r, cluster.WarnShardBack)
	if back == nil {
		t.Fatalf("got warnings %+v, want %s", r.Warnings, cluster.WarnShardBack)
	}
	sentAfter, notMerged := uint64(back.Values["sent_after_last_report"]), uint64(back.Values["requests_not_merged"])
	served := servedRequests(t, base)
	t.Logf("served %d, merged %d, sent after the last report %d, not merged %d", served, r.Requests, sentAfter, notMerged)
	// its last report may be more than a second old when it froze (an interval is sent once
	// a second, and may wait for the previous answer): allow two seconds' hits, a quarter of
	// the backlog
	if sentAfter > 2*perShardRate {
		t.Errorf("the frozen shard sent %d hits after its last report, want at most two seconds' (%d): no backlog", sentAfter, 2*perShardRate)
	}
	if r.Requests+notMerged != served {
		t.Errorf("merged %d + not merged %d = %d, want the %d the server served", r.Requests, notMerged, r.Requests+notMerged, served)
	}
	kept := readResult(t, own)
	if !kept.Interrupted || warningOf(kept, cluster.WarnNotMerged) == nil || kept.Sent >= kept.Planned {
		t.Errorf("the frozen shard's own result: got interrupted %v, sent %d of %d, warnings %+v; want interrupted, stopped early, with %s",
			kept.Interrupted, kept.Sent, kept.Planned, kept.Warnings, cluster.WarnNotMerged)
	}
}

// TestClusterLocalKeepsShardResults: SIGKILL the coordinator of `cluster local`: no merge can
// be made, so each other shard keeps its own result beside --out, named by shard, marked
// interrupted with the cause, and cluster local names the files.
func TestClusterLocalKeepsShardResults(t *testing.T) {
	t.Parallel()
	base := startReferenceServer(t, clusterSecret)
	out := filepath.Join(t.TempDir(), "merged.json")
	p := startLoadtest(t, "", "cluster", "local", "echo", "--shards", "3", "--rate", "30/s", "--duration", "60s",
		"--target", base, "--secret", clusterSecret, "--no-thresholds", "--out", out)
	waitServed(t, base, 2*30)
	coordPID := childWithArg(t, p.cmd.Process.Pid, "--coordinate")
	if err := syscall.Kill(coordPID, syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	if code, _ := p.wait(t, runExitTimeout); code != ExitFailure {
		t.Errorf("got exit code %d, want 1 (the coordinator died); stderr %s", code, p.stderr)
	}
	if _, err := os.Stat(out); err == nil {
		t.Errorf("%s exists, want no merged result", out)
	}
	for _, i := range []int{1, 2} {
		kept := filepath.Join(filepath.Dir(out), "merged.shard-"+strconv.Itoa(i)+".json")
		r := readResult(t, kept)
		if r.Shard == nil || r.Shard.Index != i || r.Requests == 0 || !r.Interrupted || warningOf(r, cluster.WarnNotMerged) == nil {
			t.Errorf("%s: got shard %+v, %d requests, interrupted %v, warnings %+v; want shard %d's own, interrupted, with %s",
				kept, r.Shard, r.Requests, r.Interrupted, r.Warnings, i, cluster.WarnNotMerged)
		}
		if !strings.Contains(p.stderr.String(), kept) {
			t.Errorf("got stderr %s, want it to name %s", p.stderr, kept)
		}
	}
}

func warningOf(r *results.Result, code string) *results.Warning {
	for i, w := range r.Warnings {
		if w.Code == code {
			return &r.Warnings[i]
		}
	}
	return nil
}

// childWithArg finds the child process of pid whose command line has arg.
func childWithArg(t *testing.T, pid int, arg string) int {
	t.Helper()
	tasks, _ := filepath.Glob(filepath.Join("/proc", strconv.Itoa(pid), "task", "*", "children"))
	for _, f := range tasks {
		b, _ := os.ReadFile(f)
		for _, c := range strings.Fields(string(b)) {
			cmdline, _ := os.ReadFile(filepath.Join("/proc", c, "cmdline"))
			if strings.Contains(string(cmdline), "\x00"+arg+"\x00") {
				n, _ := strconv.Atoi(c)
				return n
			}
		}
	}
	t.Fatalf("no child of %d has %s", pid, arg)
	return 0
}
