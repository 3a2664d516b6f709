// Package kube runs a sharded loadtest on Kubernetes without an operator: the manifests of a
// run (a ConfigMap with the scenario and its feeder files, a Secret with the cluster token, a
// headless Service giving shard 0 a stable name, and an Indexed Job of N shards) built from
// the k8s.io/api types, and the run itself with client-go (create, wait, follow shard 0, read
// the merged result from its log, delete). Only this package imports client-go.
package kube

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"path"
	"strconv"
	"strings"
	"unicode/utf8"

	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
	"k8s.io/apimachinery/pkg/util/validation"
	"sigs.k8s.io/yaml"

	"github.com/loadtestdev/loadtest/internal/lazyregexp"
)

// Defaults of a Spec.
const (
	DefaultPort = 7946
	// DefaultTTL keeps a finished Job (and, through owner references, its other objects) for
	// ten minutes, so that a run applied with kubectl can still be read, then removes it.
	DefaultTTL = 600
	// ContainerName is the name of the shard's container (podFailurePolicy names it).
	ContainerName = "loadtest"
	// ScenarioDir is where the ConfigMap is mounted in the pod.
	ScenarioDir = "/etc/loadtest"
	// TokenEnv is the environment variable the token reaches the shards by (--cluster-token's).
	TokenEnv = "LOADTEST_CLUSTER_TOKEN"
	// IndexEnv is the variable Kubernetes sets to a pod's index in an Indexed Job.
	IndexEnv = "JOB_COMPLETION_INDEX"
	// NodeNameEnv carries the pod's node name (downward API) to the shard, which reports it
	// to the coordinator (cluster.NodeNameEnv, the same name).
	NodeNameEnv = "LOADTEST_NODE_NAME"
)

// The ways shards are spread over nodes (Spec.Spread).
const (
	SpreadSoft = "soft"
	SpreadHard = "hard"
	SpreadNone = "none"
)

// Labels put on every object of a run.
const (
	LabelName     = "app.kubernetes.io/name"
	LabelInstance = "app.kubernetes.io/instance"
	LabelManaged  = "app.kubernetes.io/managed-by"
)

// File is a file that goes into the ConfigMap: its path relative to the scenario's
// directory (the scenario file's own base name, or a feeder's relative path) and content.
type File struct {
	Path    string
	Content []byte
}

// Spec describes a run on Kubernetes.
type Spec struct {
	// Name names every object (the Job, Service, ConfigMap and Secret); a DNS label.
	Name string
	// ServiceName, when set, names the headless Service instead (and so the pods' subdomain:
	// shard 0 is JOB-0.SERVICENAME). cluster run gives each run its own, so that the
	// EndpointSlices of an earlier run's Service of the same name, which linger until the
	// garbage collector removes them, never answer for this run's shard 0.
	ServiceName string
	Namespace   string
	Image       string
	// PullPolicy of the image: Always, IfNotPresent (the default) or Never.
	PullPolicy string
	Shards     int
	// Scenario is the argument of `loadtest run`: a built-in's name, or (with ScenarioFile)
	// the base name of the scenario file, which the pods read from the ConfigMap.
	Scenario     string
	ScenarioFile *File
	// Feeders are the scenario's feeder files, relative to its directory.
	Feeders []File
	// RunArgs are the `loadtest run` flags passed on to every shard, e.g. --target=URL.
	RunArgs []string
	// Token is the cluster token (the Secret's); it reaches the pods as TokenEnv.
	Token string
	// Port is the coordinator's port (default DefaultPort).
	Port int
	// CoordinatorHost is the name the shards reach shard 0 at (default JOB-0.SERVICE, the
	// stable name the headless Service gives it; with HostNetwork and no DNS, e.g. 127.0.0.1).
	CoordinatorHost string
	// CPU and Memory are the requests and limits of each shard ("" for none).
	CPU, Memory string
	// NodeSelector restricts the nodes shards run on.
	NodeSelector map[string]string
	// HostNetwork runs the shards in the node's network namespace.
	HostNetwork bool
	// Spread is how the shards are spread over nodes: SpreadSoft (the default: where it can),
	// SpreadHard (one node per shard, or the rest stay Pending) or SpreadNone.
	Spread string
	// ImagePullSecrets name Secrets (kubernetes.io/dockerconfigjson) in the namespace that
	// the kubelet pulls the image with.
	ImagePullSecrets []string
	// TTLSeconds is the Job's ttlSecondsAfterFinished (default DefaultTTL; negative: none).
	TTLSeconds int
}

// Objects are the manifests of a run, in the order they are created.
type Objects struct {
	ConfigMap *corev1.ConfigMap
	Secret    *corev1.Secret
	Service   *corev1.Service
	Job       *batchv1.Job
}

var dnsLabel = lazyregexp.New(`^[a-z0-9]([-a-z0-9]*[a-z0-9])?$`)

// validate checks s and fills in its defaults.
func (s *Spec) validate() error {
	var errs []error
	if !dnsLabel.MatchString(s.Name) || len(s.Name) > 52 {
		// 63 less room for the Job's pod names "NAME-INDEX-xxxxx".
		errs = append(errs, fmt.Errorf("name %q: want a DNS label of at most 52 lowercase letters, digits and '-'", s.Name))
	}
	if s.ServiceName != "" && (!dnsLabel.MatchString(s.ServiceName) || len(s.ServiceName) > 63) {
		errs = append(errs, fmt.Errorf("service name %q: want a DNS label of at most 63 lowercase letters, digits and '-'", s.ServiceName))
	}
	if s.Namespace == "" {
		s.Namespace = "default"
	} else if msgs := validation.IsDNS1123Label(s.Namespace); len(msgs) > 0 {
		errs = append(errs, fmt.Errorf("namespace %q: %s", s.Namespace, strings.Join(msgs, "; ")))
	}
	if s.Image == "" {
		errs = append(errs, errors.New("image: name the image the shards run, e.g. REGISTRY/loadtest:TAG (see loadtest cluster image)"))
	}
	if s.Shards < 1 || s.Shards > 1000 {
		errs = append(errs, fmt.Errorf("shards: %d is not allowed, want 1 to 1000", s.Shards))
	}
	if s.Scenario == "" {
		errs = append(errs, errors.New("scenario: name a scenario"))
	}
	if s.Port == 0 {
		s.Port = DefaultPort
	} else if s.Port < 1 || s.Port > 65535 {
		errs = append(errs, fmt.Errorf("port: %d is not allowed, want 1 to 65535", s.Port))
	}
	switch corev1.PullPolicy(s.PullPolicy) {
	case "":
		s.PullPolicy = string(corev1.PullIfNotPresent)
	case corev1.PullAlways, corev1.PullIfNotPresent, corev1.PullNever:
	default:
		errs = append(errs, fmt.Errorf("image pull policy %q: want Always, IfNotPresent or Never", s.PullPolicy))
	}
	if s.TTLSeconds == 0 {
		s.TTLSeconds = DefaultTTL
	}
	switch s.Spread {
	case "":
		s.Spread = SpreadSoft
	case SpreadSoft, SpreadHard, SpreadNone:
	default:
		errs = append(errs, fmt.Errorf("spread %q: want hard, soft or none", s.Spread))
	}
	for _, name := range s.ImagePullSecrets {
		if msgs := validation.IsDNS1123Subdomain(name); len(msgs) > 0 {
			errs = append(errs, fmt.Errorf("image pull secret %q: %s", name, strings.Join(msgs, "; ")))
		}
	}
	for _, q := range []struct{ flag, v string }{{"cpu", s.CPU}, {"memory", s.Memory}} {
		if q.v == "" {
			continue
		}
		if _, err := resource.ParseQuantity(q.v); err != nil {
			errs = append(errs, fmt.Errorf("%s: %q is not a quantity such as 500m or 1 (cpu), 256Mi (memory)", q.flag, q.v))
		}
	}
	for i, f := range s.Feeders {
		if err := checkRelative(f.Path); err != nil {
			errs = append(errs, fmt.Errorf("feeder %d: %w", i+1, err))
		}
	}
	return errors.Join(errs...)
}

// checkRelative accepts a path that stays inside the scenario's directory.
func checkRelative(p string) error {
	c := path.Clean(p)
	if path.IsAbs(c) || c == ".." || strings.HasPrefix(c, "../") || c == "." {
		return fmt.Errorf("%q: a file the pods read must be beside the scenario file or below it (a relative path without ..)", p)
	}
	return nil
}

// Build returns the manifests of s. Only the k8s.io/api types build them; WriteYAML prints them.
func Build(s Spec) (*Objects, error) {
	if err := s.validate(); err != nil {
		return nil, fmt.Errorf("kube: %w", err)
	}
	labels := map[string]string{LabelName: "loadtest", LabelInstance: s.Name, LabelManaged: "loadtest"}
	meta := func() metav1.ObjectMeta {
		return metav1.ObjectMeta{Name: s.Name, Namespace: s.Namespace, Labels: copyMap(labels)}
	}
	cm := &corev1.ConfigMap{
		TypeMeta:   metav1.TypeMeta{APIVersion: "v1", Kind: "ConfigMap"},
		ObjectMeta: meta(),
	}
	var items []corev1.KeyToPath
	files := append([]File(nil), s.Feeders...)
	if s.ScenarioFile != nil {
		files = append([]File{*s.ScenarioFile}, files...)
	}
	for i, f := range files {
		key := "file-" + strconv.Itoa(i)
		if utf8.Valid(f.Content) {
			if cm.Data == nil {
				cm.Data = map[string]string{}
			}
			cm.Data[key] = string(f.Content)
		} else {
			if cm.BinaryData == nil {
				cm.BinaryData = map[string][]byte{}
			}
			cm.BinaryData[key] = f.Content
		}
		items = append(items, corev1.KeyToPath{Key: key, Path: path.Clean(f.Path)})
	}
	secret := &corev1.Secret{
		TypeMeta:   metav1.TypeMeta{APIVersion: "v1", Kind: "Secret"},
		ObjectMeta: meta(),
		Type:       corev1.SecretTypeOpaque,
		StringData: map[string]string{"token": s.Token},
	}
	svcMeta := meta()
	svcMeta.Name = s.serviceName()
	svc := &corev1.Service{
		TypeMeta:   metav1.TypeMeta{APIVersion: "v1", Kind: "Service"},
		ObjectMeta: svcMeta,
		Spec: corev1.ServiceSpec{
			ClusterIP:                corev1.ClusterIPNone,
			Selector:                 map[string]string{batchv1.JobNameLabel: s.Name},
			PublishNotReadyAddresses: true,
			Ports: []corev1.ServicePort{{Name: "coordinator", Port: int32(s.Port),
				TargetPort: intstr.FromInt32(int32(s.Port)), Protocol: corev1.ProtocolTCP}},
		},
	}
	job := &batchv1.Job{
		TypeMeta:   metav1.TypeMeta{APIVersion: "batch/v1", Kind: "Job"},
		ObjectMeta: meta(),
		Spec:       jobSpec(s, labels, items),
	}
	return &Objects{ConfigMap: cm, Secret: secret, Service: svc, Job: job}, nil
}

func (s *Spec) serviceName() string {
	if s.ServiceName != "" {
		return s.ServiceName
	}
	return s.Name
}

func copyMap(m map[string]string) map[string]string {
	out := make(map[string]string, len(m))
	for k, v := range m {
		out[k] = v
	}
	return out
}

// WriteYAML prints the objects as one YAML stream (documents separated by ---), in the order
// they are created; `kubectl apply -f -` takes it as it is.
func (o *Objects) WriteYAML(w io.Writer) error {
	for i, obj := range []any{o.ConfigMap, o.Secret, o.Service, o.Job} {
		data, err := marshalWithoutStatus(obj)
		if err != nil {
			return fmt.Errorf("kube: %w", err)
		}
		if i > 0 {
			if _, err := io.WriteString(w, "---\n"); err != nil {
				return err
			}
		}
		if _, err := w.Write(data); err != nil {
			return err
		}
	}
	return nil
}

// marshalWithoutStatus is the object's YAML without its (empty) status, which is the
// server's to fill in and only noise in a manifest.
func marshalWithoutStatus(obj any) ([]byte, error) {
	j, err := json.Marshal(obj)
	if err != nil {
		return nil, err
	}
	var m map[string]any
	if err := json.Unmarshal(j, &m); err != nil {
		return nil, err
	}
	delete(m, "status")
	return yaml.Marshal(m)
}
