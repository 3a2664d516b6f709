package kube

import (
	"bytes"
	"strings"
	"testing"

	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	"k8s.io/apimachinery/pkg/util/yaml"

	"github.com/loadtestdev/loadtest/internal/golden"
)

func spec4() Spec {
	return Spec{
		Name: "loadtest-shop", Namespace: "perf", Image: "registry.example/loadtest:v1", Shards: 4,
		Scenario:     "shop.yaml",
		ScenarioFile: &File{Path: "shop.yaml", Content: []byte("name: shop\nfeeder: data/users.csv\n")},
		Feeders:      []File{{Path: "data/users.csv", Content: []byte("uid\n1\n2\n")}},
		RunArgs:      []string{"--duration=1m", "--rate=4000/s", "--threshold=p99<250ms"},
		Token:        "tok", CPU: "1", Memory: "512Mi",
		NodeSelector: map[string]string{"pool": "loadgen"},
	}
}

func TestManifestGoldenN4(t *testing.T) {
	objs, err := Build(spec4())
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if err := objs.WriteYAML(&buf); err != nil {
		t.Fatal(err)
	}
	golden.Assert(t, "testdata/manifest-n4.yaml", buf.Bytes())
}

// TestManifestDecodesToAPITypes reads the printed YAML back into the API types (strictly: an
// unknown or misspelt field fails) and checks the fields the run depends on.
func TestManifestDecodesToAPITypes(t *testing.T) {
	objs, err := Build(spec4())
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	objs.WriteYAML(&buf)
	docs := strings.Split(buf.String(), "\n---\n")
	if len(docs) != 4 {
		t.Fatalf("got %d documents, want 4", len(docs))
	}
	var (
		cm  corev1.ConfigMap
		sec corev1.Secret
		svc corev1.Service
		job batchv1.Job
	)
	for i, into := range []any{&cm, &sec, &svc, &job} {
		if err := yaml.UnmarshalStrict([]byte(docs[i]), into); err != nil {
			t.Fatalf("document %d: %v", i, err)
		}
	}
	js := job.Spec
	checks := []struct {
		name      string
		got, want any
	}{
		{"kinds", cm.Kind + sec.Kind + svc.Kind + job.Kind, "ConfigMapSecretServiceJob"},
		{"completionMode", *js.CompletionMode, batchv1.IndexedCompletion},
		{"completions", *js.Completions, int32(4)},
		{"parallelism", *js.Parallelism, int32(4)},
		{"backoffLimitPerIndex", *js.BackoffLimitPerIndex, int32(0)},
		{"no backoffLimit", js.BackoffLimit == nil, true},
		{"ttl", *js.TTLSecondsAfterFinished, int32(DefaultTTL)},
		{"restartPolicy", js.Template.Spec.RestartPolicy, corev1.RestartPolicyNever},
		{"failJob exit codes", js.PodFailurePolicy.Rules[0].OnExitCodes.Values, []int32{2, 99}},
		{"failJob action", js.PodFailurePolicy.Rules[0].Action, batchv1.PodFailurePolicyActionFailJob},
		{"failJob container", *js.PodFailurePolicy.Rules[0].OnExitCodes.ContainerName, ContainerName},
		{"headless", svc.Spec.ClusterIP, corev1.ClusterIPNone},
		{"service selects the job", svc.Spec.Selector[batchv1.JobNameLabel], "loadtest-shop"},
		{"subdomain is the service", js.Template.Spec.Subdomain, svc.Name},
		{"secret token", sec.StringData["token"], "tok"},
		{"scenario file", cm.Data["file-0"], "name: shop\nfeeder: data/users.csv\n"},
		{"feeder path", js.Template.Spec.Volumes[1].ConfigMap.Items[1].Path, "data/users.csv"},
		{"node selector", js.Template.Spec.NodeSelector["pool"], "loadgen"},
		{"host network off", js.Template.Spec.HostNetwork, false},
		{"spread key", js.Template.Spec.TopologySpreadConstraints[0].TopologyKey, corev1.LabelHostname},
	}
	c := js.Template.Spec.Containers[0]
	checks = append(checks, []struct {
		name      string
		got, want any
	}{
		{"cpu request", c.Resources.Requests[corev1.ResourceCPU], resource.MustParse("1")},
		{"memory limit", c.Resources.Limits[corev1.ResourceMemory], resource.MustParse("512Mi")},
		{"token env", c.Env[0].ValueFrom.SecretKeyRef.Name + "/" + c.Env[0].Name, "loadtest-shop/" + TokenEnv},
		{"args", strings.Join(c.Args, " "), "cluster pod --index $(JOB_COMPLETION_INDEX) --coordinate :7946 --coordinator loadtest-shop-0.loadtest-shop:7946 -- run /etc/loadtest/shop.yaml --shard $(JOB_COMPLETION_INDEX)/4 --duration=1m --rate=4000/s --threshold=p99<250ms"},
	}...)
	for _, ck := range checks {
		if !equal(ck.got, ck.want) {
			t.Errorf("%s: got %v, want %v", ck.name, ck.got, ck.want)
		}
	}
}

func equal(a, b any) bool {
	if qa, ok := a.(resource.Quantity); ok {
		qb := b.(resource.Quantity)
		return qa.Cmp(qb) == 0
	}
	if sa, ok := a.([]int32); ok {
		sb := b.([]int32)
		return len(sa) == len(sb) && (len(sa) == 0 || sa[0] == sb[0] && sa[len(sa)-1] == sb[len(sb)-1])
	}
	return a == b
}

func TestBuildHostNetworkCoordinatorHost(t *testing.T) {
	s := Spec{Name: "lt", Image: "local.test/loadtest:v1", Shards: 3, Scenario: "echo", HostNetwork: true,
		CoordinatorHost: "127.0.0.1", Port: 17946, RunArgs: []string{"--target=http://127.0.0.1:8080"}}
	objs, err := Build(s)
	if err != nil {
		t.Fatal(err)
	}
	ps := objs.Job.Spec.Template.Spec
	if !ps.HostNetwork || ps.DNSPolicy != corev1.DNSClusterFirstWithHostNet {
		t.Errorf("hostNetwork %v dnsPolicy %q, want true and ClusterFirstWithHostNet", ps.HostNetwork, ps.DNSPolicy)
	}
	want := "cluster pod --index $(JOB_COMPLETION_INDEX) --coordinate 127.0.0.1:17946 --coordinator 127.0.0.1:17946 -- run echo --shard $(JOB_COMPLETION_INDEX)/3 --target=http://127.0.0.1:8080"
	if got := strings.Join(ps.Containers[0].Args, " "); got != want {
		t.Errorf("args\n got %s\nwant %s", got, want)
	}
	if len(ps.Containers[0].Ports) != 0 {
		t.Errorf("ports %v on the host network, want none (they would be host ports, one pod per node)", ps.Containers[0].Ports)
	}
	if objs.Job.Namespace != "default" {
		t.Errorf("namespace %q, want default", objs.Job.Namespace)
	}
	if len(ps.Containers[0].Resources.Requests) != 0 {
		t.Errorf("requests %v, want none without --cpu/--memory", ps.Containers[0].Resources.Requests)
	}
}

func TestBuildErrors(t *testing.T) {
	base := func() Spec { return Spec{Name: "lt", Image: "i:v1", Shards: 2, Scenario: "echo"} }
	tests := []struct {
		name   string
		change func(*Spec)
		want   string
	}{
		{"bad name", func(s *Spec) { s.Name = "Bad_Name" }, `name "Bad_Name"`},
		{"no image", func(s *Spec) { s.Image = "" }, "image: name the image"},
		{"zero shards", func(s *Spec) { s.Shards = 0 }, "shards: 0 is not allowed"},
		{"bad cpu", func(s *Spec) { s.CPU = "lots" }, `cpu: "lots" is not a quantity`},
		{"bad namespace", func(s *Spec) { s.Namespace = "Perf Team" }, `namespace "Perf Team"`},
		{"feeder outside", func(s *Spec) { s.Feeders = []File{{Path: "../users.csv"}} }, "feeder 1:"},
		{"feeder absolute", func(s *Spec) { s.Feeders = []File{{Path: "/data/users.csv"}} }, "without .."},
		{"bad port", func(s *Spec) { s.Port = 70000 }, "port: 70000"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := base()
			tt.change(&s)
			_, err := Build(s)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("got %v, want an error containing %q", err, tt.want)
			}
		})
	}
}

func TestResultMarkers(t *testing.T) {
	result := []byte(strings.Repeat(`{"requests": 300}`, 200))
	var log bytes.Buffer
	log.WriteString("shard 0: coordinating 3 shards\n")
	WriteResult(&log, 99, result)
	log.WriteString("after\n")
	var others []string
	blocks := 0
	got, err := ReadResult(&log, func(l string) { others = append(others, l) }, func() { blocks++ })
	if err != nil {
		t.Fatal(err)
	}
	if got.ExitCode != 99 || !bytes.Equal(got.Result, result) {
		t.Errorf("got exit %d and %d bytes, want 99 and %d", got.ExitCode, len(got.Result), len(result))
	}
	if blocks != 1 {
		t.Errorf("onBlock called %d times, want 1", blocks)
	}
	if strings.Join(others, "|") != "shard 0: coordinating 3 shards|after" {
		t.Errorf("other lines %q", others)
	}

	tests := []struct {
		name string
		log  func() string
		want string
	}{
		{"no block", func() string { return "hello\n" }, "has no result"},
		{"cut block", func() string {
			var b bytes.Buffer
			WriteResult(&b, 0, result)
			lines := strings.Split(b.String(), "\n")
			return strings.Join(append(lines[:2], lines[3:]...), "\n")
		}, "result block"},
		{"no end", func() string {
			var b bytes.Buffer
			WriteResult(&b, 0, result)
			return strings.TrimSuffix(b.String(), markerEnd+"\n")
		}, "has no result"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := ReadResult(strings.NewReader(tt.log()), nil, nil)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("got %v, want an error containing %q", err, tt.want)
			}
		})
	}
}
