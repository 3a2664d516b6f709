package kube

import (
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/loadtestdev/loadtest/cluster"
	"github.com/loadtestdev/loadtest/scenarios"
)

// PrepareOptions are what cluster manifest and cluster run know besides the Request's own
// fields: the run flags given, passed on to every shard, and how to check them.
type PrepareOptions struct {
	// RunArgs are the run flags that were given, as --NAME=VALUE.
	RunArgs []string
	// TargetGiven says --target was among them.
	TargetGiven bool
	// JoinTimeout, when not empty, is passed on to the shards as --join-timeout.
	JoinTimeout string
	// CheckRun checks the run flags as `loadtest run SCENARIO ARGS...` checks its own, so that
	// bad input fails here and not in N pods.
	CheckRun func(scenario string, args []string) error
}

// Prepare checks the Request's flags, loads its scenario, and completes it: the run flags
// passed on and the cluster token (default $LOADTEST_CLUSTER_TOKEN, else a random one).
// Every error is bad input, naming the flag and what is allowed.
func (r *Request) Prepare(o PrepareOptions) error {
	if r.Shards < 1 {
		return errors.New("--shards: give the number of shards, 1 or more")
	}
	if r.Image == "" {
		return errors.New("--image: name the image the pods run, e.g. REGISTRY/loadtest:TAG (build it with loadtest cluster image)")
	}
	switch r.PullPolicy {
	case "Always", "IfNotPresent", "Never":
	default:
		return fmt.Errorf("--image-pull-policy: %q is not allowed, want Always, IfNotPresent or Never", r.PullPolicy)
	}
	for _, kv := range r.NodeSelector {
		if k, _, ok := strings.Cut(kv, "="); !ok || k == "" {
			return fmt.Errorf("--node-selector %q: want KEY=VALUE", kv)
		}
	}
	if err := o.CheckRun(r.ScenarioArg, o.RunArgs); err != nil {
		return err
	}
	sc, err := scenarios.Load(r.ScenarioArg)
	if err != nil {
		return err
	}
	if sc.Target == "" && !o.TargetGiven {
		return fmt.Errorf("%s has no target and the bundled server does not run in the cluster: give --target URL (an address the pods reach)", r.ScenarioArg)
	}
	r.Scenario = sc
	r.RunArgs = o.RunArgs
	if o.JoinTimeout != "" {
		r.RunArgs = append(r.RunArgs, "--join-timeout="+o.JoinTimeout)
	}
	if r.Token == "" {
		r.Token = os.Getenv(TokenEnv)
	}
	if r.Token == "" {
		r.Token = cluster.NewToken()
	}
	return nil
}

// WriteManifest writes the run's objects as YAML for kubectl apply -f - (cluster manifest:
// no per-run Service name, as there is no run to name it after); namespace "" is "default".
// A spec that cannot be built is an *InputError.
func (r Request) WriteManifest(w io.Writer, namespace string) error {
	if namespace == "" {
		namespace = "default"
	}
	_, objs, err := r.Objects(namespace, false)
	if err != nil {
		return err
	}
	return objs.WriteYAML(w)
}
