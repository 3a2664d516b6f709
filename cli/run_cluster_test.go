package cli

import (
	"bytes"
	"context"
	"path/filepath"
	"strings"
	"testing"

	"github.com/spf13/pflag"

	"github.com/loadtestdev/loadtest/runner"
)

// TestClusterFlagsRefused: coordinated runs and cluster local refuse bad combinations as bad
// input, before any load is sent.
func TestClusterFlagsRefused(t *testing.T) {
	t.Setenv(runner.EnvClusterToken, "")
	tests := []struct {
		name string
		args []string
		want string
	}{
		{"no shard", []string{"run", "echo", "--coordinate", "127.0.0.1:0", "--cluster-token", "x"}, "needs --shard I/N"},
		{"no token", []string{"run", "echo", "--shard", "0/2", "--coordinate", "127.0.0.1:0"}, "needs a token"},
		{"both roles", []string{"run", "echo", "--shard", "0/2", "--coordinate", "127.0.0.1:0", "--coordinator", "127.0.0.1:1", "--cluster-token", "x"}, "not both"},
		{"bad shard", []string{"run", "echo", "--shard", "2/2", "--coordinator", "127.0.0.1:1", "--cluster-token", "x"}, "--shard"},
		{"bad join timeout", []string{"run", "echo", "--shard", "1/2", "--coordinator", "127.0.0.1:1", "--cluster-token", "x", "--join-timeout", "0s"}, "--join-timeout"},
		{"local shards", []string{"cluster", "local", "echo", "--shards", "0"}, "--shards: 0 is not allowed"},
		{"local coordinate", []string{"cluster", "local", "echo", "--coordinate", "127.0.0.1:0"}, "set by cluster local itself"},
		{"local bad threshold", []string{"cluster", "local", "echo", "--threshold", "p99<<1"}, "threshold"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, _, errOut := runCLI(t, tt.args...)
			if code != ExitUsage || !strings.Contains(errOut, tt.want) {
				t.Errorf("got exit code %d, stderr %q; want 2 and %q", code, errOut, tt.want)
			}
		})
	}
}

// boundRun binds args as `loadtest run` would and returns the options and the flags.
func boundRun(t *testing.T, args ...string) (*runOptions, *pflag.FlagSet) {
	t.Helper()
	var got *runOptions
	cmd := newCmdRun(&IOStreams{Out: &bytes.Buffer{}, ErrOut: &bytes.Buffer{}}, func(_ context.Context, o *runOptions) error {
		got = o
		return nil
	})
	cmd.SetArgs(args)
	if err := cmd.Execute(); err != nil {
		t.Fatal(err)
	}
	return got, cmd.Flags()
}

// TestLocalShardArgs: every shard gets the run flags given (repeatable ones repeated), the
// coordinator alone --out, --report and --quiet, and cluster local's own flags are dropped
// (runner.RunLocal gives every shard the target, seed and secret).
func TestLocalShardArgs(t *testing.T) {
	o, flags := boundRun(t, "echo", "--rate", "30/s", "--threshold", "p99<1s", "--threshold", "errors<1%", "--out", "m.json",
		"--report", "md=r.md", "--seed", "3", "--target", "http://192.0.2.1:9000")
	got := localShardArgs(o, flags)
	wantAll := []string{"run", "echo", "--rate=30/s", "--threshold=p99<1s", "--threshold=errors<1%"}
	if !sameSet(got[0], wantAll) || got[0][0] != "run" || got[0][1] != "echo" {
		t.Errorf("got every shard's args %q, want %q", got[0], wantAll)
	}
	if want := []string{"--out=m.json", "--report=md=r.md"}; !sameSet(got[1], want) {
		t.Errorf("got the coordinator's own args %q, want %q", got[1], want)
	}
}

func sameSet(a, b []string) bool {
	count := map[string]int{}
	for _, s := range a {
		count[s]++
	}
	for _, s := range b {
		count[s]--
	}
	for _, n := range count {
		if n != 0 {
			return false
		}
	}
	return len(a) == len(b)
}

// TestRunFingerprint: the same scenario and flags give the same fingerprint, whatever the
// shard index; another rate, N or request does not.
func TestRunFingerprint(t *testing.T) {
	fp := func(args ...string) string {
		t.Helper()
		o, _ := boundRun(t, append(args, "--seed", "1")...) // a standalone shard needs a seed
		sc, err := runner.LoadScenario(&o.ScenarioOptions)
		if err != nil {
			t.Fatal(err)
		}
		f, _ := runner.Fingerprint(sc, &o.ScenarioOptions)
		return f
	}
	base := fp("echo", "--rate", "30/s", "--shard", "0/3")
	if got := fp("echo", "--rate", "30/s", "--shard", "2/3"); got != base {
		t.Errorf("shard 2 of the same run: got fingerprint %s, want %s", got, base)
	}
	for _, other := range [][]string{
		{"echo", "--rate", "31/s", "--shard", "0/3"},
		{"echo", "--rate", "30/s", "--shard", "0/4"},
		{"cache", "--rate", "30/s", "--shard", "0/3"},
		{"echo", "--rate", "30/s", "--shard", "0/3", "--connections", "7"},
	} {
		if got := fp(other...); got == base {
			t.Errorf("%v: got the fingerprint of another run", other)
		}
	}
}

// TestCoordinatedRunInProcess: a coordinator and a shard in one process (so that -race sees
// the coordinated path of run): both exit 0, the shard says it delivered, and the merged
// result has every request the server counted, from 2 shards.
func TestCoordinatedRunInProcess(t *testing.T) {
	srv, served := countingServer(t)
	sc := writeScenario(t, "rate: 20/s\nduration: 1s\nrequests: [{name: a, path: /a}]\n")
	addr, err := freeLoopbackAddr()
	if err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(t.TempDir(), "merged.json")
	common := []string{"run", sc, "--target", srv.URL, "--seed", "7", "--cluster-token", "tok", "--no-thresholds"}
	type ran struct {
		code        int
		out, errOut string
	}
	shardDone := make(chan ran, 1)
	go func() {
		code, o, e := runCLI(t, append(common, "--shard", "1/2", "--coordinator", addr)...)
		shardDone <- ran{code, o, e}
	}()
	code, _, errOut := runCLI(t, append(common, "--shard", "0/2", "--coordinate", addr, "--out", out)...)
	if code != ExitOK {
		t.Fatalf("coordinator: got exit code %d, want 0; stderr %s", code, errOut)
	}
	sh := <-shardDone
	if sh.code != ExitOK || !strings.Contains(sh.errOut, "result delivered to the coordinator") {
		t.Errorf("shard: got exit code %d, stderr %q; want 0 and its result delivered", sh.code, sh.errOut)
	}
	r := readResult(t, out)
	if r.Requests != served.Load() || r.Requests == 0 || len(r.Coordination.Shards) != 2 {
		t.Errorf("got %d merged requests over %d shards, want the server's %d over 2", r.Requests, len(r.Coordination.Shards), served.Load())
	}
}
