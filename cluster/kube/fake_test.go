package kube

import (
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/client-go/kubernetes/fake"
	batchv1client "k8s.io/client-go/kubernetes/typed/batch/v1"
	corev1client "k8s.io/client-go/kubernetes/typed/core/v1"
)

// fakeAPI is the Interface of client-go's fake clientset (its object tracker and reactors):
// its typed clients have the methods of Resource, so each resource passes straight through.
// Only the tests compile the clientset; the binary never does.
type fakeAPI struct{ c *fake.Clientset }

func (f fakeAPI) BatchV1() BatchV1 { return fakeBatch{f.c.BatchV1()} }
func (f fakeAPI) CoreV1() CoreV1   { return fakeCore{f.c.CoreV1()} }

type fakeBatch struct {
	c batchv1client.BatchV1Interface
}

func (f fakeBatch) Jobs(ns string) Resource[*batchv1.Job, *batchv1.JobList] { return f.c.Jobs(ns) }

type fakeCore struct{ c corev1client.CoreV1Interface }

func (f fakeCore) Pods(ns string) Pods { return f.c.Pods(ns) }
func (f fakeCore) ConfigMaps(ns string) Resource[*corev1.ConfigMap, *corev1.ConfigMapList] {
	return f.c.ConfigMaps(ns)
}
func (f fakeCore) Secrets(ns string) Resource[*corev1.Secret, *corev1.SecretList] {
	return f.c.Secrets(ns)
}
func (f fakeCore) Services(ns string) Resource[*corev1.Service, *corev1.ServiceList] {
	return f.c.Services(ns)
}
func (f fakeCore) Namespaces() Resource[*corev1.Namespace, *corev1.NamespaceList] {
	return f.c.Namespaces()
}
func (f fakeCore) Events(ns string) Resource[*corev1.Event, *corev1.EventList] {
	return f.c.Events(ns)
}
