// Package k8s_test is loadtest's end-to-end test on a real single-node Kubernetes, which
// test/k8s/cluster.sh builds and starts. It runs only when LOADTEST_TEST_K8S_KUBECONFIG is set
// (the harness's env file sets it; .ci/run sources it) and skips with a message otherwise.
//
//	test/k8s/cluster.sh up && . /tmp/loadtest-k8s/env && go test ./test/k8s/ -v; test/k8s/cluster.sh down
//
// Test traffic stays on this machine: most runs are on the pod network (the harness's CNI
// bridge, 10.244.0.0/24), the shards finding shard 0 by JOB-0.SERVICE through cluster DNS
// and loading the bundled server as a pod (inClusterServer); the host-network runs use
// 127.0.0.1 only. The apiserver enforces RBAC; the registry test's registry is on 127.0.0.1.
package k8s_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/loadtestdev/loadtest/cluster/kube"
	"github.com/loadtestdev/loadtest/server"
)

// env is what every test needs: the cluster's client, the loadtest binary and its image.
type env struct {
	kubeconfig string
	harness    string
	client     *kube.Client
	binary     string // a static loadtest
	image      string // its image, imported into the node's containerd
	dir        string // holds the binary and the image tarball
}

// TestMain removes the binary and image that setup built.
func TestMain(m *testing.M) {
	code := m.Run()
	if setupEnv != nil {
		os.RemoveAll(setupEnv.dir)
	}
	os.Exit(code)
}

var (
	setupOnce sync.Once
	setupEnv  *env
	setupErr  error
)

// cluster returns the shared env, building and importing the image once; it skips the test
// when no harness cluster is configured.
func cluster(t *testing.T) *env {
	t.Helper()
	kc := os.Getenv("LOADTEST_TEST_K8S_KUBECONFIG")
	if kc == "" {
		t.Skip("LOADTEST_TEST_K8S_KUBECONFIG is not set: start the test cluster with test/k8s/cluster.sh up and source the env file it prints")
	}
	setupOnce.Do(func() { setupEnv, setupErr = setup(kc) })
	if setupErr != nil {
		t.Fatal(setupErr)
	}
	return setupEnv
}

func setup(kc string) (*env, error) {
	e := &env{kubeconfig: kc, harness: os.Getenv("LOADTEST_TEST_K8S_HARNESS")}
	if e.harness == "" {
		e.harness = "cluster.sh"
	}
	var err error
	if e.client, err = kube.NewClient(kc, ""); err != nil {
		return nil, err
	}
	dir, err := os.MkdirTemp("", "loadtest-e2e-")
	if err != nil {
		return nil, err
	}
	e.dir, e.binary = dir, filepath.Join(dir, "loadtest")
	build := exec.Command("go", "build", "-trimpath", "-ldflags=-s -w", "-o", e.binary, "../../cmd/loadtest")
	build.Env = append(os.Environ(), "CGO_ENABLED=0")
	if out, err := build.CombinedOutput(); err != nil {
		return nil, fmt.Errorf("go build: %v\n%s", err, out)
	}
	b := make([]byte, 4)
	rand.Read(b)
	e.image = "local.test/loadtest:e2e-" + hex.EncodeToString(b)
	tarPath := filepath.Join(dir, "loadtest.tar")
	// The image is built by loadtest itself, from its own (static) executable.
	if out, err := exec.Command(e.binary, "cluster", "image", "--output", tarPath, "--tag", e.image).CombinedOutput(); err != nil {
		return nil, fmt.Errorf("loadtest cluster image: %v\n%s", err, out)
	}
	if out, err := exec.Command("bash", e.harness, "import", tarPath).CombinedOutput(); err != nil {
		return nil, fmt.Errorf("import %s: %v\n%s", tarPath, err, out)
	}
	return e, nil
}

// referenceServer starts the bundled reference server on 127.0.0.1 and returns its URL and a
// function that reads its request count from /metrics.
func referenceServer(t *testing.T) (string, func() int) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	srv, err := server.New(ctx, server.Options{DB: "sqlite://" + filepath.Join(t.TempDir(), "e2e.db"), Users: 1})
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	go func() { srv.Serve(ctx, ln); close(done) }()
	t.Cleanup(func() { cancel(); <-done; srv.Close() })
	url := "http://" + ln.Addr().String()
	return url, func() int { return echoRequests(t, url) }
}

var echoCount = regexp.MustCompile(`(?m)^loadtest_server_requests_total\{[^}]*route="GET /echo"[^}]*\} (\d+)`)

// echoRequests sums the server's loadtest_server_requests_total of the echo route.
func echoRequests(t *testing.T, url string) int {
	t.Helper()
	resp, err := http.Get(url + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return echoCountIn(body)
}

// echoCountIn sums loadtest_server_requests_total of the echo route in a /metrics page.
func echoCountIn(body []byte) int {
	n := 0
	for _, m := range echoCount.FindAllStringSubmatch(string(body), -1) {
		v, _ := strconv.Atoi(m[1])
		n += v
	}
	return n
}

func freePort(t *testing.T) int {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port
}

// objectsGone waits until nothing labelled with the run's name is left: Job, pods, Service,
// ConfigMap, Secret.
func objectsGone(t *testing.T, e *env, name string) {
	t.Helper()
	ctx := context.Background()
	sel := metav1.ListOptions{LabelSelector: kube.LabelInstance + "=" + name}
	podSel := metav1.ListOptions{LabelSelector: batchv1.JobNameLabel + "=" + name}
	c, ns := e.client.Interface, e.client.Namespace
	var left []string
	for i := 0; i < 120; i++ {
		left = left[:0]
		if l, err := c.BatchV1().Jobs(ns).List(ctx, sel); err == nil && len(l.Items) > 0 {
			left = append(left, "job")
		}
		if l, err := c.CoreV1().Pods(ns).List(ctx, podSel); err == nil && len(l.Items) > 0 {
			left = append(left, fmt.Sprintf("%d pods", len(l.Items)))
		}
		if l, err := c.CoreV1().Services(ns).List(ctx, sel); err == nil && len(l.Items) > 0 {
			left = append(left, "service")
		}
		if l, err := c.CoreV1().ConfigMaps(ns).List(ctx, sel); err == nil && len(l.Items) > 0 {
			left = append(left, "configmap")
		}
		if l, err := c.CoreV1().Secrets(ns).List(ctx, sel); err == nil && len(l.Items) > 0 {
			left = append(left, "secret")
		}
		if len(left) == 0 {
			return
		}
		time.Sleep(500 * time.Millisecond)
	}
	t.Errorf("objects of %s still there after 60s: %s", name, strings.Join(left, ", "))
}

var summaryRequests = regexp.MustCompile(`│ requests\s+│\s+(\d+) │`)

// TestIndexedJobOfPlainRuns proves the harness and the client-go path of cluster run with what
// runs without the sharding of issue 13: an Indexed Job of 3 pods, each a plain `loadtest run
// echo` (cluster pod without coordinator addresses), on the host network against the
// reference server. Shard 0's result comes back through its log's markers; every pod's log
// is read back; the server counted exactly the requests the three pods sent; nothing is left.
func TestIndexedJobOfPlainRuns(t *testing.T) {
	e := cluster(t)
	url, count := referenceServer(t)
	name := "e2e-plain-" + strconv.FormatInt(time.Now().UnixNano()%1e6, 10)
	s := kube.Spec{Name: name, Namespace: e.client.Namespace, Image: e.image, PullPolicy: "Never", Shards: 3,
		Scenario: "echo", HostNetwork: true, CoordinatorHost: "127.0.0.1", Token: "t", TTLSeconds: 120}
	objs, err := kube.Build(s)
	if err != nil {
		t.Fatal(err)
	}
	objs.Job.Spec.Template.Spec.Containers[0].Args = []string{"cluster", "pod", "--index", "$(JOB_COMPLETION_INDEX)", "--",
		"run", "echo", "--target", url, "--duration", "2s", "--rate", "20/s", "--no-thresholds"}
	var log bytes.Buffer
	ctx, cancel := context.WithTimeout(context.Background(), 4*time.Minute)
	defer cancel()
	out, err := kube.Run(ctx, kube.RunOptions{Client: e.client.Interface, Objects: objs, Keep: true, Log: &log})
	t.Logf("cluster run log:\n%s", log.String())
	if err != nil {
		t.Fatal(err)
	}
	if out.ExitCode != 0 || out.JobStatus != "Complete" {
		t.Errorf("exit code %d, job %s; want 0 and Complete", out.ExitCode, out.JobStatus)
	}
	var r struct {
		Requests int `json:"requests"`
	}
	if err := json.Unmarshal(out.Result, &r); err != nil || r.Requests == 0 {
		t.Fatalf("shard 0's result: %v, %d requests; want some", err, r.Requests)
	}
	pods, err := e.client.Interface.CoreV1().Pods(s.Namespace).List(ctx, metav1.ListOptions{LabelSelector: batchv1.JobNameLabel + "=" + name})
	if err != nil || len(pods.Items) != 3 {
		t.Fatalf("pods: %v, %d; want 3", err, len(pods.Items))
	}
	sum := 0
	for _, p := range pods.Items {
		raw, err := e.client.Interface.CoreV1().Pods(s.Namespace).GetLogs(p.Name, &corev1.PodLogOptions{}).DoRaw(ctx)
		if err != nil {
			t.Fatalf("log of %s: %v", p.Name, err)
		}
		m := summaryRequests.FindSubmatch(raw)
		if m == nil {
			t.Fatalf("log of %s has no summary:\n%s", p.Name, raw)
		}
		n, _ := strconv.Atoi(string(m[1]))
		sum += n
		if p.Annotations[batchv1.JobCompletionIndexAnnotation] == "0" && n != r.Requests {
			t.Errorf("pod 0's summary says %d requests, its result %d", n, r.Requests)
		}
	}
	if got := count(); got != sum {
		t.Errorf("server counted %d echo requests, the three pods sent %d", got, sum)
	}
	if err := kube.Delete(context.Background(), e.client.Interface, objs); err != nil {
		t.Fatal(err)
	}
	objectsGone(t, e, name)
}
