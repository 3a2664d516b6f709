package cli

import (
	"context"
	"fmt"
	"io"
	"strconv"

	"github.com/spf13/cobra"

	"github.com/loadtestdev/loadtest/cluster/kube"
)

// clusterPodOptions are the flags of the hidden `loadtest cluster pod`, the command of a
// shard's container in the Indexed Job (kube.Spec.PodArgs).
type clusterPodOptions struct {
	Index       string
	Coordinate  string
	Coordinator string
}

// newClusterPodCmd is `loadtest cluster pod --index I --coordinate LISTEN --coordinator
// HOST:PORT -- run ARGS...`: it runs `loadtest run ARGS...` in this process with
// --coordinate LISTEN for index 0 and --coordinator HOST:PORT for the others (an empty one
// is left out), and shard 0 prints its merged result between the markers that cluster run
// reads (kube.WriteResult).
//
// Why a command of its own: the image has no shell to branch on $(JOB_COMPLETION_INDEX), and
// one pod template serves every index, so something in loadtest must choose the role; here it
// stays out of run's flags, and run's command line is the one in the manifest, unchanged.
func newClusterPodCmd(ios *IOStreams) *cobra.Command {
	o := &clusterPodOptions{}
	cmd := &cobra.Command{
		Use:    "pod --index I [--coordinate LISTEN] [--coordinator HOST:PORT] -- run SCENARIO [run flags]",
		Short:  "Run one shard of a Kubernetes run (the pods' command; not for people)",
		Hidden: true,
		Args:   cobra.MinimumNArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			idx, err := strconv.Atoi(o.Index)
			if err != nil || idx < 0 {
				return usageError(fmt.Errorf("cluster pod: --index %q: want the pod's completion index, 0 or more", o.Index))
			}
			if args[0] != "run" {
				return usageError(fmt.Errorf("cluster pod: after -- want run SCENARIO ..., got %q", args[0]))
			}
			return runClusterPod(cmd, ios, o, idx, args)
		},
	}
	f := cmd.Flags()
	f.StringVar(&o.Index, "index", "", "this pod's completion index ($(JOB_COMPLETION_INDEX))")
	f.StringVar(&o.Coordinate, "coordinate", "", "address shard 0 coordinates on")
	f.StringVar(&o.Coordinator, "coordinator", "", "address of shard 0, for the other shards")
	return cmd
}

// runClusterPod runs the shard (kube.RunPod) with this binary's own command tree.
func runClusterPod(cmd *cobra.Command, ios *IOStreams, o *clusterPodOptions, idx int, args []string) error {
	code, err := kube.RunPod(cmd.Context(), kube.PodOptions{Index: idx, Coordinate: o.Coordinate, Coordinator: o.Coordinator, RunArgs: args,
		Out: ios.Out, ErrOut: ios.ErrOut, Run: func(ctx context.Context, args []string, out io.Writer) int {
			runIOS := *ios
			runIOS.Out = out
			root := NewRootCmd(&runIOS)
			root.SetArgs(args)
			err := root.ExecuteContext(ctx)
			if err != nil && err.Error() != "" {
				fmt.Fprintf(ios.ErrOut, "error: %v\n", err)
			}
			return exitCode(err)
		}})
	if err != nil && code == ExitOK {
		return err
	}
	if code == ExitOK {
		return nil
	}
	return &ExitError{Code: code, Err: err}
}
