//go:build linux

package cli

import (
	"github.com/loadtestdev/loadtest/internal/childproc"
	"github.com/loadtestdev/loadtest/runner"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/loadtestdev/loadtest/cluster"
	"github.com/loadtestdev/loadtest/results"
)

// Subprocess tests of sharded runs: the real binary, as `cluster local` or as shard processes
// started by hand, against the reference server on 127.0.0.1:0. Bounds are generous: they are
// about behaviour (stopped early, exited), not speed.

const clusterSecret = "cluster-test-secret"

// shardProc is one loadtest process of a test.
type shardProc struct {
	cmd    *exec.Cmd
	stderr *childproc.TailBuffer
	done   chan struct{}
}

// startLoadtest starts the binary with args and the cluster token in its environment.
func startLoadtest(t *testing.T, token string, args ...string) *shardProc {
	t.Helper()
	p := &shardProc{cmd: exec.Command(loadtestBinary(t), args...), stderr: &childproc.TailBuffer{Max: 1 << 16}, done: make(chan struct{})}
	p.cmd.Env = append(os.Environ(), "XDG_CACHE_HOME="+t.TempDir(), runner.EnvClusterToken+"="+token)
	p.cmd.Stderr = p.stderr
	if err := p.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() { _ = p.cmd.Wait(); close(p.done) }()
	t.Cleanup(func() { _ = p.cmd.Process.Kill(); <-p.done })
	return p
}

// wait waits for the process and returns its exit code and how long the wait took.
func (p *shardProc) wait(t *testing.T, timeout time.Duration) (int, time.Duration) {
	t.Helper()
	began := time.Now()
	select {
	case <-p.done:
	case <-time.After(timeout):
		t.Fatalf("%s did not exit within %s; stderr %s", p.cmd.Args, timeout, p.stderr)
	}
	return p.cmd.ProcessState.ExitCode(), time.Since(began)
}

// waitServed waits until the server has served more than n requests (the run is under way).
func waitServed(t *testing.T, base string, n uint64) {
	t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	for servedRequests(t, base) <= n {
		if time.Now().After(deadline) {
			t.Fatalf("the server served no more than %d requests within 60 s", n)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

func hasWarningCode(r *results.Result, code, text string) bool {
	for _, w := range r.Warnings {
		if w.Code == code && strings.Contains(w.Message, text) {
			return true
		}
	}
	return false
}

// shardArgs are the run arguments of a hand-started shard i of n.
func shardArgs(base string, i, n int, addr string, extra ...string) []string {
	args := []string{"run", "echo", "--target", base, "--secret", clusterSecret, "--seed", "7", "--no-thresholds",
		"--shard", strings.Join([]string{itoa(i), itoa(n)}, "/")}
	if i == 0 {
		args = append(args, "--coordinate", addr)
	} else {
		args = append(args, "--coordinator", addr)
	}
	return append(args, extra...)
}

func itoa(i int) string { return joinInts([]int{i}) }

// TestClusterLocalEcho: `cluster local echo --shards 3` against the reference server: the
// merged result has exactly the requests the server served and names its 3 shards.
func TestClusterLocalEcho(t *testing.T) {
	t.Parallel()
	base := startReferenceServer(t, clusterSecret)
	out := filepath.Join(t.TempDir(), "merged.json")
	p := startLoadtest(t, "", "cluster", "local", "echo", "--shards", "3", "--rate", "30/s", "--duration", "2s",
		"--target", base, "--secret", clusterSecret, "--no-thresholds", "--out", out)
	if code, _ := p.wait(t, runExitTimeout); code != ExitOK {
		t.Fatalf("got exit code %d, want 0; stderr %s", code, p.stderr)
	}
	r := readResult(t, out)
	if served := servedRequests(t, base); r.Requests != served || r.Requests != 60 || r.Planned != 60 {
		t.Errorf("got %d merged requests (%d planned), the server served %d; want 60 = 30/s × 2 s, split exactly over the shards",
			r.Requests, r.Planned, served)
	}
	if r.Coordination == nil || len(r.Coordination.Shards) != 3 || len(r.Sources) != 3 {
		t.Errorf("got coordination %+v and sources %v, want 3 shards", r.Coordination, r.Sources)
	}
	if !strings.Contains(p.stderr.String(), "coordinating 3 shards") {
		t.Errorf("got stderr %s, want the coordinator's output", p.stderr)
	}
}

// TestClusterLocalAbortOnFail: p99<1us cannot pass; every shard stops long before its 60 s,
// the exit code is 99 and every request the shards measured is in the merged result.
func TestClusterLocalAbortOnFail(t *testing.T) {
	t.Parallel()
	base := startReferenceServer(t, clusterSecret)
	out := filepath.Join(t.TempDir(), "merged.json")
	p := startLoadtest(t, "", "cluster", "local", "echo", "--shards", "3", "--rate", "20/s", "--duration", "60s",
		"--target", base, "--secret", clusterSecret, "--no-thresholds", "--threshold", "p99<1us", "--abort-on-fail", "--out", out)
	code, took := p.wait(t, runExitTimeout)
	if code != ExitThresholds {
		t.Fatalf("got exit code %d, want 99; stderr %s", code, p.stderr)
	}
	if took > 40*time.Second {
		t.Errorf("the run took %s, want it stopped well before its 60 s", took)
	}
	r := readResult(t, out)
	if served := servedRequests(t, base); r.Requests != served {
		t.Errorf("got %d merged requests, want every one the shards measured: the server served %d", r.Requests, served)
	}
	if !hasWarningCode(r, "aborted_on_fail", "p99<1us") || len(r.Coordination.Shards) != 3 {
		t.Errorf("got warnings %+v and %d shards, want aborted_on_fail naming p99<1us over 3 shards", r.Warnings, len(r.Coordination.Shards))
	}
}

// TestShardKilledIsLost: SIGKILL one of 3 shards mid-run: the coordinator names it in a
// shard_lost warning, merges what it reported, goes on, and exits 1.
func TestShardKilledIsLost(t *testing.T) {
	t.Parallel()
	const perShardRate = 20
	base := startReferenceServer(t, clusterSecret)
	addr, err := freeLoopbackAddr()
	if err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(t.TempDir(), "merged.json")
	coord := startLoadtest(t, "tok", shardArgs(base, 0, 3, addr, "--rate", "60/s", "--duration", "10s", "--out", out)...)
	shards := []*shardProc{
		startLoadtest(t, "tok", shardArgs(base, 1, 3, addr, "--rate", "60/s", "--duration", "10s")...),
		startLoadtest(t, "tok", shardArgs(base, 2, 3, addr, "--rate", "60/s", "--duration", "10s")...),
	}
	waitServed(t, base, 3*2*perShardRate) // about 2 s into the run
	if err := shards[1].cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	if code, _ := coord.wait(t, runExitTimeout); code != ExitFailure {
		t.Fatalf("got exit code %d, want 1; stderr %s", code, coord.stderr)
	}
	if code, _ := shards[0].wait(t, runExitTimeout); code != ExitOK {
		t.Errorf("shard 1: got exit code %d, want 0; stderr %s", code, shards[0].stderr)
	}
	r := readResult(t, out)
	if !hasWarningCode(r, cluster.WarnShardLost, "shard 2") || !r.Coordination.Shards[2].Lost {
		t.Errorf("got warnings %+v, want shard_lost naming shard 2", r.Warnings)
	}
	served := servedRequests(t, base)
	t.Logf("server served %d, merged %d (%d not reported by the lost shard)", served, r.Requests, int64(served)-int64(r.Requests))
	// The lost shard's last second (and what it had in flight) may be missing; allow two.
	if r.Requests > served || served-r.Requests > 2*perShardRate {
		t.Errorf("got %d merged requests, the server served %d: want at most the lost shard's last seconds (%d) fewer", r.Requests, served, 2*perShardRate)
	}
}

// TestCoordinatorKilled: SIGKILL the coordinator mid-run: every shard stops, writes its own
// result to --out and exits 1, promptly.
func TestCoordinatorKilled(t *testing.T) {
	t.Parallel()
	base := startReferenceServer(t, clusterSecret)
	addr, err := freeLoopbackAddr()
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	coord := startLoadtest(t, "tok", shardArgs(base, 0, 3, addr, "--rate", "20/s", "--duration", "60s")...)
	var shards []*shardProc
	for i := 1; i < 3; i++ {
		shards = append(shards, startLoadtest(t, "tok", shardArgs(base, i, 3, addr, "--rate", "20/s", "--duration", "60s",
			"--out", filepath.Join(dir, itoa(i)+".json"))...))
	}
	waitServed(t, base, 3*2*20)
	if err := coord.cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	for i, p := range shards {
		code, took := p.wait(t, 60*time.Second)
		if code != ExitFailure || !strings.Contains(p.stderr.String(), "coordinator") {
			t.Errorf("shard %d: got exit code %d, want 1 saying the coordinator is gone; stderr %s", i+1, code, p.stderr)
		}
		t.Logf("shard %d exited %s after the coordinator was killed", i+1, took.Round(100*time.Millisecond))
		r := readResult(t, filepath.Join(dir, itoa(i+1)+".json"))
		if r.Requests == 0 || r.Shard == nil || r.Shard.Index != i+1 {
			t.Errorf("shard %d: got a result of %d requests, shard %+v, want its own measured requests", i+1, r.Requests, r.Shard)
		}
		if !r.Interrupted || !hasWarningCode(r, cluster.WarnNotMerged, "the coordinator is gone") {
			t.Errorf("shard %d: got interrupted %v, warnings %+v; want it marked interrupted, with a warning that the coordinator is gone", i+1, r.Interrupted, r.Warnings)
		}
	}
}

// TestClusterRefusals: a shard with the wrong token is refused (401), a shard of another run
// too (409), both with exit 2; the coordinator then names the shard that never joined.
func TestClusterRefusals(t *testing.T) {
	t.Parallel()
	base := startReferenceServer(t, clusterSecret)
	addr, err := freeLoopbackAddr()
	if err != nil {
		t.Fatal(err)
	}
	coord := startLoadtest(t, "right", shardArgs(base, 0, 2, addr, "--rate", "10/s", "--duration", "1s", "--join-timeout", "8s")...)
	tests := []struct {
		name, token string
		extra       []string
		want        string
	}{
		{"wrong token", "wrong", []string{"--rate", "10/s", "--duration", "1s"}, "401"},
		{"another run", "right", []string{"--rate", "11/s", "--duration", "1s"}, "is of another run"},
	}
	for _, tt := range tests {
		p := startLoadtest(t, tt.token, shardArgs(base, 1, 2, addr, tt.extra...)...)
		if code, _ := p.wait(t, 60*time.Second); code != ExitUsage || !strings.Contains(p.stderr.String(), tt.want) {
			t.Errorf("%s: got exit code %d, stderr %s; want 2 and %q", tt.name, code, p.stderr, tt.want)
		}
	}
	if code, _ := coord.wait(t, 60*time.Second); code != ExitFailure || !strings.Contains(coord.stderr.String(), "shard(s) 1 did not join") {
		t.Errorf("coordinator: got exit code %d, stderr %s; want 1 naming shard 1", code, coord.stderr)
	}
}

// TestClusterLocalInterrupted: Ctrl-C to `cluster local` reaches the coordinator, which stops
// every shard and still merges what they send back: exit 130, all 3 shards in the result,
// every request the server served counted.
func TestClusterLocalInterrupted(t *testing.T) {
	t.Parallel()
	base := startReferenceServer(t, clusterSecret)
	out := filepath.Join(t.TempDir(), "merged.json")
	p := startLoadtest(t, "", "cluster", "local", "echo", "--shards", "3", "--rate", "20/s", "--duration", "60s",
		"--target", base, "--secret", clusterSecret, "--no-thresholds", "--out", out)
	waitServed(t, base, 3*2*20)
	if err := p.cmd.Process.Signal(syscall.SIGINT); err != nil {
		t.Fatal(err)
	}
	code, took := p.wait(t, 60*time.Second)
	if code != ExitInterrupted {
		t.Fatalf("got exit code %d, want 130; stderr %s", code, p.stderr)
	}
	t.Logf("cluster local exited %s after SIGINT", took.Round(100*time.Millisecond))
	r := readResult(t, out)
	if served := servedRequests(t, base); !r.Interrupted || r.Requests != served || len(r.Sources) != 3 {
		t.Errorf("got interrupted %v, %d requests from %d sources; want interrupted, the server's %d, 3 sources", r.Interrupted, r.Requests, len(r.Sources), served)
	}
}

// TestClusterLocalMetrics: with --metrics-listen, the coordinator of `cluster local` serves
// the merged run: during its linger, the requests it exports are the merged result's, the
// sum of every shard's.
func TestClusterLocalMetrics(t *testing.T) {
	t.Parallel()
	srv, served := countingServer(t)
	addr, err := freeLoopbackAddr()
	if err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(t.TempDir(), "merged.json")
	p := startLoadtest(t, "", "cluster", "local", writeScenario(t, twoRequests), "--shards", "2", "--rate", "20/s", "--duration", "2s",
		"--target", srv.URL, "--no-thresholds", "--out", out, "--metrics-listen", addr, "--metrics-linger", "2m")
	waitFor(t, runExitTimeout, "the merged result", func() bool {
		_, err := os.Stat(out)
		return err == nil && strings.Contains(p.stderr.String(), "metrics: serving the final figures")
	})
	r := readResult(t, out)
	exported := scrape(t, "http://"+addr+"/metrics")["loadtest_requests_total"]
	if exported == nil || uint64(exported.sum) != r.Requests || r.Requests != served.Load() || r.Requests != 40 {
		t.Errorf("exported %v requests, merged %d, served %d; want all 40 (20/s × 2 s over 2 shards)", exported, r.Requests, served.Load())
	}
	if err := p.cmd.Process.Signal(syscall.SIGINT); err != nil {
		t.Fatal(err)
	}
	if code, _ := p.wait(t, runExitTimeout); code != ExitOK {
		t.Errorf("got exit code %d after Ctrl-C in the linger, want the run's 0; stderr %s", code, p.stderr)
	}
}
