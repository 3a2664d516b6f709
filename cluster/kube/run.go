package kube

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	"sort"
	"strings"
	"time"

	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/utils/ptr"
)

// RunOptions are the inputs of Run.
type RunOptions struct {
	Client  Interface
	Objects *Objects
	// Keep leaves the objects in the cluster after the run (the Job's TTL still applies).
	Keep bool
	// Log receives what happens: each step, pods that wait and why, and shard 0's log lines.
	Log io.Writer
	// PendingTimeout is how long the shards may take to start (default 5m).
	PendingTimeout time.Duration
	// Poll is how often pods are looked at while they start (default 1s).
	Poll time.Duration
	// CollectTimeout bounds the wait for shard 0's result after an interrupt or after its
	// log stream ended early (default 90s: its grace period and the merge).
	CollectTimeout time.Duration
	// Logs opens a pod's log (nil: the API's pods/log); tests replace it.
	Logs func(ctx context.Context, pod string, follow bool) (io.ReadCloser, error)
}

// Outcome is what a run on the cluster gave.
type Outcome struct {
	// ExitCode is shard 0's run's exit code (130 when interrupted here).
	ExitCode int
	// Result is the merged result file from shard 0's log; nil when there was none.
	Result []byte
	// Interrupted says that the context was cancelled (Ctrl-C) and the Job deleted.
	Interrupted bool
	// JobStatus is the Job's last condition, e.g. "Complete" or "Failed: BackoffLimitExceeded: ...".
	JobStatus string
}

func (o *RunOptions) defaults() {
	if o.Log == nil {
		o.Log = io.Discard
	}
	if o.PendingTimeout <= 0 {
		o.PendingTimeout = 5 * time.Minute
	}
	if o.Poll <= 0 {
		o.Poll = time.Second
	}
	if o.CollectTimeout <= 0 {
		o.CollectTimeout = 90 * time.Second
	}
	if o.Logs == nil {
		ns := o.Objects.Job.Namespace
		o.Logs = func(ctx context.Context, pod string, follow bool) (io.ReadCloser, error) {
			return o.Client.CoreV1().Pods(ns).GetLogs(pod, &corev1.PodLogOptions{Container: ContainerName, Follow: follow}).Stream(ctx)
		}
	}
}

// Run creates the objects of a run, waits for its shards to start (saying why one waits),
// follows shard 0's log to its merged result, and deletes the objects (unless Keep). When ctx
// is cancelled it deletes the Job, which stops the shards, and still collects the partial
// merged result that shard 0 prints as it stops. An error means there is no result.
func Run(ctx context.Context, o RunOptions) (out *Outcome, err error) {
	o.defaults()
	objs := o.Objects
	// API calls go on after an interrupt: they clean up and collect.
	bg := context.WithoutCancel(ctx)
	created, err := create(bg, o.Client, objs, o.Log)
	if !o.Keep {
		defer func() {
			if derr := deleteObjects(bg, o.Client, objs, created, o.Log); derr != nil && err == nil {
				err = derr
			}
		}()
	}
	if err != nil {
		return nil, err
	}
	out = &Outcome{}
	pod0, err := waitStarted(ctx, o)
	if errors.Is(err, context.Canceled) {
		out.Interrupted, out.ExitCode = true, 130
		fmt.Fprintln(o.Log, "interrupted before the shards started: deleting the Job")
		deleteJob(bg, o.Client, objs.Job, o.Log)
		return out, nil
	}
	if err != nil {
		return nil, err
	}
	res, err := follow(ctx, bg, o, pod0, out)
	if out.Interrupted {
		out.JobStatus = "deleted (interrupted)"
	} else {
		out.JobStatus = waitJobFinished(bg, o)
	}
	if err != nil {
		return out, fmt.Errorf("%w (job %s)", err, out.JobStatus)
	}
	out.Result = res.Result
	if !out.Interrupted {
		out.ExitCode = res.ExitCode
	}
	return out, nil
}

// RunServiceName is the name of a run's headless Service for `cluster run`: the run's name
// and a random suffix, NAME-xxxxx, new for each run (Spec.ServiceName says why).
func RunServiceName(name string) string {
	const letters = "bcdfghjklmnpqrstvwxz2456789"
	b := make([]byte, 5)
	rand.Read(b)
	for i := range b {
		b[i] = letters[int(b[i])%len(letters)]
	}
	return name + "-" + string(b)
}

// create makes the objects in order (the ConfigMap and Secret before the Job, whose pods
// mount them; the Service after it, created owned by it) and then makes the Job the owner of
// the ConfigMap and Secret, so that the Job's TTL or its deletion removes them too.
func create(ctx context.Context, c Interface, objs *Objects, log io.Writer) ([]string, error) {
	ns := objs.Job.Namespace
	var created []string
	steps := []struct {
		resource string
		do       func() error
	}{
		{"configmaps", func() error {
			_, err := c.CoreV1().ConfigMaps(ns).Create(ctx, objs.ConfigMap, metav1.CreateOptions{})
			return err
		}},
		{"secrets", func() error {
			_, err := c.CoreV1().Secrets(ns).Create(ctx, objs.Secret, metav1.CreateOptions{})
			return err
		}},
		{"jobs.batch", func() error {
			j, err := c.BatchV1().Jobs(ns).Create(ctx, objs.Job, metav1.CreateOptions{})
			if err == nil {
				objs.Job.UID = j.UID
			}
			return err
		}},
		// The Service after the Job, selecting its pods by the Job's UID and owned by it: the
		// pods of an earlier run of the same name, still being deleted, have the same
		// job-name label and hostnames, and would otherwise answer to JOB-0.SERVICE too (a
		// shard that joined such a stale address lost seconds, and its hits, on each dial).
		// The shards retry their join until the name resolves.
		{"services", func() error {
			svc := objs.Service.DeepCopy()
			svc.Spec.Selector = map[string]string{batchv1.ControllerUidLabel: string(objs.Job.UID)}
			svc.OwnerReferences = []metav1.OwnerReference{{APIVersion: "batch/v1", Kind: "Job", Name: objs.Job.Name, UID: objs.Job.UID}}
			_, err := c.CoreV1().Services(ns).Create(ctx, svc, metav1.CreateOptions{})
			return err
		}},
	}
	for _, s := range steps {
		if err := withRetry(s.do); err != nil {
			return created, apiError("create", s.resource, objs.Job.Name, ns, err)
		}
		created = append(created, s.resource)
	}
	fmt.Fprintf(log, "created job %s/%s (%d shards), its service, configmap and secret\n", ns, objs.Job.Name, *objs.Job.Spec.Completions)
	owner := fmt.Sprintf(`{"metadata":{"ownerReferences":[{"apiVersion":"batch/v1","kind":"Job","name":%q,"uid":%q}]}}`, objs.Job.Name, objs.Job.UID)
	patches := []struct {
		resource string
		do       func() error
	}{
		{"configmaps", func() error {
			_, err := c.CoreV1().ConfigMaps(ns).Patch(ctx, objs.Job.Name, types.MergePatchType, []byte(owner), metav1.PatchOptions{})
			return err
		}},
		{"secrets", func() error {
			_, err := c.CoreV1().Secrets(ns).Patch(ctx, objs.Job.Name, types.MergePatchType, []byte(owner), metav1.PatchOptions{})
			return err
		}},
	}
	for _, p := range patches {
		if err := withRetry(p.do); err != nil {
			// Not fatal: the run deletes them itself; only a crash would leave them.
			fmt.Fprintf(log, "warning: %v (the Job's TTL will not remove it)\n", apiError("patch", p.resource, objs.Job.Name, ns, err))
		}
	}
	return created, nil
}

// Delete deletes the objects of a run (kept with RunOptions.Keep), the Job first; what is
// already gone is no error.
func Delete(ctx context.Context, c Interface, objs *Objects) error {
	return deleteObjects(ctx, c, objs, []string{"configmaps", "secrets", "services", "jobs.batch"}, io.Discard)
}

// deleteJob deletes the Job; its pods are deleted in the background (each gets SIGTERM).
func deleteJob(ctx context.Context, c Interface, job *batchv1.Job, log io.Writer) error {
	err := withRetry(func() error {
		return c.BatchV1().Jobs(job.Namespace).Delete(ctx, job.Name, metav1.DeleteOptions{PropagationPolicy: ptr.To(metav1.DeletePropagationBackground)})
	})
	if err != nil && !apierrors.IsNotFound(err) {
		return apiError("delete", "jobs.batch", job.Name, job.Namespace, err)
	}
	return nil
}

// deleteObjects deletes what create made, the Job first (its pods with it).
func deleteObjects(ctx context.Context, c Interface, objs *Objects, created []string, log io.Writer) error {
	ns, name := objs.Job.Namespace, objs.Job.Name
	var errs []error
	for i := len(created) - 1; i >= 0; i-- {
		var err error
		switch created[i] {
		case "jobs.batch":
			err = deleteJob(ctx, c, objs.Job, log)
		case "services":
			err = ignoreNotFound(withRetry(func() error {
				return c.CoreV1().Services(ns).Delete(ctx, objs.Service.Name, metav1.DeleteOptions{})
			}))
		case "secrets":
			err = ignoreNotFound(withRetry(func() error { return c.CoreV1().Secrets(ns).Delete(ctx, name, metav1.DeleteOptions{}) }))
		case "configmaps":
			err = ignoreNotFound(withRetry(func() error { return c.CoreV1().ConfigMaps(ns).Delete(ctx, name, metav1.DeleteOptions{}) }))
		}
		if err != nil {
			errs = append(errs, apiError("delete", created[i], name, ns, err))
		}
	}
	if len(created) > 0 && len(errs) == 0 {
		fmt.Fprintf(log, "deleted job %s/%s and its objects\n", ns, name)
	}
	return errors.Join(errs...)
}

func ignoreNotFound(err error) error {
	if apierrors.IsNotFound(err) {
		return nil
	}
	return err
}

// waitJobFinished waits (up to CollectTimeout) for the Job to complete or fail once shard 0
// has stopped, and describes it.
func waitJobFinished(ctx context.Context, o RunOptions) string {
	deadline := time.Now().Add(o.CollectTimeout)
	for {
		s := jobStatus(ctx, o.Client, o.Objects.Job)
		if s == "Complete" || strings.HasPrefix(s, "Failed") || time.Now().After(deadline) {
			return s
		}
		time.Sleep(o.Poll)
	}
}

// jobStatus is the Job's last true condition ("Complete", "Failed: REASON: MESSAGE"), or
// "running".
func jobStatus(ctx context.Context, c Interface, job *batchv1.Job) string {
	j, err := c.BatchV1().Jobs(job.Namespace).Get(ctx, job.Name, metav1.GetOptions{})
	if err != nil {
		return "unknown: " + err.Error()
	}
	return describeJob(j)
}

func describeJob(j *batchv1.Job) string {
	for _, cond := range j.Status.Conditions {
		if cond.Status != corev1.ConditionTrue {
			continue
		}
		switch cond.Type {
		case batchv1.JobComplete:
			return "Complete"
		case batchv1.JobFailed:
			s := "Failed: " + cond.Reason
			if cond.Message != "" {
				s += ": " + cond.Message
			}
			if j.Status.FailedIndexes != nil && *j.Status.FailedIndexes != "" {
				s += " (failed indexes " + *j.Status.FailedIndexes + ")"
			}
			return s
		}
	}
	return fmt.Sprintf("running (%d active, %d succeeded, %d failed)", j.Status.Active, j.Status.Succeeded, j.Status.Failed)
}

// sortedPods orders pods by their completion index.
func sortedPods(pods []corev1.Pod) []corev1.Pod {
	sort.Slice(pods, func(a, b int) bool {
		return podIndex(&pods[a]) < podIndex(&pods[b])
	})
	return pods
}

func podIndex(p *corev1.Pod) string {
	idx := p.Annotations[batchv1.JobCompletionIndexAnnotation]
	return fmt.Sprintf("%06s", idx)
}
