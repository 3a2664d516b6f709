package kube

import (
	"bytes"
	"context"
	"io"
	"strings"
	"testing"

	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	k8stesting "k8s.io/client-go/testing"
)

// stalePod is a pod of the Job named "lt" made by the controller of the Job with UID uid,
// index idx, whose image cannot be pulled; deleting says it is being deleted.
func stalePod(name, uid, idx string, deleting bool) *corev1.Pod {
	p := &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: "perf",
			Labels:      map[string]string{batchv1.JobNameLabel: "lt", batchv1.ControllerUidLabel: uid},
			Annotations: map[string]string{batchv1.JobCompletionIndexAnnotation: idx}},
		Status: corev1.PodStatus{Phase: corev1.PodPending, ContainerStatuses: []corev1.ContainerStatus{{
			Name: ContainerName, Image: "local.test/loadtest:typo",
			State: corev1.ContainerState{Waiting: &corev1.ContainerStateWaiting{Reason: "ErrImagePull", Message: "not found"}}}}},
	}
	if deleting {
		p.DeletionTimestamp = &metav1.Time{}
		p.Finalizers = []string{"batch.kubernetes.io/job-tracking"}
	}
	return p
}

// TestRunIgnoresAnEarlierRunsPods is the rerun bug of issue 25: a run under the name of one
// that just failed (its pods, same job-name label, still there with ErrImagePull) must judge
// only its own Job's pods, selected by the Job's UID, and none that is being deleted.
func TestRunIgnoresAnEarlierRunsPods(t *testing.T) {
	tests := []struct {
		name string
		pods []*corev1.Pod
	}{
		{"earlier job's pods being deleted", []*corev1.Pod{stalePod("lt-0-old", "uid-0", "0", true), stalePod("lt-1-old", "uid-0", "1", true)}},
		{"earlier job's pods not yet marked", []*corev1.Pod{stalePod("lt-0-old", "uid-0", "0", false), stalePod("lt-1-old", "uid-0", "1", false)}},
		{"this job's own pod being deleted", []*corev1.Pod{stalePod("lt-1-gone", "uid-1", "1", true)}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := fakeCluster(t, running, true)
			for _, p := range tt.pods {
				if err := c.Tracker().Add(p); err != nil {
					t.Fatal(err)
				}
			}
			var log bytes.Buffer
			o := fastOptions(c, testObjects(t), &log)
			var opened []string
			logs := resultLog(0, `{"requests":7}`)
			o.Logs = func(ctx context.Context, pod string, follow bool) (rc io.ReadCloser, err error) {
				opened = append(opened, pod)
				return logs(ctx, pod, follow)
			}
			out, err := Run(context.Background(), o)
			if err != nil {
				t.Fatalf("got %v, want the run to complete; log:\n%s", err, log.String())
			}
			if string(out.Result) != `{"requests":7}` {
				t.Errorf("got result %q, want this run's", out.Result)
			}
			for _, pod := range opened {
				if pod != "lt-0-x" {
					t.Errorf("followed the log of %s, want lt-0-x (this Job's shard 0)", pod)
				}
			}
			if strings.Contains(log.String(), "ErrImagePull") {
				t.Errorf("an earlier pod was judged:\n%s", log.String())
			}
		})
	}
}

// TestPodSelector: the pods of a created Job are selected by its UID; before creation (no
// UID) by its name.
func TestPodSelector(t *testing.T) {
	job := &batchv1.Job{ObjectMeta: metav1.ObjectMeta{Name: "lt"}}
	if got, want := podSelector(job), "batch.kubernetes.io/job-name=lt"; got != want {
		t.Errorf("got %q, want %q", got, want)
	}
	job.UID = types.UID("0b6c")
	if got, want := podSelector(job), "batch.kubernetes.io/controller-uid=0b6c"; got != want {
		t.Errorf("got %q, want %q", got, want)
	}
}

// TestServiceSelectsTheJobsUID: the headless Service is created after the Job, selecting
// its pods by the Job's UID and owned by it, so that JOB-0.SERVICE never names an earlier
// run's pod 0 (same name, same hostnames) that is still being deleted.
func TestServiceSelectsTheJobsUID(t *testing.T) {
	c := fakeCluster(t, running, true)
	o := fastOptions(c, testObjects(t), nil)
	o.Logs = resultLog(0, `{}`)
	if _, err := Run(context.Background(), o); err != nil {
		t.Fatal(err)
	}
	var order []string
	var svc *corev1.Service
	for _, a := range c.Actions() {
		if ca, ok := a.(k8stesting.CreateAction); ok {
			order = append(order, a.GetResource().Resource)
			if s, ok := ca.GetObject().(*corev1.Service); ok {
				svc = s
			}
		}
	}
	if strings.Join(order, ",") != "configmaps,secrets,jobs,services" {
		t.Errorf("created %v, want configmaps, secrets, jobs, services", order)
	}
	if svc == nil {
		t.Fatal("no service created")
	}
	if got := svc.Spec.Selector; len(got) != 1 || got[batchv1.ControllerUidLabel] != "uid-1" {
		t.Errorf("service selector %v, want only %s=uid-1", got, batchv1.ControllerUidLabel)
	}
	if refs := svc.OwnerReferences; len(refs) != 1 || refs[0].Kind != "Job" || refs[0].UID != "uid-1" {
		t.Errorf("service owner references %+v, want the Job uid-1", refs)
	}
}
