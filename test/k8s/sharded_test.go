package k8s_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	batchv1 "k8s.io/api/batch/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

type clusterRun struct {
	name   string
	out    string
	stderr bytes.Buffer
	stdout bytes.Buffer
	cmd    *exec.Cmd
}

// startClusterRun starts `loadtest cluster run echo --shards 3` against url, on the pod
// network: the shards find shard 0 by its name JOB-0.SERVICE through cluster DNS.
func startClusterRun(t *testing.T, e *env, url string, extra ...string) *clusterRun {
	t.Helper()
	return startClusterRunN(t, e, url, "3", extra...)
}

// startClusterRunN is startClusterRun with n shards; a later --image in extra wins.
func startClusterRunN(t *testing.T, e *env, url, n string, extra ...string) *clusterRun {
	t.Helper()
	r := newClusterRun(t, e, url, n, extra...)
	r.start(t)
	return r
}

// newClusterRun prepares the command of startClusterRunN, to be changed before start.
func newClusterRun(t *testing.T, e *env, url, n string, extra ...string) *clusterRun {
	t.Helper()
	r := &clusterRun{name: fmt.Sprintf("e2e-%d", time.Now().UnixNano()%1e7), out: filepath.Join(t.TempDir(), "result.json")}
	args := append([]string{"cluster", "run", "echo", "--shards", n, "--image", e.image, "--image-pull-policy", "Never", "--name", r.name,
		"--kubeconfig", e.kubeconfig, "--target", url, "--out", r.out, "--no-thresholds"}, extra...)
	if n != "1" {
		args = append(args, "--join-timeout", "2m")
	}
	r.cmd = exec.Command(e.binary, args...)
	r.cmd.Stdout, r.cmd.Stderr = &r.stdout, &r.stderr
	return r
}

func (r *clusterRun) start(t *testing.T) {
	t.Helper()
	if err := r.cmd.Start(); err != nil {
		t.Fatal(err)
	}
}

// hostNetwork are the flags of a run on the host network of the one node: the shards reach
// shard 0 at 127.0.0.1 on a free port, and a target on 127.0.0.1.
func hostNetwork(t *testing.T) []string {
	return []string{"--host-network", "--coordinator-host", "127.0.0.1", "--port", strconv.Itoa(freePort(t))}
}

func (r *clusterRun) wait(t *testing.T) int {
	t.Helper()
	done := make(chan error, 1)
	go func() { done <- r.cmd.Wait() }()
	select {
	case <-done:
	case <-time.After(5 * time.Minute):
		r.cmd.Process.Kill()
		<-done
		t.Fatalf("cluster run did not end in 5 minutes; stderr:\n%s", r.stderr.String())
	}
	t.Logf("cluster run stderr:\n%s", r.stderr.String())
	return r.cmd.ProcessState.ExitCode()
}

type mergedResult struct {
	Requests int `json:"requests"`
	Planned  int `json:"planned"`
	Sent     int `json:"sent"`
	Warnings []struct {
		Code    string `json:"code"`
		Message string `json:"message"`
	} `json:"warnings"`
	Coordination *struct {
		Shards []struct {
			Index int    `json:"index"`
			Host  string `json:"host"`
			Node  string `json:"node"`
		} `json:"shards"`
	} `json:"coordination"`
}

// warning returns the message of the result's warning with that code, "" when it has none.
func (m mergedResult) warning(code string) string {
	for _, w := range m.Warnings {
		if w.Code == code {
			return w.Message
		}
	}
	return ""
}

func readMerged(t *testing.T, path string) mergedResult {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("merged result: %v", err)
	}
	var m mergedResult
	if err := json.Unmarshal(data, &m); err != nil {
		t.Fatal(err)
	}
	return m
}

// TestClusterRunSharded is a run as on a real cluster: three shards on the pod network, each
// in its own network namespace, shards 1 and 2 joining shard 0 by its name JOB-0.SERVICE
// (cluster DNS, the headless Service), loading the in-cluster server by its name
// swiper.NAMESPACE.svc. The Job completes, the server counted exactly the merged result's
// requests, each shard's pod and node are in the result, and the objects are gone.
func TestClusterRunSharded(t *testing.T) {
	e := cluster(t)
	url, count := inClusterServer(t, e)
	r := startClusterRun(t, e, url, "--duration", "6s", "--rate", "30/s")
	if code := r.wait(t); code != 0 {
		t.Fatalf("exit code %d, want 0", code)
	}
	m := readMerged(t, r.out)
	if got := count(); m.Requests != 180 || got != m.Requests {
		t.Errorf("server counted %d echo requests, the merged result has %d; want 180 = 30/s × 6 s split over the shards", got, m.Requests)
	}
	// The coordinator's progress (its log is not a terminal), relayed live by cluster run.
	if !progressLine.MatchString(r.stderr.String()) {
		t.Errorf("no relayed progress line of shard 0 (want one matching %s) in:\n%s", progressLine, r.stderr.String())
	}
	if m.Coordination == nil || len(m.Coordination.Shards) != 3 {
		t.Fatalf("got coordination %+v, want 3 shards", m.Coordination)
	}
	for i, s := range m.Coordination.Shards {
		// An Indexed Job's pod's hostname is JOB-INDEX; on the pod network it is the pod's own.
		if want := fmt.Sprintf("%s-%d", r.name, i); s.Host != want || s.Node != "vm" {
			t.Errorf("shard %d ran on host %q, node %q; want its pod's hostname %s on node vm", i, s.Host, s.Node, want)
		}
	}
	if !strings.Contains(r.stderr.String(), "Complete") {
		t.Errorf("the Job did not complete: %s", r.stderr.String())
	}
	objectsGone(t, e, r.name)
}

// TestClusterRunShardedHostNetwork keeps the other way users can choose covered: shards on
// the node's network (--host-network), shard 0 at --coordinator-host 127.0.0.1, the bundled
// server on this machine's 127.0.0.1. Counts equal the server's.
func TestClusterRunShardedHostNetwork(t *testing.T) {
	e := cluster(t)
	url, count := referenceServer(t)
	r := startClusterRunN(t, e, url, "2", append(hostNetwork(t), "--duration", "3s", "--rate", "20/s")...)
	if code := r.wait(t); code != 0 {
		t.Fatalf("exit code %d, want 0", code)
	}
	m := readMerged(t, r.out)
	if got := count(); m.Requests != 60 || got != m.Requests {
		t.Errorf("server counted %d echo requests, the merged result has %d; want 60 = 20/s × 3 s", got, m.Requests)
	}
	if m.Coordination == nil || len(m.Coordination.Shards) != 2 || m.Coordination.Shards[1].Node != "vm" {
		t.Errorf("got coordination %+v, want 2 shards on node vm", m.Coordination)
	}
	objectsGone(t, e, r.name)
}

// TestClusterRunThresholdFailsJobAtOnce: an impossible threshold exits 99 and the Job fails
// through its podFailurePolicy, with no pod retried.
func TestClusterRunThresholdFailsJobAtOnce(t *testing.T) {
	e := cluster(t)
	url, _ := inClusterServer(t, e)
	r := startClusterRun(t, e, url, "--duration", "6s", "--rate", "30/s", "--threshold", "p99<1ns", "--keep", "--quiet")
	if code := r.wait(t); code != 99 {
		t.Fatalf("exit code %d, want 99", code)
	}
	if strings.Contains(r.stderr.String(), "shard 0: progress") {
		t.Errorf("--quiet, and progress lines were relayed:\n%s", r.stderr.String())
	}
	ctx := context.Background()
	c, ns := e.client.Interface, e.client.Namespace
	defer func() {
		c.BatchV1().Jobs(ns).Delete(ctx, r.name, metav1.DeleteOptions{PropagationPolicy: ptrTo(metav1.DeletePropagationBackground)})
		c.CoreV1().Services(ns).Delete(ctx, r.name, metav1.DeleteOptions{})
		c.CoreV1().ConfigMaps(ns).Delete(ctx, r.name, metav1.DeleteOptions{})
		c.CoreV1().Secrets(ns).Delete(ctx, r.name, metav1.DeleteOptions{})
	}()
	job, err := c.BatchV1().Jobs(ns).Get(ctx, r.name, metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	failed := false
	for _, cond := range job.Status.Conditions {
		if cond.Type == batchv1.JobFailed && cond.Status == "True" {
			failed = true
			if cond.Reason != batchv1.JobReasonPodFailurePolicy {
				t.Errorf("job failed with reason %s, want %s", cond.Reason, batchv1.JobReasonPodFailurePolicy)
			}
		}
	}
	if !failed {
		t.Errorf("job conditions %+v, want Failed", job.Status.Conditions)
	}
	pods, _ := c.CoreV1().Pods(ns).List(ctx, metav1.ListOptions{LabelSelector: batchv1.JobNameLabel + "=" + r.name})
	if pods != nil && len(pods.Items) > 3 {
		t.Errorf("%d pods for 3 shards: a shard was retried", len(pods.Items))
	}
}

// TestClusterRunShardLost: deleting a shard's pod mid-run gives shard_lost and exit code 1.
func TestClusterRunShardLost(t *testing.T) {
	e := cluster(t)
	url, _ := inClusterServer(t, e)
	r := startClusterRun(t, e, url, "--duration", "30s", "--rate", "30/s")
	ctx := context.Background()
	c, ns := e.client.Interface, e.client.Namespace
	deleted := ""
	for i := 0; i < 240 && deleted == ""; i++ {
		pods, err := c.CoreV1().Pods(ns).List(ctx, metav1.ListOptions{LabelSelector: batchv1.JobNameLabel + "=" + r.name})
		if err == nil && len(pods.Items) == 3 {
			running := 0
			for _, p := range pods.Items {
				if p.Status.Phase == "Running" {
					running++
				}
			}
			if running == 3 {
				time.Sleep(5 * time.Second) // the run is under way
				for _, p := range pods.Items {
					if p.Annotations[batchv1.JobCompletionIndexAnnotation] == "2" {
						if err := c.CoreV1().Pods(ns).Delete(ctx, p.Name, metav1.DeleteOptions{}); err != nil {
							t.Fatal(err)
						}
						deleted = p.Name
					}
				}
			}
		}
		time.Sleep(500 * time.Millisecond)
	}
	if deleted == "" {
		r.cmd.Process.Kill()
		t.Fatal("the shards did not all run within 2 minutes")
	}
	if code := r.wait(t); code != 1 {
		t.Fatalf("exit code %d, want 1 (shard lost)", code)
	}
	m := readMerged(t, r.out)
	found := false
	for _, w := range m.Warnings {
		found = found || w.Code == "shard_lost"
	}
	if !found {
		t.Errorf("merged result warnings %+v, want shard_lost", m.Warnings)
	}
	if !strings.Contains(r.stderr.String(), "shards=2/3") {
		t.Errorf("no relayed progress line with 2 of 3 shards alive after the loss:\n%s", r.stderr.String())
	}
	objectsGone(t, e, r.name)
}

// progressLine is a coordinator's progress line as cluster run relays it (cluster.WriteProgressLine).
var progressLine = regexp.MustCompile(`(?m)^shard 0: progress \d+s/6s requests=\d+ rate=[0-9.]+/s p99=[0-9.]+ms errors=0 shards=3/3$`)

func ptrTo[T any](v T) *T { return &v }
