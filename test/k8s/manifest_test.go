package k8s_test

import (
	"context"
	"os/exec"
	"strings"
	"testing"

	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/yaml"
)

// TestManifestAcceptedByTheAPIServer: the output of `loadtest cluster manifest` for N=4, as
// kubectl apply -f - would send it, passes the real apiserver's validation and admission
// (a server-side dry run: nothing is created).
func TestManifestAcceptedByTheAPIServer(t *testing.T) {
	e := cluster(t)
	out, err := exec.Command(e.binary, "cluster", "manifest", "echo", "--shards", "4", "--image", e.image,
		"--namespace", e.client.Namespace, "--target", "http://127.0.0.1:9", "--rate", "100/s", "--duration", "1m",
		"--threshold", "p99<250ms", "--cpu", "100m", "--memory", "64Mi", "--node-selector", "pool=loadgen", "--name", "e2e-manifest").Output()
	if err != nil {
		t.Fatal(err)
	}
	docs := strings.Split(string(out), "\n---\n")
	if len(docs) != 4 {
		t.Fatalf("%d documents, want 4", len(docs))
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
	ctx := context.Background()
	c, ns := e.client.Interface, e.client.Namespace
	dry := metav1.CreateOptions{DryRun: []string{metav1.DryRunAll}}
	if _, err := c.CoreV1().ConfigMaps(ns).Create(ctx, &cm, dry); err != nil {
		t.Errorf("configmap: %v", err)
	}
	if _, err := c.CoreV1().Secrets(ns).Create(ctx, &sec, dry); err != nil {
		t.Errorf("secret: %v", err)
	}
	if _, err := c.CoreV1().Services(ns).Create(ctx, &svc, dry); err != nil {
		t.Errorf("service: %v", err)
	}
	got, err := c.BatchV1().Jobs(ns).Create(ctx, &job, dry)
	if err != nil {
		t.Fatalf("job: %v", err)
	}
	if got.Spec.BackoffLimitPerIndex == nil || *got.Spec.BackoffLimitPerIndex != 0 || got.Spec.PodFailurePolicy == nil {
		t.Errorf("the apiserver's job lost its retry policy: %+v", got.Spec)
	}
}
