package k8s_test

import (
	"context"
	"fmt"
	"strconv"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
	"k8s.io/utils/ptr"
)

// swiperPort is the port of the in-cluster reference server.
const swiperPort = 8080

// inClusterServer runs the bundled reference server (the image's `loadtest server`) as a pod
// on the pod network behind its own headless Service, swiper, in the test's namespace, and
// returns the URL the shards load it by, http://swiper.NAMESPACE.svc:8080 (cluster DNS), and
// a function that reads its echo request count from its own /metrics through the
// apiserver's pod proxy. Every byte of the load stays between pods on the harness's bridge.
func inClusterServer(t *testing.T, e *env) (string, func() int) {
	t.Helper()
	ctx := context.Background()
	c, ns := e.client.Interface, e.client.Namespace
	name := "swiper"
	labels := map[string]string{"app.kubernetes.io/name": "swiper", "loadtest.test/e2e": "server"}
	pod := &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: ns, Labels: labels},
		Spec: corev1.PodSpec{
			Containers: []corev1.Container{{
				Name: "server", Image: e.image, ImagePullPolicy: corev1.PullNever,
				Args:  []string{"server", "--addr", ":" + strconv.Itoa(swiperPort), "--db", "sqlite:///tmp/swiper.db", "--users", "1"},
				Ports: []corev1.ContainerPort{{Name: "http", ContainerPort: swiperPort}},
				ReadinessProbe: &corev1.Probe{ProbeHandler: corev1.ProbeHandler{HTTPGet: &corev1.HTTPGetAction{
					Path: "/metrics", Port: intstr.FromInt32(swiperPort)}}, PeriodSeconds: 1},
				VolumeMounts: []corev1.VolumeMount{{Name: "tmp", MountPath: "/tmp"}},
				SecurityContext: &corev1.SecurityContext{RunAsNonRoot: ptr.To(true), RunAsUser: ptr.To[int64](65532),
					AllowPrivilegeEscalation: ptr.To(false), ReadOnlyRootFilesystem: ptr.To(true)},
			}},
			Volumes:                       []corev1.Volume{{Name: "tmp", VolumeSource: corev1.VolumeSource{EmptyDir: &corev1.EmptyDirVolumeSource{}}}},
			AutomountServiceAccountToken:  ptr.To(false),
			EnableServiceLinks:            ptr.To(false),
			TerminationGracePeriodSeconds: ptr.To[int64](2),
		},
	}
	svc := &corev1.Service{
		ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: ns, Labels: labels},
		Spec: corev1.ServiceSpec{ClusterIP: corev1.ClusterIPNone, Selector: labels,
			Ports: []corev1.ServicePort{{Name: "http", Port: swiperPort, TargetPort: intstr.FromInt32(swiperPort)}}},
	}
	if _, err := c.CoreV1().Services(ns).Create(ctx, svc, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { gone(t, e, "services", name) })
	if _, err := c.CoreV1().Pods(ns).Create(ctx, pod, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { gone(t, e, "pods", name) })
	count := func() int {
		t.Helper()
		body, err := c.CoreV1().Pods(ns).ProxyGet("http", name, strconv.Itoa(swiperPort), "metrics", nil).DoRaw(ctx)
		if err != nil {
			t.Fatalf("the in-cluster server's /metrics through the apiserver: %v", err)
		}
		return echoCountIn(body)
	}
	deadline := time.Now().Add(2 * time.Minute)
	for {
		p, err := c.CoreV1().Pods(ns).Get(ctx, name, metav1.GetOptions{})
		if err == nil && podReady(p) {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the in-cluster server did not become ready in 2 minutes: %v %+v", err, p.Status)
		}
		time.Sleep(500 * time.Millisecond)
	}
	if n := count(); n != 0 {
		t.Fatalf("the fresh server counted %d echo requests, want 0", n)
	}
	return fmt.Sprintf("http://%s.%s.svc:%d", name, ns, swiperPort), count
}

func podReady(p *corev1.Pod) bool {
	for _, c := range p.Status.Conditions {
		if c.Type == corev1.PodReady && c.Status == corev1.ConditionTrue {
			return true
		}
	}
	return false
}

// gone deletes an object the test made and waits until it is gone (a next test makes one of
// the same name).
func gone(t *testing.T, e *env, resource, name string) {
	ctx := context.Background()
	c, ns := e.client.Interface, e.client.Namespace
	get := func() error { _, err := c.CoreV1().Pods(ns).Get(ctx, name, metav1.GetOptions{}); return err }
	del := func() error { return c.CoreV1().Pods(ns).Delete(ctx, name, metav1.DeleteOptions{}) }
	if resource == "services" {
		get = func() error { _, err := c.CoreV1().Services(ns).Get(ctx, name, metav1.GetOptions{}); return err }
		del = func() error { return c.CoreV1().Services(ns).Delete(ctx, name, metav1.DeleteOptions{}) }
	}
	if err := del(); err != nil && !apierrors.IsNotFound(err) {
		t.Errorf("delete %s %s: %v", resource, name, err)
	}
	for i := 0; i < 120; i++ {
		if apierrors.IsNotFound(get()) {
			return
		}
		time.Sleep(500 * time.Millisecond)
	}
	t.Errorf("%s %s still there after 60s", resource, name)
}
