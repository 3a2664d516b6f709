package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
)

// clusterSubcommands are the subcommands of `loadtest cluster`; another file adds its own
// with one line: func init() { clusterSubcommands = append(clusterSubcommands, newX) }.
var clusterSubcommands = []func(*IOStreams) *cobra.Command{newClusterLocalCmd}

// maxLocalShards bounds `cluster local --shards`.
const maxLocalShards = 64

// localShardsLinger is how long `cluster local` lets the other shards finish after the
// coordinator exited (they stop within cluster.DefaultLostAfter of losing it) before it stops
// them.
const localShardsLinger = 15 * time.Second

func newClusterCmd(ios *IOStreams) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "cluster",
		Short: "Run one load test sharded over several generators",
		Long: `Sharded runs: the load of one run split exactly over N generators, started together,
merged every second and gated as one run (see "Sharded and distributed runs" in the README).
"loadtest run --shard I/N --coordinate ADDR" and "--coordinator HOST:PORT" do it by hand;
the subcommands start the shards for you: "local" as processes on this machine, "run" as
an Indexed Job on Kubernetes ("image" builds its image, "manifest" prints its objects).`,
		Example: `  loadtest cluster local echo --shards 3 --rate 300/s --duration 10s
  loadtest cluster image --output loadtest.tar
  loadtest cluster manifest echo --shards 4 --image registry.example/loadtest:v1 --target http://shop.perf:8080
  loadtest cluster run echo --shards 4 --image registry.example/loadtest:v1 --target http://shop.perf:8080 --out result.json`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error { return cmd.Help() },
	}
	for _, sub := range clusterSubcommands {
		cmd.AddCommand(sub(ios))
	}
	return cmd
}

// newClusterLocalCmd is `loadtest cluster local`: the run command's flags, plus --shards.
func newClusterLocalCmd(ios *IOStreams) *cobra.Command {
	var shards int
	var cmd *cobra.Command
	cmd = newCmdRun(ios, func(ctx context.Context, o *runOptions) error {
		return runClusterLocal(ctx, o, cmd.Flags(), shards)
	})
	cmd.Use = "local SCENARIO|FILE.yaml --shards N [flags]"
	cmd.Short = "Run a sharded run of N shard processes on this machine"
	cmd.Long = `Start N shard processes of this binary on 127.0.0.1, as "loadtest run --shard I/N" with
shard 0 the coordinator, a generated cluster token, and the same scenario, seed and flags for
all; show what the coordinator shows (its live progress and summary) and exit with its exit
code (0, 1, 99, 130). With no --target the bundled server is started once, for all shards.
--out and --report are the coordinator's: the merged result. When a shard's result cannot be
merged (the coordinator died, or counted the shard lost), that shard keeps its own beside
--out, named by shard (merged.json: merged.shard-1.json). No shard outlives this command.`
	cmd.Example = `  loadtest cluster local echo --shards 3 --rate 300/s --duration 10s --out merged.json
  loadtest cluster local swiper --shards 4 --seed 7 --threshold "p99<250ms" --abort-on-fail`
	cmd.Flags().IntVar(&shards, "shards", 2, fmt.Sprintf("how many shard processes (1 to %d)", maxLocalShards))
	for _, name := range localSetFlags {
		_ = cmd.Flags().MarkHidden(name)
	}
	cmd.PreRunE = func(cmd *cobra.Command, _ []string) error {
		for _, name := range localSetFlags {
			if fl := cmd.Flags().Lookup(name); fl != nil && fl.Changed {
				return usageError(fmt.Errorf("cluster local: --%s is set by cluster local itself; give --shards N", name))
			}
		}
		return nil
	}
	return cmd
}

// localSetFlags are the run flags that cluster local sets on each shard and refuses from the
// user (PreRunE, before the run's own checks).
var localSetFlags = []string{"shard", "coordinate", "coordinator", "cluster-token", "shard-keep-out"}

// localOwnFlags are the flags `cluster local` sets on its shards itself; the user's are
// refused (shards, given as --shards) or replaced (target, secret, seed).
var localOwnFlags = map[string]bool{"shards": true, "shard": true, "coordinate": true, "coordinator": true, "shard-keep-out": true,
	"cluster-token": true, "target": true, "secret": true, "seed": true}

// coordinatorOnlyFlags go to shard 0 only: the merged result, its reports, its progress and
// its live metrics.
var coordinatorOnlyFlags = map[string]bool{"out": true, "report": true, "quiet": true, "metrics-listen": true, "metrics-linger": true}

// runClusterLocal starts the bundled server when needed, then the shards, and waits for them.
func runClusterLocal(ctx context.Context, o *runOptions, flags *pflag.FlagSet, shards int) (err error) {
	if shards < 1 || shards > maxLocalShards {
		return usageError(fmt.Errorf("--shards: %d is not allowed, want 1 to %d", shards, maxLocalShards))
	}
	sc, err := loadRunScenario(&o.scenarioFlags)
	if err != nil {
		return usageError(err)
	}
	if _, err := loadRunThresholds(o, sc); err != nil {
		return usageError(err)
	}
	if _, err := parseReportSpecs(o.Reports, o.OutFile); err != nil {
		return usageError(err)
	}
	if err := checkOut(o.OutFile); err != nil {
		return err
	}
	tgt, err := prepareTarget(ctx, sc, o.Secret, o.ErrOut)
	if err != nil {
		return err
	}
	defer func() { err = errors.Join(err, tgt.stop()) }()
	addr, err := freeLoopbackAddr()
	if err != nil {
		return err
	}
	common := []string{"--target", sc.Target, "--seed", strconv.FormatInt(o.Seed, 10)}
	if len(tgt.secret) > 0 {
		common = append(common, "--secret", string(tgt.secret))
	}
	return runLocalShards(ctx, o, localShardArgs(o, flags, common), shards, addr, randomHex(16))
}

// localShardArgs are the run arguments every shard gets, and those of shard 0 alone.
func localShardArgs(o *runOptions, flags *pflag.FlagSet, common []string) [2][]string {
	var all, coordinatorOnly []string
	all = []string{"run"}
	if o.Scenario != "" {
		all = append(all, o.Scenario)
	}
	flags.Visit(func(fl *pflag.Flag) {
		if localOwnFlags[fl.Name] {
			return
		}
		var args []string
		if sv, ok := fl.Value.(pflag.SliceValue); ok {
			for _, v := range sv.GetSlice() {
				args = append(args, "--"+fl.Name+"="+v)
			}
		} else {
			args = []string{"--" + fl.Name + "=" + fl.Value.String()}
		}
		if coordinatorOnlyFlags[fl.Name] {
			coordinatorOnly = append(coordinatorOnly, args...)
		} else {
			all = append(all, args...)
		}
	})
	return [2][]string{append(all, common...), coordinatorOnly}
}

// freeLoopbackAddr picks a free port on 127.0.0.1 for the coordinator.
func freeLoopbackAddr() (string, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", fmt.Errorf("cluster local: find a free port: %w", err)
	}
	addr := ln.Addr().String()
	return addr, ln.Close()
}

// keptShardOut is where shard i keeps its own result when the coordinator cannot merge it:
// beside --out, named by shard (merged.json: merged.shard-1.json); "" without --out.
func keptShardOut(out string, i int) string {
	if out == "" {
		return ""
	}
	ext := filepath.Ext(out)
	return fmt.Sprintf("%s.shard-%d%s", strings.TrimSuffix(out, ext), i, ext)
}

// reportKept names the shards' own results written during this run (their results were not
// merged: the coordinator died, or counted them lost).
func reportKept(o *runOptions, procs []*localShard, began time.Time) {
	for _, p := range procs {
		kept := keptShardOut(o.OutFile, p.index)
		if st, err := os.Stat(kept); kept != "" && err == nil && !st.ModTime().Before(began) {
			fmt.Fprintf(o.ErrOut, "cluster local: shard %d's result was not merged; its own is kept in %s\n", p.index, kept)
		}
	}
}

// localShard is one shard process of `cluster local`.
type localShard struct {
	index  int
	cmd    *exec.Cmd
	stderr *tailBuffer
	exited chan struct{}
}

// runLocalShards starts the shards, forwards an interrupt to the coordinator (which stops
// the others), and returns the coordinator's exit code; a shard that failed on its own
// makes it 1.
func runLocalShards(ctx context.Context, o *runOptions, args [2][]string, n int, addr, token string) error {
	exe, err := os.Executable()
	if err != nil {
		return fmt.Errorf("cluster local: %w", err)
	}
	var procs []*localShard
	began := time.Now()
	defer func() {
		for _, p := range procs {
			p.stop(0)
		}
	}()
	for i := range n {
		p, err := startLocalShard(exe, o, args, i, n, addr, token)
		if err != nil {
			return err
		}
		procs = append(procs, p)
	}
	select {
	case <-procs[0].exited:
	case <-ctx.Done():
		_ = terminate(procs[0].cmd.Process) // the coordinator stops every shard and merges
		<-procs[0].exited
	}
	var failed []string
	linger := time.After(localShardsLinger)
	for _, p := range procs[1:] {
		select {
		case <-p.exited:
		case <-linger:
			p.stop(5 * time.Second)
		}
		if code := p.cmd.ProcessState.ExitCode(); code != ExitOK && procs[0].cmd.ProcessState.ExitCode() == ExitOK {
			failed = append(failed, fmt.Sprintf("shard %d exited with %d: %s", p.index, code, strings.TrimSpace(p.stderr.String())))
		}
	}
	reportKept(o, procs[1:], began)
	if code := procs[0].cmd.ProcessState.ExitCode(); code != ExitOK {
		if code < 0 {
			return &ExitError{Code: ExitFailure, Err: fmt.Errorf("cluster local: the coordinator (shard 0) died: %s", procs[0].cmd.ProcessState)}
		}
		return &ExitError{Code: code} // the coordinator has said why
	}
	if len(failed) > 0 {
		return &ExitError{Code: ExitFailure, Err: fmt.Errorf("cluster local: %s", strings.Join(failed, "; "))}
	}
	return nil
}

// startLocalShard starts shard i of n: shard 0 coordinates on addr and writes to this
// command's streams; the others join it quietly.
func startLocalShard(exe string, o *runOptions, args [2][]string, i, n int, addr, token string) (*localShard, error) {
	argv := append([]string(nil), args[0]...)
	argv = append(argv, "--shard", fmt.Sprintf("%d/%d", i, n))
	p := &localShard{index: i, stderr: &tailBuffer{max: 4096}, exited: make(chan struct{})}
	if i == 0 {
		argv = append(argv, "--coordinate", addr)
		argv = append(argv, args[1]...)
	} else {
		argv = append(argv, "--coordinator", addr, "--quiet")
		if kept := keptShardOut(o.OutFile, i); kept != "" {
			argv = append(argv, "--shard-keep-out", kept)
		}
	}
	p.cmd = exec.Command(exe, argv...)
	p.cmd.Env = append(os.Environ(), envClusterToken+"="+token)
	if i == 0 {
		p.cmd.Stdout, p.cmd.Stderr = o.Out, o.ErrOut
	} else {
		p.cmd.Stdout, p.cmd.Stderr = io.Discard, p.stderr
	}
	detach(p.cmd) // an interrupt reaches cluster local, which hands it to the coordinator
	started := make(chan error, 1)
	go func() {
		runtime.LockOSThread() // the parent-death signal follows this thread (serverproc.go)
		if err := p.cmd.Start(); err != nil {
			started <- err
			return
		}
		started <- nil
		_ = p.cmd.Wait()
		close(p.exited)
	}()
	if err := <-started; err != nil {
		return nil, fmt.Errorf("cluster local: start shard %d: %w", i, err)
	}
	return p, nil
}

// stop terminates the shard if it still runs, and kills it after timeout (0: at once).
func (p *localShard) stop(timeout time.Duration) {
	select {
	case <-p.exited:
		return
	default:
	}
	if timeout > 0 {
		_ = terminate(p.cmd.Process)
		select {
		case <-p.exited:
			return
		case <-time.After(timeout):
		}
	}
	_ = p.cmd.Process.Kill()
	<-p.exited
}
