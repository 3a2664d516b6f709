package cluster

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"

	"github.com/loadtestdev/loadtest/internal/childproc"
)

// MaxLocalShards bounds LocalOptions.Shards.
const MaxLocalShards = 64

// DefaultLocalLinger is how long RunLocal lets the other shards finish after the coordinator
// exited (they stop within DefaultLostAfter of losing it) before it stops them.
const DefaultLocalLinger = 15 * time.Second

// TokenEnv is the environment variable a shard process reads the cluster token from (its
// --cluster-token's default).
const TokenEnv = "LOADTEST_CLUSTER_TOKEN"

// LocalOptions describe a sharded run of N processes of loadtest on this machine
// (`loadtest cluster local`).
type LocalOptions struct {
	// Executable is the loadtest binary the shards run.
	Executable string
	// Shards is how many shard processes, 1 to MaxLocalShards; shard 0 coordinates.
	Shards int
	// Args are the arguments of every shard ("run", the scenario, the run flags), and
	// CoordinatorArgs those of shard 0 alone (its --out, --report, progress and metrics).
	Args, CoordinatorArgs []string
	// OutFile is the coordinator's --out, beside which a shard whose result could not be
	// merged keeps its own (KeptShardOut); "" keeps none.
	OutFile string
	// Token is the cluster token (default a random one); it reaches the shards as TokenEnv
	// in Env (default os.Environ()).
	Token string
	Env   []string
	// Out and ErrOut get shard 0's output (its live progress and summary); ErrOut also gets
	// the notes about kept results.
	Out, ErrOut io.Writer
	// Linger is DefaultLocalLinger when 0.
	Linger time.Duration
}

// LocalResult is how a local sharded run ended.
type LocalResult struct {
	// ExitCode is the coordinator's, -1 when a signal ended it; CoordinatorState says how.
	ExitCode         int
	CoordinatorState string
	// ShardFailures name the other shards that failed on their own although the coordinator
	// exited 0 ("shard 2 exited with 1: ..."); empty otherwise.
	ShardFailures []string
}

// RunLocal picks a free port on 127.0.0.1, starts the shard processes, shard 0 coordinating
// there, and waits for the coordinator; when ctx ends it hands the interrupt to the
// coordinator (SIGTERM), which stops the others and merges what they measured. The others get
// opts.Linger to finish after it, then are stopped: no shard outlives RunLocal. The error is
// for a run that could not be started; how it ended is in the result.
func RunLocal(ctx context.Context, opts LocalOptions) (*LocalResult, error) {
	if opts.Shards < 1 || opts.Shards > MaxLocalShards {
		return nil, fmt.Errorf("cluster local: %d shards is not allowed, want 1 to %d", opts.Shards, MaxLocalShards)
	}
	if opts.Linger == 0 {
		opts.Linger = DefaultLocalLinger
	}
	if opts.Token == "" {
		opts.Token = NewToken()
	}
	if opts.Env == nil {
		opts.Env = os.Environ()
	}
	if opts.Out == nil {
		opts.Out = io.Discard
	}
	if opts.ErrOut == nil {
		opts.ErrOut = io.Discard
	}
	addr, err := FreeLoopbackAddr()
	if err != nil {
		return nil, fmt.Errorf("cluster local: find a free port: %w", err)
	}
	var procs []*localShard
	began := time.Now()
	defer func() {
		for _, p := range procs {
			p.Stop(0)
		}
	}()
	for i := range opts.Shards {
		p, err := startLocalShard(&opts, i, addr)
		if err != nil {
			return nil, err
		}
		procs = append(procs, p)
	}
	coord := procs[0]
	select {
	case <-coord.Exited():
	case <-ctx.Done():
		_ = childproc.Terminate(coord.Cmd.Process) // the coordinator stops every shard and merges
		<-coord.Exited()
	}
	res := &LocalResult{ExitCode: coord.ExitCode(), CoordinatorState: coord.Cmd.ProcessState.String()}
	linger := time.After(opts.Linger)
	for _, p := range procs[1:] {
		select {
		case <-p.Exited():
		case <-linger:
			p.Stop(5 * time.Second)
		}
		if code := p.ExitCode(); code != 0 && res.ExitCode == 0 {
			res.ShardFailures = append(res.ShardFailures, fmt.Sprintf("shard %d exited with %d: %s", p.index, code, strings.TrimSpace(p.stderr.String())))
		}
	}
	reportKept(opts.ErrOut, opts.OutFile, procs[1:], began)
	return res, nil
}

// localShard is one shard process of a local run.
type localShard struct {
	*childproc.Process
	index  int
	stderr *childproc.TailBuffer
}

// startLocalShard starts shard i: shard 0 coordinates on addr and writes to opts' streams;
// the others join it quietly, keeping their own result beside OutFile.
func startLocalShard(opts *LocalOptions, i int, addr string) (*localShard, error) {
	argv := append([]string(nil), opts.Args...)
	argv = append(argv, "--shard", fmt.Sprintf("%d/%d", i, opts.Shards))
	p := &localShard{index: i, stderr: &childproc.TailBuffer{Max: 4096}}
	if i == 0 {
		argv = append(argv, "--coordinate", addr)
		argv = append(argv, opts.CoordinatorArgs...)
	} else {
		argv = append(argv, "--coordinator", addr, "--quiet")
		if kept := KeptShardOut(opts.OutFile, i); kept != "" {
			argv = append(argv, "--shard-keep-out", kept)
		}
	}
	cmd := exec.Command(opts.Executable, argv...)
	cmd.Env = append(append([]string(nil), opts.Env...), TokenEnv+"="+opts.Token)
	if i == 0 {
		cmd.Stdout, cmd.Stderr = opts.Out, opts.ErrOut
	} else {
		cmd.Stdout, cmd.Stderr = io.Discard, p.stderr
	}
	// Detached: an interrupt reaches RunLocal's caller, which hands it to the coordinator.
	proc, err := childproc.Start(cmd)
	if err != nil {
		return nil, fmt.Errorf("cluster local: start shard %d: %w", i, err)
	}
	p.Process = proc
	return p, nil
}

// KeptShardOut is where shard i keeps its own result when the coordinator cannot merge it:
// beside out, named by shard (merged.json: merged.shard-1.json); "" without out.
func KeptShardOut(out string, i int) string {
	if out == "" {
		return ""
	}
	ext := filepath.Ext(out)
	return fmt.Sprintf("%s.shard-%d%s", strings.TrimSuffix(out, ext), i, ext)
}

// reportKept names the shards' own results written during this run (their results were not
// merged: the coordinator died, or counted them lost).
func reportKept(w io.Writer, out string, procs []*localShard, began time.Time) {
	for _, p := range procs {
		kept := KeptShardOut(out, p.index)
		if st, err := os.Stat(kept); kept != "" && err == nil && !st.ModTime().Before(began) {
			fmt.Fprintf(w, "cluster local: shard %d's result was not merged; its own is kept in %s\n", p.index, kept)
		}
	}
}

// FreeLoopbackAddr picks a free port on 127.0.0.1.
func FreeLoopbackAddr() (string, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	addr := ln.Addr().String()
	return addr, ln.Close()
}

// NewToken is a random cluster token: 16 bytes from crypto/rand, in hex.
func NewToken() string {
	b := make([]byte, 16)
	_, _ = rand.Read(b) // crypto/rand.Read never fails on supported platforms
	return hex.EncodeToString(b)
}
