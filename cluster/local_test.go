package cluster

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/loadtestdev/loadtest/internal/testutil"
)

// fakeShardEnv makes the test binary a fake shard (fakeShard) instead of running the tests.
const fakeShardEnv = "LOADTEST_FAKE_SHARD"

// fakeShard plays one shard of RunLocal: its exit code per shard index comes from
// LOADTEST_FAKE_SHARD ("0:0,1:3": shard 0 exits 0, shard 1 exits 3; "wait" for the coordinator
// waits for SIGTERM and exits 130); shard 0 prints its arguments, a shard with
// --shard-keep-out writes that file.
func fakeShard() {
	var shard, keep string
	for i, a := range os.Args {
		switch a {
		case "--shard":
			shard, _, _ = strings.Cut(os.Args[i+1], "/")
		case "--shard-keep-out":
			keep = os.Args[i+1]
		}
	}
	if shard == "0" {
		fmt.Println(strings.Join(os.Args[1:], " "), "token="+os.Getenv(TokenEnv))
	}
	if keep != "" {
		_ = os.WriteFile(keep, []byte("{}"), 0o644)
	}
	for _, kv := range strings.Split(os.Getenv(fakeShardEnv), ",") {
		i, code, _ := strings.Cut(kv, ":")
		if i != shard {
			continue
		}
		if code == "wait" {
			c := make(chan os.Signal, 1)
			signal.Notify(c, syscall.SIGTERM)
			fmt.Fprintln(os.Stderr, "waiting")
			<-c
			os.Exit(130)
		}
		var n int
		fmt.Sscan(code, &n)
		fmt.Fprintf(os.Stderr, "shard %s fails", shard)
		os.Exit(n)
	}
	os.Exit(0)
}

func TestMain(m *testing.M) {
	if os.Getenv(fakeShardEnv) != "" {
		fakeShard()
	}
	os.Exit(m.Run())
}

func TestRunLocal(t *testing.T) {
	tests := []struct {
		name         string
		codes        string
		shards       int
		wantCode     int
		wantFailures []string
	}{
		{"all pass", "9:0", 3, 0, nil},
		{"the coordinator's code wins", "0:99,1:1", 2, 99, nil},
		{"a shard failing on its own", "2:1", 3, 0, []string{"shard 2 exited with 1: shard 2 fails"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out := filepath.Join(t.TempDir(), "merged.json")
			var stdout, stderr bytes.Buffer
			res, err := RunLocal(context.Background(), LocalOptions{Executable: os.Args[0], Shards: tt.shards,
				Args: []string{"run", "echo"}, CoordinatorArgs: []string{"--out", out}, OutFile: out, Token: "tok",
				Env: append(os.Environ(), fakeShardEnv+"="+tt.codes), Out: &stdout, ErrOut: &stderr})
			if err != nil {
				t.Fatal(err)
			}
			if res.ExitCode != tt.wantCode {
				t.Errorf("exit code %d, want %d", res.ExitCode, tt.wantCode)
			}
			if fmt.Sprint(res.ShardFailures) != fmt.Sprint(tt.wantFailures) {
				t.Errorf("failures %q, want %q", res.ShardFailures, tt.wantFailures)
			}
			wantArgs := fmt.Sprintf("run echo --shard 0/%d --coordinate 127.0.0.1:", tt.shards)
			if !strings.HasPrefix(stdout.String(), wantArgs) || !strings.Contains(stdout.String(), "--out "+out+" token=tok") {
				t.Errorf("shard 0 got %q, want %q... --out %s and the token", stdout.String(), wantArgs, out)
			}
			for i := 1; i < tt.shards; i++ {
				kept := filepath.Join(filepath.Dir(out), fmt.Sprintf("merged.shard-%d.json", i))
				want := fmt.Sprintf("cluster local: shard %d's result was not merged; its own is kept in %s\n", i, kept)
				if !strings.Contains(stderr.String(), want) {
					t.Errorf("stderr %q, want %q", stderr.String(), want)
				}
			}
		})
	}
}

func TestRunLocalInterrupted(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	stderr := &testutil.SyncBuffer{}
	done := make(chan *LocalResult, 1)
	go func() {
		res, err := RunLocal(ctx, LocalOptions{Executable: os.Args[0], Shards: 2, Args: []string{"run"},
			Env: append(os.Environ(), fakeShardEnv+"=0:wait,1:wait"), ErrOut: stderr, Linger: 100 * time.Millisecond})
		if err != nil {
			t.Error(err)
		}
		done <- res
	}()
	deadline := time.Now().Add(30 * time.Second)
	for !strings.Contains(stderr.String(), "waiting") && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	cancel()
	select {
	case res := <-done:
		if res == nil || res.ExitCode != 130 {
			t.Fatalf("got %+v, want the coordinator's 130", res)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("RunLocal did not return after the interrupt")
	}
}

func TestRunLocalRefusals(t *testing.T) {
	for _, n := range []int{0, MaxLocalShards + 1} {
		if _, err := RunLocal(context.Background(), LocalOptions{Executable: os.Args[0], Shards: n}); err == nil {
			t.Errorf("%d shards: got no error", n)
		}
	}
	_, err := RunLocal(context.Background(), LocalOptions{Executable: "/nonexistent/loadtest", Shards: 1})
	if err == nil || !strings.Contains(err.Error(), "start shard 0") {
		t.Errorf("got %v, want start shard 0 failing", err)
	}
}

func TestKeptShardOut(t *testing.T) {
	for _, tt := range []struct{ out, want string }{{"", ""}, {"merged.json", "merged.shard-2.json"}, {"dir/r", "dir/r.shard-2"}} {
		if got := KeptShardOut(tt.out, 2); got != tt.want {
			t.Errorf("KeptShardOut(%q) = %q, want %q", tt.out, got, tt.want)
		}
	}
}

func TestNewToken(t *testing.T) {
	a, b := NewToken(), NewToken()
	if len(a) != 32 || strings.Trim(a, "0123456789abcdef") != "" || a == b {
		t.Errorf("got %q and %q, want two different 32-digit hex tokens", a, b)
	}
}
