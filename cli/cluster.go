package cli

import (
	"context"
	"errors"
	"fmt"
	"github.com/loadtestdev/loadtest/reports"
	"strings"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/loadtestdev/loadtest/cluster"
	"github.com/loadtestdev/loadtest/runner"
)

// clusterSubcommands are the subcommands of `loadtest cluster`; another file adds its own
// with one line: func init() { clusterSubcommands = append(clusterSubcommands, newX) }.
var clusterSubcommands = []func(*IOStreams) *cobra.Command{newClusterLocalCmd}

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
	cmd.Flags().IntVar(&shards, "shards", 2, fmt.Sprintf("how many shard processes (1 to %d)", cluster.MaxLocalShards))
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

// runClusterLocal checks the run's inputs as run does and runs the shards (runner.RunLocal,
// which starts the bundled server when needed); it exits with the coordinator's exit code.
func runClusterLocal(ctx context.Context, o *runOptions, flags *pflag.FlagSet, shards int) error {
	if shards < 1 || shards > cluster.MaxLocalShards {
		return usageError(fmt.Errorf("--shards: %d is not allowed, want 1 to %d", shards, cluster.MaxLocalShards))
	}
	sc, err := runner.LoadScenario(&o.ScenarioOptions)
	if err != nil {
		return usageError(err)
	}
	if _, err := runner.LoadThresholds(sc, o.Thresholds, o.NoThresholds, o.AbortOnFail); err != nil {
		return usageError(err)
	}
	if _, err := reports.ParseSpecs(o.Reports, o.OutFile); err != nil {
		return usageError(err)
	}
	if err := checkOut(o.OutFile); err != nil {
		return err
	}
	args := localShardArgs(o, flags)
	res, err := runner.RunLocal(ctx, sc, o.Secret, o.Seed, cluster.LocalOptions{Shards: shards, Args: args[0], CoordinatorArgs: args[1],
		OutFile: o.OutFile, Out: o.Out, ErrOut: o.ErrOut})
	if res == nil {
		return err
	}
	return errors.Join(localExit(res), err)
}

// localExit is the exit of cluster local: the coordinator's code, 1 when it died or when
// another shard failed on its own.
func localExit(res *cluster.LocalResult) error {
	switch {
	case res.ExitCode < 0:
		return &ExitError{Code: ExitFailure, Err: fmt.Errorf("cluster local: the coordinator (shard 0) died: %s", res.CoordinatorState)}
	case res.ExitCode != ExitOK:
		return &ExitError{Code: res.ExitCode} // the coordinator has said why
	case len(res.ShardFailures) > 0:
		return &ExitError{Code: ExitFailure, Err: fmt.Errorf("cluster local: %s", strings.Join(res.ShardFailures, "; "))}
	}
	return nil
}

// localShardArgs are the run arguments every shard gets (runner.RunLocal adds the target,
// seed and secret), and those of shard 0 alone.
func localShardArgs(o *runOptions, flags *pflag.FlagSet) [2][]string {
	var all, coordinatorOnly []string
	all = []string{"run"}
	if o.Scenario != "" {
		all = append(all, o.Scenario)
	}
	flags.Visit(func(fl *pflag.Flag) {
		if localOwnFlags[fl.Name] {
			return
		}
		args := flagArgs(fl)
		if coordinatorOnlyFlags[fl.Name] {
			coordinatorOnly = append(coordinatorOnly, args...)
		} else {
			all = append(all, args...)
		}
	})
	return [2][]string{all, coordinatorOnly}
}

// flagArgs passes a flag that was given on: --NAME=VALUE, once per value of a repeatable one.
func flagArgs(fl *pflag.Flag) []string {
	sv, ok := fl.Value.(pflag.SliceValue)
	if !ok {
		return []string{"--" + fl.Name + "=" + fl.Value.String()}
	}
	var args []string
	for _, v := range sv.GetSlice() {
		args = append(args, "--"+fl.Name+"="+v)
	}
	return args
}
