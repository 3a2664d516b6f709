package kube

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/loadtestdev/loadtest/internal/lazyregexp"
	"github.com/loadtestdev/loadtest/results"
	"github.com/loadtestdev/loadtest/scenarios"
)

// Request is a Kubernetes run as `loadtest cluster manifest` and `cluster run` are given it:
// a loaded scenario, what the objects should be, and the run flags passed on to every shard.
// Its Spec reads the scenario's files.
type Request struct {
	// Scenario is the loaded scenario; ScenarioArg the built-in name or file it was given as.
	Scenario    *scenarios.Scenario
	ScenarioArg string
	// Name names the objects (default DefaultName of the scenario).
	Name, Image, PullPolicy string
	Shards, Port            int
	CPU, Memory             string
	// NodeSelector holds KEY=VALUE labels.
	NodeSelector []string
	HostNetwork  bool
	// Spread is how the shards spread over nodes (SpreadSoft, SpreadHard, SpreadNone).
	Spread string
	// PullSecrets name Secrets in the namespace to pull the image with.
	PullSecrets     []string
	CoordinatorHost string
	// TTL is the Job's ttlSecondsAfterFinished; 0 or less keeps finished objects.
	TTL     int
	Token   string
	RunArgs []string
}

// InputError is bad input found while making a run's objects (a scenario file that cannot go
// into a pod, an invalid spec): the caller's to fix, not the cluster's.
type InputError struct{ Err error }

func (e *InputError) Error() string { return e.Err.Error() }
func (e *InputError) Unwrap() error { return e.Err }

var nonName = lazyregexp.New(`[^a-z0-9]+`)

// DefaultName names a run's objects after its scenario: loadtest- and the scenario's base
// name in lowercase letters, digits and '-' (at most 40 of them).
func DefaultName(scenario string) string {
	base := strings.TrimSuffix(strings.TrimSuffix(filepath.Base(scenario), ".yaml"), ".yml")
	n := strings.Trim(nonName.ReplaceAllString(strings.ToLower(base), "-"), "-")
	if len(n) > 40 {
		n = strings.Trim(n[:40], "-")
	}
	return "loadtest-" + n
}

// Spec is the Spec of the request in namespace: a scenario file goes into the ConfigMap
// with its feeder (relative to it); its TLS files must be in the image (absolute paths).
func (r Request) Spec(namespace string) (Spec, error) {
	s := Spec{
		Name: r.Name, Namespace: namespace, Image: r.Image, PullPolicy: r.PullPolicy,
		Shards: r.Shards, Scenario: r.ScenarioArg, Token: r.Token, Port: r.Port, CoordinatorHost: r.CoordinatorHost,
		CPU: r.CPU, Memory: r.Memory, HostNetwork: r.HostNetwork, TTLSeconds: r.TTL, RunArgs: r.RunArgs,
		Spread: r.Spread, ImagePullSecrets: r.PullSecrets,
	}
	if r.TTL <= 0 {
		s.TTLSeconds = -1
	}
	if s.Name == "" {
		s.Name = DefaultName(r.ScenarioArg)
	}
	if len(r.NodeSelector) > 0 {
		s.NodeSelector = map[string]string{}
		for _, kv := range r.NodeSelector {
			k, v, _ := strings.Cut(kv, "=")
			s.NodeSelector[k] = v
		}
	}
	if r.Scenario.Builtin() {
		return s, nil
	}
	data, err := os.ReadFile(r.ScenarioArg)
	if err != nil {
		return s, err
	}
	base := filepath.Base(r.ScenarioArg)
	s.Scenario = base
	s.ScenarioFile = &File{Path: base, Content: data}
	if fd := r.Scenario.Feeder; fd != "" {
		if filepath.IsAbs(fd) {
			return s, fmt.Errorf("%s: feeder %s: the pods read feeders beside the scenario file: give a relative path", r.ScenarioArg, fd)
		}
		data, err := os.ReadFile(filepath.Join(r.Scenario.Dir(), fd))
		if err != nil {
			return s, fmt.Errorf("%s: feeder: %w", r.ScenarioArg, err)
		}
		s.Feeders = []File{{Path: filepath.ToSlash(fd), Content: data}}
	}
	return s, podTLSFiles(r.ScenarioArg, r.Scenario.TLS)
}

// podTLSFiles refuses a scenario whose tls field names a relative file: the pods get the
// scenario and its feeder, none of this machine's other files (a client key does not belong
// in a ConfigMap). An absolute path names a file built into the image.
func podTLSFiles(scenario string, t scenarios.TLS) error {
	for _, f := range []struct{ field, file string }{{"ca_cert", t.CACert}, {"client_cert", t.ClientCert}, {"client_key", t.ClientKey}} {
		if f.file != "" && !filepath.IsAbs(f.file) {
			return fmt.Errorf("%s: tls.%s %s: the pods have none of this machine's files: build it into the image and give its absolute path there", scenario, f.field, f.file)
		}
	}
	return nil
}

// Objects makes the Spec of the request and builds its objects; every error is an
// *InputError. A run (perRunService) names its headless Service afresh (RunServiceName): a
// rerun under the same name must not reach the previous run's shard 0 through DNS records
// that outlive it; a manifest keeps the plain name.
func (r Request) Objects(namespace string, perRunService bool) (Spec, *Objects, error) {
	s, err := r.Spec(namespace)
	if err != nil {
		return s, nil, &InputError{err}
	}
	if perRunService {
		s.ServiceName = RunServiceName(s.Name)
	}
	objs, err := Build(s)
	if err != nil {
		return s, nil, &InputError{err}
	}
	return s, objs, nil
}

// ClusterRunOptions are a `loadtest cluster run`: the request, where to run it, and how.
type ClusterRunOptions struct {
	Request
	// Namespace is the objects' (default the kubeconfig context's, else default).
	Namespace string
	// Kubeconfig and Context choose the cluster (as kubectl does) when Client is nil.
	Kubeconfig, Context string
	Client              *Client
	// DryRun writes the objects as YAML to Out (and what it would create to Log) and stops.
	DryRun         bool
	Keep           bool
	PendingTimeout time.Duration
	Out, Log       io.Writer
}

// ClusterRun is how a Kubernetes run ended: its spec, what Run saw, and the merged result
// read from shard 0's log (nil for a dry run, or when shard 0 printed none).
type ClusterRun struct {
	Spec    Spec
	Outcome *Outcome
	Result  *results.Result
}

// RunCluster connects to the cluster (none for a dry run), makes the run's objects, and runs
// them (Run): it creates them, waits for the pods, follows shard 0, reads the merged result
// from its log and deletes the objects unless Keep. Bad input is an *InputError. With a
// result, the error is what went wrong besides (the run's verdict is Outcome.ExitCode).
func RunCluster(ctx context.Context, o ClusterRunOptions) (*ClusterRun, error) {
	client, ns := o.Client, o.Namespace
	if client == nil && !o.DryRun {
		var err error
		if client, err = NewClient(o.Kubeconfig, o.Context); err != nil {
			return nil, err
		}
	}
	if ns == "" && client != nil {
		ns = client.Namespace
	} else if ns == "" {
		ns = ContextNamespace(o.Kubeconfig, o.Context)
	}
	s, objs, err := o.Request.Objects(ns, true)
	if err != nil {
		return nil, err
	}
	run := &ClusterRun{Spec: s}
	if o.DryRun {
		fmt.Fprintf(o.Log, "dry run: would create in namespace %s: configmap/%s, secret/%s, service/%s, job.batch/%s (%d shards)\n",
			ns, s.Name, s.Name, s.Name, s.Name, s.Shards)
		return run, objs.WriteYAML(o.Out)
	}
	out, runErr := Run(ctx, RunOptions{Client: client.Interface, Objects: objs, Keep: o.Keep, Log: o.Log, PendingTimeout: o.PendingTimeout})
	run.Outcome = out
	if out == nil || out.Result == nil {
		return run, runErr
	}
	r, err := results.Read(bytes.NewReader(out.Result))
	if err != nil {
		return run, fmt.Errorf("cluster run: the merged result in shard 0's log: %w", err)
	}
	run.Result = r
	return run, runErr
}
