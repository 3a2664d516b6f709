package kube

import (
	"context"
	"fmt"
	"io"
	"sort"
	"strings"
	"time"

	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// imagePullReasons are the waiting reasons of a container whose image cannot be had; each
// fails the run at once (the kubelet would only back off and try again).
var imagePullReasons = map[string]bool{
	"ErrImagePull": true, "ImagePullBackOff": true, "ErrImageNeverPull": true, "InvalidImageName": true,
}

// configReasons are waiting reasons that a retry does not fix either.
var configReasons = map[string]bool{"CreateContainerConfigError": true, "CreateContainerError": true, "RunContainerError": true}

// waitStarted waits until every shard's pod has left Pending and returns the name of shard
// 0's pod. A pod whose image cannot be pulled fails it at once; one that cannot be scheduled
// is reported (with the scheduler's event) and fails it after PendingTimeout.
func waitStarted(ctx context.Context, o RunOptions) (string, error) {
	job := o.Objects.Job
	n := int(*job.Spec.Completions)
	deadline := time.Now().Add(o.PendingTimeout)
	said := map[string]bool{}
	for {
		pods, err := listPods(ctx, o)
		if err != nil {
			return "", err
		}
		started, pod0 := 0, ""
		var waiting []string
		for i := range pods {
			p := &pods[i]
			if p.Annotations[batchv1.JobCompletionIndexAnnotation] == "0" {
				pod0 = p.Name
			}
			if p.Status.Phase != corev1.PodPending && p.Status.Phase != "" {
				started++
				continue
			}
			why, fatal := pendingReason(p)
			if why == "" {
				continue
			}
			why += lastEvent(ctx, o, p.Name)
			if fatal {
				return "", fmt.Errorf("kube: pod %s cannot start: %s", p.Name, why)
			}
			waiting = append(waiting, fmt.Sprintf("pod %s: %s", p.Name, why))
			if !said[why] {
				said[why] = true
				fmt.Fprintf(o.Log, "pod %s is Pending: %s\n", p.Name, why)
			}
		}
		if started >= n && pod0 != "" {
			fmt.Fprintf(o.Log, "all %d shards started\n", n)
			return pod0, nil
		}
		if j, err := o.Client.BatchV1().Jobs(job.Namespace).Get(ctx, job.Name, metav1.GetOptions{}); err == nil {
			if s := describeJob(j); strings.HasPrefix(s, "Failed") && pod0 == "" {
				return "", fmt.Errorf("kube: job %s failed before shard 0 started: %s", job.Name, s)
			}
		}
		if time.Now().After(deadline) {
			if len(waiting) == 0 {
				waiting = []string{fmt.Sprintf("%d of %d pods exist", len(pods), n)}
			}
			return "", fmt.Errorf("kube: the shards did not start within %s (--pending-timeout): %s", o.PendingTimeout, strings.Join(waiting, "; "))
		}
		select {
		case <-ctx.Done():
			return "", ctx.Err()
		case <-time.After(o.Poll):
		}
	}
}

// listPods lists the pods of this run's Job: those its controller made, selected by the
// Job's UID (batch.kubernetes.io/controller-uid), not by its name, which an earlier run of
// the same name shares; pods being deleted (an earlier run's linger for a second or so after
// a background delete, and a lost shard's) are left out: their state is not this run's.
func listPods(ctx context.Context, o RunOptions) ([]corev1.Pod, error) {
	job := o.Objects.Job
	var list *corev1.PodList
	err := withRetry(func() error {
		var err error
		list, err = o.Client.CoreV1().Pods(job.Namespace).List(ctx, metav1.ListOptions{LabelSelector: podSelector(job)})
		return err
	})
	if err != nil {
		return nil, apiError("list", "pods", job.Name, job.Namespace, err)
	}
	pods := list.Items[:0]
	for _, p := range list.Items {
		if p.DeletionTimestamp == nil {
			pods = append(pods, p)
		}
	}
	return sortedPods(pods), nil
}

// podSelector selects the pods of job: by its UID once it was created, else by its name.
func podSelector(job *batchv1.Job) string {
	if job.UID != "" {
		return batchv1.ControllerUidLabel + "=" + string(job.UID)
	}
	return batchv1.JobNameLabel + "=" + job.Name
}

// pendingReason says why a Pending pod waits ("" when it is just starting) and whether that
// is fatal.
func pendingReason(p *corev1.Pod) (string, bool) {
	for _, cs := range append(append([]corev1.ContainerStatus(nil), p.Status.InitContainerStatuses...), p.Status.ContainerStatuses...) {
		w := cs.State.Waiting
		if w == nil {
			continue
		}
		switch {
		case imagePullReasons[w.Reason]:
			return fmt.Sprintf("image %s cannot be pulled (%s): %s; push it (loadtest cluster image --push) or import it on the nodes, and check the name and the cluster's pull secret", cs.Image, w.Reason, w.Message), true
		case configReasons[w.Reason]:
			return fmt.Sprintf("%s: %s", w.Reason, w.Message), true
		}
	}
	for _, c := range p.Status.Conditions {
		if c.Type != corev1.PodScheduled || c.Status != corev1.ConditionFalse {
			continue
		}
		if strings.Contains(c.Message, "anti-affinity") {
			// --spread hard's required pod anti-affinity; the soft spread never blocks.
			return fmt.Sprintf("unschedulable (%s): %s; --spread hard puts every shard on a node of its own and there are fewer nodes (that match --node-selector) than shards: add nodes, lower --shards, or use --spread soft", c.Reason, c.Message), false
		}
		return fmt.Sprintf("unschedulable (%s): %s; lower --cpu/--memory or --shards, or check --node-selector", c.Reason, c.Message), false
	}
	return "", false
}

// lastEvent is "; event: MESSAGE" of the newest warning event about the pod, or "".
func lastEvent(ctx context.Context, o RunOptions, pod string) string {
	ns := o.Objects.Job.Namespace
	evs, err := o.Client.CoreV1().Events(ns).List(ctx, metav1.ListOptions{
		FieldSelector: "involvedObject.kind=Pod,involvedObject.name=" + pod})
	if err != nil || len(evs.Items) == 0 {
		return ""
	}
	items := evs.Items
	sort.SliceStable(items, func(a, b int) bool { return eventTime(&items[a]).Before(eventTime(&items[b])) })
	for i := len(items) - 1; i >= 0; i-- {
		e := items[i]
		if e.InvolvedObject.Name == pod && e.Type == corev1.EventTypeWarning {
			return fmt.Sprintf("; event %s: %s", e.Reason, e.Message)
		}
	}
	return ""
}

func eventTime(e *corev1.Event) time.Time {
	switch {
	case !e.EventTime.IsZero():
		return e.EventTime.Time
	case !e.LastTimestamp.IsZero():
		return e.LastTimestamp.Time
	}
	return e.CreationTimestamp.Time
}

type followed struct {
	res *PodResult
	err error
}

// follow streams shard 0's log to o.Log until it ends, and returns the result block in it.
// On an interrupt it deletes the Job and goes on reading what shard 0 prints as it stops.
// A stream that ended without a result (a dropped connection) is read once more, whole,
// when shard 0 has stopped.
func follow(ctx, bg context.Context, o RunOptions, pod0 string, out *Outcome) (*PodResult, error) {
	streamCtx, cancel := context.WithCancel(bg)
	defer cancel()
	done := make(chan followed, 1)
	go func() {
		rc, err := openLogs(streamCtx, o, pod0, true)
		if err != nil {
			done <- followed{nil, err}
			return
		}
		defer rc.Close()
		// Shard 0's lines before its result block are its progress; after it, its summary,
		// which the caller prints from the result.
		echo := true
		res, err := ReadResult(rc, func(line string) {
			if echo {
				fmt.Fprintf(o.Log, "shard 0: %s\n", line)
			}
		}, func() { echo = false })
		done <- followed{res, err}
	}()
	var f followed
	select {
	case f = <-done:
	case <-ctx.Done():
		out.Interrupted, out.ExitCode = true, 130
		fmt.Fprintln(o.Log, "interrupted: deleting the Job (its shards stop) and collecting the partial result from shard 0")
		if err := deleteJob(bg, o.Client, o.Objects.Job, o.Log); err != nil {
			fmt.Fprintf(o.Log, "warning: %v\n", err)
		}
		select {
		case f = <-done:
		case <-time.After(o.CollectTimeout):
			cancel()
			f = <-done
		}
	}
	if f.err == nil {
		return f.res, nil
	}
	state := waitTerminated(bg, o, pod0)
	if rc, err := openLogs(bg, o, pod0, false); err == nil {
		res, rerr := ReadResult(rc, nil, nil)
		rc.Close()
		if rerr == nil {
			return res, nil
		}
	}
	return nil, fmt.Errorf("%w; shard 0 (pod %s) %s", f.err, pod0, state)
}

// openLogs opens the log, trying again while the container is only about to start.
func openLogs(ctx context.Context, o RunOptions, pod string, follow bool) (io.ReadCloser, error) {
	var rc io.ReadCloser
	err := withRetry(func() error {
		var err error
		rc, err = o.Logs(ctx, pod, follow)
		if apierrors.IsBadRequest(err) {
			return fmt.Errorf("%w: %w", errTransient, err)
		}
		return err
	})
	if err != nil {
		return nil, apiError("get", "pods/log", pod, o.Objects.Job.Namespace, err)
	}
	return rc, nil
}

// waitTerminated waits (up to CollectTimeout) for shard 0's container to stop and says how
// it stopped.
func waitTerminated(ctx context.Context, o RunOptions, pod string) string {
	deadline := time.Now().Add(o.CollectTimeout)
	for {
		p, err := o.Client.CoreV1().Pods(o.Objects.Job.Namespace).Get(ctx, pod, metav1.GetOptions{})
		if apierrors.IsNotFound(err) {
			return "was deleted"
		}
		if err == nil {
			for _, cs := range p.Status.ContainerStatuses {
				if t := cs.State.Terminated; t != nil {
					s := fmt.Sprintf("exited with code %d (%s)", t.ExitCode, t.Reason)
					if t.Message != "" {
						s += ": " + lastLine(t.Message)
					}
					return s
				}
			}
		}
		if time.Now().After(deadline) {
			return "did not stop"
		}
		time.Sleep(o.Poll)
	}
}

func lastLine(s string) string {
	ls := strings.Split(strings.TrimSpace(s), "\n")
	return ls[len(ls)-1]
}
