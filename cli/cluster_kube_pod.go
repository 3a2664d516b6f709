package cli

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
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

func runClusterPod(cmd *cobra.Command, ios *IOStreams, o *clusterPodOptions, idx int, args []string) error {
	runArgs := append([]string(nil), args...)
	switch {
	case idx == 0 && o.Coordinate != "":
		runArgs = append(runArgs, "--coordinate", o.Coordinate)
	case idx > 0 && o.Coordinator != "":
		runArgs = append(runArgs, "--coordinator", o.Coordinator)
	}
	var out string
	if idx == 0 {
		dir, err := os.MkdirTemp("", "loadtest-shard-")
		if err != nil {
			return err
		}
		defer os.RemoveAll(dir)
		out = filepath.Join(dir, "result.json")
		runArgs = append(runArgs, "--out", out)
	}
	// Shard 0's summary follows its result block in the log: cluster run prints its own from
	// the result, and kubectl logs still shows it.
	var summary bytes.Buffer
	runIOS := *ios
	if idx == 0 {
		runIOS.Out = &summary
	}
	root := NewRootCmd(&runIOS)
	root.SetArgs(runArgs)
	err := root.ExecuteContext(cmd.Context())
	code := exitCode(err)
	if err != nil && err.Error() != "" {
		fmt.Fprintf(ios.ErrOut, "error: %v\n", err)
	}
	if idx == 0 {
		data, _ := os.ReadFile(out) // none when the run wrote none (bad input)
		if werr := kube.WriteResult(ios.Out, code, data); werr != nil {
			fmt.Fprintf(ios.ErrOut, "error: printing the result: %v\n", werr)
		}
		ios.Out.Write(summary.Bytes())
	} else if code == ExitThresholds {
		// The verdict is shard 0's, on the merged result; this shard's 99 would fail the Job
		// (podFailurePolicy) and stop shard 0 before it printed it.
		fmt.Fprintf(ios.ErrOut, "shard %d: thresholds breached on this shard's share; the verdict is shard 0's, on the merged result\n", idx)
		code = ExitOK
	}
	if code == ExitOK {
		return nil
	}
	return &ExitError{Code: code}
}
