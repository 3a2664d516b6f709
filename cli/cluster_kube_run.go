package cli

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/spf13/cobra"

	"github.com/loadtestdev/loadtest/cluster/kube"
	"github.com/loadtestdev/loadtest/reports"
	"github.com/loadtestdev/loadtest/results"
)

// clusterRunOptions are the flags of `loadtest cluster run`.
type clusterRunOptions struct {
	kubeOptions
	Kubeconfig     string
	Context        string
	OutFile        string
	Reports        []string
	Keep           bool
	DryRun         bool
	PendingTimeout time.Duration

	// client, when not nil, is used instead of one from the kubeconfig (tests).
	client *kube.Client
}

func newClusterRunCmd(ios *IOStreams, client *kube.Client) *cobra.Command {
	o := &clusterRunOptions{client: client}
	cmd := &cobra.Command{
		Use:   "run SCENARIO|FILE.yaml --shards N --image IMAGE [flags] [run flags]",
		Short: "Run a sharded load test on Kubernetes and write its merged result here",
		Long: `Run SCENARIO in N shards on the Kubernetes cluster of your kubeconfig: create the objects
of "loadtest cluster manifest", wait for the pods (saying why one stays Pending), follow
shard 0 (the coordinator) in its log, read the merged result from it, write --out and the
--reports here, print the summary, and delete the objects (--keep leaves them).

Ctrl-C deletes the Job, which stops every shard, and still collects and writes the merged
partial result (exit code 130). --dry-run prints the objects it would create.

Exit codes: those of "loadtest run" for the merged run (0, 99 thresholds breached, 1 failed,
e.g. a shard lost, 2 bad input), 1 when the run could not be started or read (no kubeconfig,
no permission, a missing namespace, an image that cannot be pulled), 130 interrupted.
RBAC and how to read a failed run: docs/kubernetes.md.`,
		Example: `  loadtest cluster run echo --shards 4 --image registry.example/loadtest:v1 --target http://shop.perf:8080 --out result.json
  loadtest cluster run ./shop.yaml --shards 8 --image registry.example/loadtest:v1 --cpu 1 --memory 512Mi --report md=report.md
  loadtest cluster run echo --shards 4 --image registry.example/loadtest:v1 --target http://shop.perf:8080 --dry-run`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := o.validate(args); err != nil {
				return usageError(fmt.Errorf("cluster run: %w", err))
			}
			if o.PendingTimeout <= 0 {
				return usageError(fmt.Errorf("cluster run: --pending-timeout: %s is not allowed, want a positive duration such as 5m", o.PendingTimeout))
			}
			return runClusterRun(cmd.Context(), ios, o)
		},
	}
	bindKubeFlags(cmd, ios, &o.kubeOptions)
	f := cmd.Flags()
	f.StringVar(&o.Kubeconfig, "kubeconfig", "", "kubeconfig file (default $KUBECONFIG, else ~/.kube/config)")
	f.StringVar(&o.Context, "context", "", "kubeconfig context (default the current one)")
	f.StringVarP(&o.OutFile, "out", "o", "", "write the merged result file (JSON, schema "+results.Schema+") here")
	f.StringArrayVar(&o.Reports, "report", nil, "write a report of the merged run, FORMAT=FILE (as loadtest run; repeatable)")
	f.BoolVar(&o.Keep, "keep", false, "leave the run's objects in the cluster (removed by the Job's --ttl)")
	f.BoolVar(&o.DryRun, "dry-run", false, "print the objects that would be created and stop")
	f.DurationVar(&o.PendingTimeout, "pending-timeout", 5*time.Minute, "how long the shards may take to start (be scheduled and pull the image)")
	return cmd
}

func runClusterRun(ctx context.Context, ios *IOStreams, o *clusterRunOptions) error {
	specs, err := reports.ParseSpecs(o.Reports, o.OutFile)
	if err != nil {
		return usageError(err)
	}
	if err := checkOut(o.OutFile); err != nil {
		return err
	}
	run, runErr := kube.RunCluster(ctx, kube.ClusterRunOptions{Request: o.Request, Namespace: o.Namespace, Kubeconfig: o.Kubeconfig,
		Context: o.Context, Client: o.client, DryRun: o.DryRun, Keep: o.Keep, PendingTimeout: o.PendingTimeout, Out: ios.Out, Log: ios.ErrOut})
	var ie *kube.InputError
	switch {
	case errors.As(runErr, &ie):
		return usageError(fmt.Errorf("cluster run: %w", runErr))
	case run == nil || o.DryRun:
		return runErr
	case run.Result == nil && run.Outcome != nil && run.Outcome.Result == nil && run.Outcome.Interrupted:
		return &ExitError{Code: ExitInterrupted, Err: errors.Join(errors.New("cluster run: interrupted before shard 0 printed a result"), runErr)}
	case run.Result == nil:
		return runErr
	}
	out := run.Outcome
	werr := errors.Join(writeOut(o.OutFile, run.Result), reports.WriteFiles(specs, run.Result, ios.ErrOut), reports.Text(ios.Out, run.Result), runErr)
	fmt.Fprintf(ios.ErrOut, "job %s: %s; shard 0 exited with code %d\n", run.Spec.Name, out.JobStatus, out.ExitCode)
	if werr != nil && out.ExitCode == ExitOK {
		return werr
	}
	if out.ExitCode != ExitOK {
		return &ExitError{Code: out.ExitCode, Err: werr}
	}
	return nil
}
