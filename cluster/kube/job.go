package kube

import (
	"net"
	"path"
	"strconv"

	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"
)

// ExitCodesFailJob are the shard exit codes that fail the whole Job at once through its
// podFailurePolicy: 2 (bad input: every shard would fail alike) and 99 (thresholds
// breached: retrying cannot make them pass).
var ExitCodesFailJob = []int32{2, 99}

// CoordinatorAddr is the address the shards join shard 0 at: HOST:PORT, where HOST is
// s.CoordinatorHost or the stable name JOB-0.SERVICE of the Indexed Job's pod 0.
func (s *Spec) CoordinatorAddr() string {
	host := s.CoordinatorHost
	if host == "" {
		host = s.Name + "-0." + s.serviceName()
	}
	return net.JoinHostPort(host, strconv.Itoa(s.Port))
}

// listenAddr is the address shard 0 listens on: every interface of the pod, or the
// coordinator host itself when it is a loopback address (host network without DNS).
func (s *Spec) listenAddr() string {
	if ip := net.ParseIP(s.CoordinatorHost); ip != nil && ip.IsLoopback() {
		return net.JoinHostPort(s.CoordinatorHost, strconv.Itoa(s.Port))
	}
	return ":" + strconv.Itoa(s.Port)
}

// PodArgs are the arguments of the shard's container (the image's entrypoint is loadtest):
//
//	cluster pod --index $(JOB_COMPLETION_INDEX) --coordinate LISTEN --coordinator HOST:PORT --
//	  run SCENARIO --shard $(JOB_COMPLETION_INDEX)/N RUNFLAGS...
//
// Kubernetes substitutes $(JOB_COMPLETION_INDEX) from the pod's environment; the image has
// no shell. `cluster pod` adds --coordinate LISTEN to the run of index 0 and --coordinator
// HOST:PORT to the others, and prints index 0's merged result between markers in its log.
func (s *Spec) PodArgs() []string {
	idx := "$(" + IndexEnv + ")"
	scenario := s.Scenario
	if s.ScenarioFile != nil {
		scenario = path.Join(ScenarioDir, path.Clean(s.ScenarioFile.Path))
	}
	if s.Shards == 1 {
		// One shard is a plain run: nothing to coordinate.
		return append([]string{"cluster", "pod", "--index", idx, "--", "run", scenario}, s.RunArgs...)
	}
	args := []string{"cluster", "pod", "--index", idx, "--coordinate", s.listenAddr(), "--coordinator", s.CoordinatorAddr(),
		"--", "run", scenario, "--shard", idx + "/" + strconv.Itoa(s.Shards)}
	return append(args, s.RunArgs...)
}

func jobSpec(s Spec, labels map[string]string, items []corev1.KeyToPath) batchv1.JobSpec {
	n := int32(s.Shards)
	podLabels := copyMap(labels)
	spec := batchv1.JobSpec{
		CompletionMode: ptr.To(batchv1.IndexedCompletion),
		Completions:    ptr.To(n),
		Parallelism:    ptr.To(n),
		// No retries: a shard restarted halfway would rejoin a run that has moved on. Per
		// index, so that a lost shard fails only its index and shard 0 lives on to report
		// shard_lost and the merged result; the Job fails when every index has finished.
		BackoffLimitPerIndex: ptr.To[int32](0),
		// Bad input (2) or breached thresholds (99) fail the whole Job at once. Only shard 0
		// exits 99 (cluster pod makes the others' 99 a 0: the merged verdict is shard 0's),
		// after it has printed the merged result.
		PodFailurePolicy: &batchv1.PodFailurePolicy{Rules: []batchv1.PodFailurePolicyRule{
			{Action: batchv1.PodFailurePolicyActionFailJob, OnExitCodes: &batchv1.PodFailurePolicyOnExitCodesRequirement{
				ContainerName: ptr.To(ContainerName), Operator: batchv1.PodFailurePolicyOnExitCodesOpIn, Values: ExitCodesFailJob}},
		}},
		Template: corev1.PodTemplateSpec{
			ObjectMeta: metav1.ObjectMeta{Labels: podLabels},
			Spec:       podSpec(s, labels, items),
		},
	}
	if s.TTLSeconds > 0 {
		spec.TTLSecondsAfterFinished = ptr.To(int32(s.TTLSeconds))
	}
	return spec
}

func podSpec(s Spec, labels map[string]string, items []corev1.KeyToPath) corev1.PodSpec {
	c := corev1.Container{
		Name:            ContainerName,
		Image:           s.Image,
		ImagePullPolicy: corev1.PullPolicy(s.PullPolicy),
		Args:            s.PodArgs(),
		Env: []corev1.EnvVar{
			{Name: TokenEnv, ValueFrom: &corev1.EnvVarSource{SecretKeyRef: &corev1.SecretKeySelector{
				LocalObjectReference: corev1.LocalObjectReference{Name: s.Name}, Key: "token"}}},
			// The node's name goes into the merged result (coordination.shards[i].node).
			{Name: NodeNameEnv, ValueFrom: &corev1.EnvVarSource{FieldRef: &corev1.ObjectFieldSelector{FieldPath: "spec.nodeName"}}},
		},
		Ports: []corev1.ContainerPort{{Name: "coordinator", ContainerPort: int32(s.Port), Protocol: corev1.ProtocolTCP}},
		VolumeMounts: []corev1.VolumeMount{
			{Name: "tmp", MountPath: "/tmp"},
			{Name: "scenario", MountPath: ScenarioDir, ReadOnly: true},
		},
		Resources: resources(s),
		SecurityContext: &corev1.SecurityContext{
			RunAsNonRoot:             ptr.To(true),
			RunAsUser:                ptr.To[int64](65532),
			RunAsGroup:               ptr.To[int64](65532),
			AllowPrivilegeEscalation: ptr.To(false),
			ReadOnlyRootFilesystem:   ptr.To(true),
			Capabilities:             &corev1.Capabilities{Drop: []corev1.Capability{"ALL"}},
		},
		TerminationMessagePolicy: corev1.TerminationMessageFallbackToLogsOnError,
	}
	ps := corev1.PodSpec{
		RestartPolicy:                 corev1.RestartPolicyNever,
		Subdomain:                     s.serviceName(),
		Containers:                    []corev1.Container{c},
		EnableServiceLinks:            ptr.To(false),
		AutomountServiceAccountToken:  ptr.To(false),
		TerminationGracePeriodSeconds: ptr.To[int64](30),
		NodeSelector:                  s.NodeSelector,
		HostNetwork:                   s.HostNetwork,
		TopologySpreadConstraints:     spread(s, labels),
		Affinity:                      antiAffinity(s, labels),
		Volumes: []corev1.Volume{
			{Name: "tmp", VolumeSource: corev1.VolumeSource{EmptyDir: &corev1.EmptyDirVolumeSource{}}},
			{Name: "scenario", VolumeSource: corev1.VolumeSource{ConfigMap: &corev1.ConfigMapVolumeSource{
				LocalObjectReference: corev1.LocalObjectReference{Name: s.Name}, Items: items}}},
		},
	}
	for _, name := range s.ImagePullSecrets {
		ps.ImagePullSecrets = append(ps.ImagePullSecrets, corev1.LocalObjectReference{Name: name})
	}
	if s.HostNetwork {
		ps.DNSPolicy = corev1.DNSClusterFirstWithHostNet
		// On the host network a container port is a host port, which the scheduler gives
		// one pod per node: N shards would wait for each other. Only shard 0 listens.
		ps.Containers[0].Ports = nil
	}
	return ps
}

// spread spreads the shards over nodes (kubernetes.io/hostname) where it can: a topology
// spread constraint with ScheduleAnyway, so that N shards on fewer nodes still run. Not for
// SpreadNone, nor for SpreadHard, which antiAffinity does.
func spread(s Spec, labels map[string]string) []corev1.TopologySpreadConstraint {
	if s.Spread != SpreadSoft {
		return nil
	}
	return []corev1.TopologySpreadConstraint{{
		MaxSkew: 1, TopologyKey: corev1.LabelHostname, WhenUnsatisfiable: corev1.ScheduleAnyway,
		LabelSelector: &metav1.LabelSelector{MatchLabels: map[string]string{LabelInstance: labels[LabelInstance]}},
	}}
}

// antiAffinity is SpreadHard: no two shards of the run on one node, so that none shares a
// node's CPU and network with another; shards beyond the nodes stay Pending. A topology
// spread constraint with DoNotSchedule does not do this: its skew is counted over the
// nodes there are, so on one node any number of shards has skew 0 (tried on the project's
// one-node cluster: both shards ran on it).
func antiAffinity(s Spec, labels map[string]string) *corev1.Affinity {
	if s.Spread != SpreadHard {
		return nil
	}
	return &corev1.Affinity{PodAntiAffinity: &corev1.PodAntiAffinity{
		RequiredDuringSchedulingIgnoredDuringExecution: []corev1.PodAffinityTerm{{
			TopologyKey:   corev1.LabelHostname,
			LabelSelector: &metav1.LabelSelector{MatchLabels: map[string]string{LabelInstance: labels[LabelInstance]}},
		}},
	}}
}

func resources(s Spec) corev1.ResourceRequirements {
	rl := corev1.ResourceList{}
	if s.CPU != "" {
		rl[corev1.ResourceCPU] = resource.MustParse(s.CPU) // checked by validate
	}
	if s.Memory != "" {
		rl[corev1.ResourceMemory] = resource.MustParse(s.Memory)
	}
	if len(rl) == 0 {
		return corev1.ResourceRequirements{}
	}
	return corev1.ResourceRequirements{Requests: rl, Limits: rl.DeepCopy()}
}
