package kube

import (
	"bytes"
	"context"
	"errors"
	"io"
	"strings"
	"sync"
	"testing"
	"time"

	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/client-go/kubernetes/fake"
	k8stesting "k8s.io/client-go/testing"

	"github.com/loadtestdev/loadtest/internal/testutil"
)

func testObjects(t *testing.T) *Objects {
	t.Helper()
	objs, err := Build(Spec{Name: "lt", Namespace: "perf", Image: "local.test/loadtest:v1", Shards: 2, Scenario: "echo", Token: "t"})
	if err != nil {
		t.Fatal(err)
	}
	return objs
}

// fakeCluster is a fake clientset whose Job creation makes the Job's pods in a given state.
func fakeCluster(t *testing.T, pod func(i int, p *corev1.Pod), jobDone bool) *fake.Clientset {
	c := fake.NewSimpleClientset()
	c.PrependReactor("create", "jobs", func(a k8stesting.Action) (bool, runtime.Object, error) {
		job := a.(k8stesting.CreateAction).GetObject().(*batchv1.Job)
		job.UID = "uid-1"
		if jobDone {
			job.Status.Conditions = []batchv1.JobCondition{{Type: batchv1.JobComplete, Status: corev1.ConditionTrue}}
		}
		for i := 0; i < int(*job.Spec.Completions); i++ {
			p := &corev1.Pod{ObjectMeta: metav1.ObjectMeta{
				Name: job.Name + "-" + string(rune('0'+i)) + "-x", Namespace: job.Namespace,
				Labels:      map[string]string{batchv1.JobNameLabel: job.Name, batchv1.ControllerUidLabel: string(job.UID)},
				Annotations: map[string]string{batchv1.JobCompletionIndexAnnotation: string(rune('0' + i))},
			}, Status: corev1.PodStatus{Phase: corev1.PodRunning}}
			pod(i, p)
			if err := c.Tracker().Add(p); err != nil {
				t.Error(err)
			}
		}
		return false, nil, nil
	})
	return c
}

func running(int, *corev1.Pod) {}

func resultLog(code int, result string) func(context.Context, string, bool) (io.ReadCloser, error) {
	return func(context.Context, string, bool) (io.ReadCloser, error) {
		var b bytes.Buffer
		b.WriteString("coordinating 2 shards\n")
		WriteResult(&b, code, []byte(result))
		return io.NopCloser(&b), nil
	}
}

func fastOptions(c *fake.Clientset, objs *Objects, log io.Writer) RunOptions {
	return RunOptions{Client: fakeAPI{c}, Objects: objs, Log: log, Poll: 10 * time.Millisecond,
		PendingTimeout: 2 * time.Second, CollectTimeout: 500 * time.Millisecond}
}

// leftovers lists the run's objects still in the fake cluster.
func leftovers(t *testing.T, c *fake.Clientset) []string {
	t.Helper()
	ctx := context.Background()
	var left []string
	if l, _ := c.BatchV1().Jobs("perf").List(ctx, metav1.ListOptions{}); len(l.Items) > 0 {
		left = append(left, "job")
	}
	if l, _ := c.CoreV1().Services("perf").List(ctx, metav1.ListOptions{}); len(l.Items) > 0 {
		left = append(left, "service")
	}
	if l, _ := c.CoreV1().ConfigMaps("perf").List(ctx, metav1.ListOptions{}); len(l.Items) > 0 {
		left = append(left, "configmap")
	}
	if l, _ := c.CoreV1().Secrets("perf").List(ctx, metav1.ListOptions{}); len(l.Items) > 0 {
		left = append(left, "secret")
	}
	return left
}

func TestRunCompletes(t *testing.T) {
	c := fakeCluster(t, running, true)
	var log bytes.Buffer
	o := fastOptions(c, testObjects(t), &log)
	o.Logs = resultLog(0, `{"requests":42}`)
	out, err := Run(context.Background(), o)
	if err != nil {
		t.Fatal(err)
	}
	if out.ExitCode != 0 || string(out.Result) != `{"requests":42}` || out.JobStatus != "Complete" {
		t.Errorf("got exit %d, result %q, job %q; want 0, the result, Complete", out.ExitCode, out.Result, out.JobStatus)
	}
	if !strings.Contains(log.String(), "shard 0: coordinating 2 shards") {
		t.Errorf("shard 0's log not followed:\n%s", log.String())
	}
	patched := 0
	for _, a := range c.Actions() {
		if a.GetVerb() == "patch" {
			patched++
		}
	}
	if patched != 2 {
		t.Errorf("%d patches, want 2 (owner references on configmap and secret; the service is created owned)", patched)
	}
	if left := leftovers(t, c); len(left) > 0 {
		t.Errorf("left behind: %v", left)
	}
}

func TestRunKeep(t *testing.T) {
	c := fakeCluster(t, running, true)
	o := fastOptions(c, testObjects(t), io.Discard)
	o.Logs, o.Keep = resultLog(99, `{}`), true
	out, err := Run(context.Background(), o)
	if err != nil || out.ExitCode != 99 {
		t.Fatalf("got %v, %v; want exit code 99", out, err)
	}
	if left := leftovers(t, c); len(left) != 4 {
		t.Errorf("kept %v, want all four objects", left)
	}
}

func TestRunRetriesTransientErrors(t *testing.T) {
	c := fakeCluster(t, running, true)
	calls := 0
	c.PrependReactor("create", "configmaps", func(k8stesting.Action) (bool, runtime.Object, error) {
		calls++
		if calls <= 2 {
			return true, nil, apierrors.NewTooManyRequests("slow down", 0)
		}
		return false, nil, nil
	})
	o := fastOptions(c, testObjects(t), io.Discard)
	o.Logs = resultLog(0, `{}`)
	if _, err := Run(context.Background(), o); err != nil {
		t.Fatal(err)
	}
	if calls != 3 {
		t.Errorf("configmap created in %d calls, want 3 (two refused as too many requests)", calls)
	}
}

func TestRunCreateErrors(t *testing.T) {
	gr := func(r string) schema.GroupResource { return schema.GroupResource{Resource: r} }
	tests := []struct {
		name, resource string
		err            error
		want           []string
	}{
		{"forbidden job", "jobs", apierrors.NewForbidden(schema.GroupResource{Group: "batch", Resource: "jobs"}, "lt", errors.New("no RBAC")),
			[]string{"not allowed to create jobs.batch in namespace perf", `the verb "create" on "jobs.batch"`}},
		{"no namespace", "configmaps", apierrors.NewNotFound(gr("namespaces"), "perf"),
			[]string{`namespace "perf" does not exist`, "kubectl create namespace perf"}},
		{"exists", "services", apierrors.NewAlreadyExists(gr("services"), "lt"),
			[]string{"services lt already exists in namespace perf", "--name"}},
		{"unauthorized", "secrets", apierrors.NewUnauthorized("token expired"),
			[]string{"did not accept your credentials"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := fakeCluster(t, running, true)
			c.PrependReactor("create", tt.resource, func(k8stesting.Action) (bool, runtime.Object, error) { return true, nil, tt.err })
			_, err := Run(context.Background(), fastOptions(c, testObjects(t), io.Discard))
			for _, w := range tt.want {
				if err == nil || !strings.Contains(err.Error(), w) {
					t.Errorf("got %v, want an error containing %q", err, w)
				}
			}
			if left := leftovers(t, c); len(left) > 0 {
				t.Errorf("left behind after a failed create: %v", left)
			}
		})
	}
}

func TestRunPendingPods(t *testing.T) {
	tests := []struct {
		name  string
		pod   func(i int, p *corev1.Pod)
		event string
		want  []string
		log   string
	}{
		{"image pull", func(i int, p *corev1.Pod) {
			p.Status.Phase = corev1.PodPending
			p.Status.ContainerStatuses = []corev1.ContainerStatus{{Name: ContainerName, Image: "local.test/loadtest:v1",
				State: corev1.ContainerState{Waiting: &corev1.ContainerStateWaiting{Reason: "ImagePullBackOff", Message: "Back-off pulling image"}}}}
		}, "Failed to pull image: not found", []string{"cannot start", "image local.test/loadtest:v1 cannot be pulled (ImagePullBackOff)", "Failed to pull image: not found"}, ""},
		{"unschedulable", func(i int, p *corev1.Pod) {
			p.Status.Phase = corev1.PodPending
			p.Status.Conditions = []corev1.PodCondition{{Type: corev1.PodScheduled, Status: corev1.ConditionFalse,
				Reason: "Unschedulable", Message: "0/3 nodes are available: 3 Insufficient cpu."}}
		}, "0/3 nodes are available", []string{"did not start within", "unschedulable (Unschedulable): 0/3 nodes are available: 3 Insufficient cpu."}, "is Pending: unschedulable"},
		{"hard spread, fewer nodes than shards", func(i int, p *corev1.Pod) {
			if i == 0 {
				return // shard 0 runs on the one node
			}
			p.Status.Phase = corev1.PodPending
			p.Status.Conditions = []corev1.PodCondition{{Type: corev1.PodScheduled, Status: corev1.ConditionFalse,
				Reason: "Unschedulable", Message: "0/1 nodes are available: 1 node(s) didn't match pod anti-affinity rules. preemption: 0/1 nodes are available: 1 No preemption victims found for incoming pod."}}
		}, "0/1 nodes are available", []string{"did not start within", "pod lt-1-x: unschedulable", "didn't match pod anti-affinity rules",
			"--spread hard puts every shard on a node of its own", "use --spread soft"}, "pod lt-1-x is Pending: unschedulable"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := fakeCluster(t, tt.pod, false)
			for i := 0; i < 2; i++ {
				c.Tracker().Add(&corev1.Event{ObjectMeta: metav1.ObjectMeta{Name: "e" + string(rune('0'+i)), Namespace: "perf"},
					InvolvedObject: corev1.ObjectReference{Kind: "Pod", Name: "lt-" + string(rune('0'+i)) + "-x"},
					Type:           corev1.EventTypeWarning, Reason: "Failed", Message: tt.event})
			}
			var log bytes.Buffer
			o := fastOptions(c, testObjects(t), &log)
			o.PendingTimeout = 200 * time.Millisecond
			_, err := Run(context.Background(), o)
			for _, w := range tt.want {
				if err == nil || !strings.Contains(err.Error(), w) {
					t.Errorf("got %v, want an error containing %q", err, w)
				}
			}
			if !strings.Contains(log.String(), tt.log) {
				t.Errorf("log %q does not contain %q", log.String(), tt.log)
			}
			if left := leftovers(t, c); len(left) > 0 {
				t.Errorf("left behind: %v", left)
			}
		})
	}
}

// TestRunInterrupted: cancelling deletes the Job, and the result shard 0 prints as it stops
// (after the deletion) is still collected.
func TestRunInterrupted(t *testing.T) {
	c := fakeCluster(t, running, false)
	pr, pw := io.Pipe()
	var once sync.Once
	c.PrependReactor("delete", "jobs", func(k8stesting.Action) (bool, runtime.Object, error) {
		once.Do(func() {
			go func() {
				WriteResult(pw, 130, []byte(`{"requests":7}`))
				pw.Close()
			}()
		})
		return false, nil, nil
	})
	ctx, cancel := context.WithCancel(context.Background())
	var log syncBuffer
	o := fastOptions(c, testObjects(t), &log)
	o.Logs = func(context.Context, string, bool) (io.ReadCloser, error) {
		go func() {
			for !strings.Contains(log.String(), "all 2 shards started") {
				time.Sleep(5 * time.Millisecond)
			}
			cancel()
		}()
		return pr, nil
	}
	out, err := Run(ctx, o)
	if err != nil {
		t.Fatal(err)
	}
	if !out.Interrupted || out.ExitCode != 130 || string(out.Result) != `{"requests":7}` {
		t.Errorf("got %+v, want interrupted, 130 and the partial result", out)
	}
	if left := leftovers(t, c); len(left) > 0 {
		t.Errorf("left behind: %v", left)
	}
}

func TestRunNoResult(t *testing.T) {
	c := fakeCluster(t, func(i int, p *corev1.Pod) {
		p.Status.Phase = corev1.PodFailed
		p.Status.ContainerStatuses = []corev1.ContainerStatus{{Name: ContainerName,
			State: corev1.ContainerState{Terminated: &corev1.ContainerStateTerminated{ExitCode: 137, Reason: "OOMKilled"}}}}
	}, false)
	o := fastOptions(c, testObjects(t), io.Discard)
	o.Logs = func(context.Context, string, bool) (io.ReadCloser, error) {
		return io.NopCloser(strings.NewReader("starting\n")), nil
	}
	_, err := Run(context.Background(), o)
	if err == nil || !strings.Contains(err.Error(), "has no result") || !strings.Contains(err.Error(), "exited with code 137 (OOMKilled)") {
		t.Fatalf("got %v, want no result and shard 0's OOMKilled", err)
	}
}

// syncBuffer is a buffer safe for concurrent writes and reads (shared with other packages' tests).
type syncBuffer = testutil.SyncBuffer
