package cli

import (
	"context"
	"errors"
	"fmt"
	"io"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/loadtestdev/loadtest/cluster/kube"
)

func init() {
	clusterSubcommands = append(clusterSubcommands,
		func(ios *IOStreams) *cobra.Command { return newClusterImageCmd(ios, nil) },
		newClusterManifestCmd,
		func(ios *IOStreams) *cobra.Command { return newClusterRunCmd(ios, nil) },
		newClusterPodCmd)
}

// forwardedRunFlags are the `loadtest run` flags that cluster manifest and cluster run take
// and pass on to every shard (--out and --report stay local: the merged result is written
// here). The TLS file flags (--ca-cert, --client-cert, --client-key) are not among them: a
// pod has no file of this machine; the image must hold them (see "TLS" in the README).
var forwardedRunFlags = []string{"rate", "connections", "duration", "target", "timeout", "seed", "secret", "http2",
	"follow-redirects", "max-response-body", "host", "threshold", "no-thresholds", "abort-on-fail", "server-stats", "insecure", "server-name", "quiet"}

// kubeOptions are the flags cluster manifest and cluster run share: the kube.Request they
// make, and run's own flags (bound by a `run` command, added to this one).
type kubeOptions struct {
	kube.Request
	Namespace   string
	JoinTimeout string
	runFlags    *pflag.FlagSet
}

// bindKubeFlags binds the shared flags, run's forwarded ones included.
func bindKubeFlags(cmd *cobra.Command, ios *IOStreams, o *kubeOptions) {
	f := cmd.Flags()
	f.IntVar(&o.Shards, "shards", 0, "number of shards (pods), each sending 1/N of the load; required")
	f.StringVar(&o.Image, "image", "", "image of loadtest the pods run, e.g. REGISTRY/loadtest:TAG (loadtest cluster image); required")
	f.StringVar(&o.PullPolicy, "image-pull-policy", "IfNotPresent", "imagePullPolicy of the pods: Always, IfNotPresent or Never")
	f.StringVarP(&o.Namespace, "namespace", "n", "", "namespace of the run's objects (default the kubeconfig context's, else default)")
	f.StringVar(&o.Name, "name", "", "name of the run's objects (default loadtest-SCENARIO)")
	f.StringVar(&o.CPU, "cpu", "", "CPU request and limit of each shard, e.g. 1 or 500m")
	f.StringVar(&o.Memory, "memory", "", "memory request and limit of each shard, e.g. 512Mi")
	f.StringArrayVar(&o.NodeSelector, "node-selector", nil, "run shards only on nodes with this label, KEY=VALUE (repeatable)")
	f.BoolVar(&o.HostNetwork, "host-network", false, "run the shards in their node's network namespace")
	f.StringVar(&o.Spread, "spread", kube.SpreadSoft, "spread the shards over nodes: soft (where it can), hard (a node per shard, or they stay Pending) or none")
	f.StringArrayVar(&o.PullSecrets, "image-pull-secret", nil, "name of a Secret (kubernetes.io/dockerconfigjson) in the namespace to pull the image with (repeatable)")
	f.StringVar(&o.CoordinatorHost, "coordinator-host", "", "host the shards reach shard 0 at (default its stable name JOB-0.SERVICE; e.g. 127.0.0.1 with --host-network on one node)")
	f.IntVar(&o.Port, "port", kube.DefaultPort, "port of shard 0's coordinator")
	f.IntVar(&o.TTL, "ttl", kube.DefaultTTL, "seconds a finished Job and its objects are kept before Kubernetes removes them (ttlSecondsAfterFinished)")
	f.StringVar(&o.Token, "cluster-token", "", "token the shards authenticate with (default $LOADTEST_CLUSTER_TOKEN, else a random one); goes into the Secret")
	f.StringVar(&o.JoinTimeout, "join-timeout", "", "passed on to the shards: how long shard 0 waits for the others to join, e.g. 2m")
	o.runFlags = newRunCmd(ios).Flags()
	for _, name := range forwardedRunFlags {
		f.AddFlag(o.runFlags.Lookup(name))
	}
}

// validate loads the scenario and checks the flags (kube.Request.Prepare); errors are bad input.
func (o *kubeOptions) validate(args []string) error {
	o.ScenarioArg = args[0]
	return o.Prepare(kube.PrepareOptions{RunArgs: o.runFlagArgs(), TargetGiven: o.runFlags.Changed("target"),
		JoinTimeout: o.JoinTimeout, CheckRun: checkRunFlags})
}

// checkRunFlags checks the run flags passed on to the shards as `loadtest run` checks its
// own, so that bad input fails here and not in N pods: a fresh run command parses and
// validates them and stops before loading anything.
func checkRunFlags(scenario string, args []string) error {
	run := newCmdRun(&IOStreams{Out: io.Discard, ErrOut: io.Discard}, func(context.Context, *runOptions) error { return nil })
	run.SilenceErrors, run.SilenceUsage = true, true
	run.SetOut(io.Discard)
	run.SetErr(io.Discard)
	run.SetArgs(append([]string{scenario}, args...))
	return run.Execute()
}

// runFlagArgs are the run flags that were given, as --NAME=VALUE, in forwardedRunFlags order
// (repeatable ones once per value).
func (o *kubeOptions) runFlagArgs() []string {
	var args []string
	for _, name := range forwardedRunFlags {
		fl := o.runFlags.Lookup(name)
		if fl.Changed {
			args = append(args, flagArgs(fl)...)
		}
	}
	return args
}

func newClusterManifestCmd(ios *IOStreams) *cobra.Command {
	o := &kubeOptions{}
	cmd := &cobra.Command{
		Use:   "manifest SCENARIO|FILE.yaml --shards N --image IMAGE [flags] [run flags]",
		Short: "Print the Kubernetes manifests of a sharded run",
		Long: `Print the manifests of a run of SCENARIO in N shards, as YAML for kubectl apply -f -:
a ConfigMap with the scenario file and its feeder, a Secret with the cluster token, a headless
Service that gives shard 0 its stable name JOB-0.SERVICE, and an Indexed Job of N pods, each
running "loadtest run SCENARIO --shard $(JOB_COMPLETION_INDEX)/N" with shard 0 coordinating.
The run flags (--rate, --duration, --target, --threshold ...) are passed on to every shard.
Shard 0 prints the merged result in its log; "loadtest cluster run" does all of this and
writes it locally. See docs/kubernetes.md.`,
		Example: `  loadtest cluster manifest echo --shards 4 --image registry.example/loadtest:v1 --target http://shop.perf:8080 | kubectl apply -f -
  loadtest cluster manifest ./shop.yaml --shards 8 --image registry.example/loadtest:v1 --cpu 1 --memory 512Mi --node-selector pool=loadgen`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := o.validate(args); err != nil {
				return usageError(fmt.Errorf("cluster manifest: %w", err))
			}
			err := o.WriteManifest(ios.Out, o.Namespace)
			var ie *kube.InputError
			if errors.As(err, &ie) {
				return usageError(fmt.Errorf("cluster manifest: %w", err))
			}
			return err
		},
	}
	bindKubeFlags(cmd, ios, o)
	return cmd
}
