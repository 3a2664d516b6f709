package kube

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"time"

	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/runtime/serializer"
	"k8s.io/apimachinery/pkg/types"
	utilnet "k8s.io/apimachinery/pkg/util/net"
	"k8s.io/client-go/rest"
)

// Interface is the part of the Kubernetes API a run uses: Jobs (batch/v1), and Pods, their
// logs, ConfigMaps, Secrets, Services and Events (core/v1). Its methods have the names and
// signatures of client-go's typed clients, so code reads as it would with a clientset (and a
// typed client, the fake clientset's included, satisfies each resource's interface).
//
// It is narrow on purpose. client-go's typed clients import k8s.io/client-go/kubernetes/scheme,
// which compiles and registers every API group (k8s.io/api/*, about 100 packages a run never
// calls) and the apply configurations; the real Interface (NewClient) is a rest.RESTClient per
// API group with a scheme of core/v1 and batch/v1 alone.
type Interface interface {
	BatchV1() BatchV1
	CoreV1() CoreV1
}

// BatchV1 is the batch/v1 API group: Jobs.
type BatchV1 interface {
	Jobs(namespace string) Resource[*batchv1.Job, *batchv1.JobList]
}

// CoreV1 is the core/v1 API group: the resources a run creates, watches and cleans up.
type CoreV1 interface {
	Pods(namespace string) Pods
	ConfigMaps(namespace string) Resource[*corev1.ConfigMap, *corev1.ConfigMapList]
	Secrets(namespace string) Resource[*corev1.Secret, *corev1.SecretList]
	Services(namespace string) Resource[*corev1.Service, *corev1.ServiceList]
	Events(namespace string) Resource[*corev1.Event, *corev1.EventList]
	// Namespaces are cluster-scoped: the end-to-end tests make one per case.
	Namespaces() Resource[*corev1.Namespace, *corev1.NamespaceList]
}

// Pods is a namespace's Pods, and their logs.
type Pods interface {
	Resource[*corev1.Pod, *corev1.PodList]
	// GetLogs is the request for a pod's log (Stream it, or DoRaw it).
	GetLogs(name string, opts *corev1.PodLogOptions) *rest.Request
	// ProxyGet is a GET of path on a pod's port through the apiserver's proxy (the
	// end-to-end tests read the in-cluster server's /metrics this way).
	ProxyGet(scheme, name, port, path string, params map[string]string) rest.ResponseWrapper
}

// Resource is the verbs a run uses on one resource of one namespace: object type T, list type L.
type Resource[T, L any] interface {
	Create(ctx context.Context, obj T, opts metav1.CreateOptions) (T, error)
	Get(ctx context.Context, name string, opts metav1.GetOptions) (T, error)
	List(ctx context.Context, opts metav1.ListOptions) (L, error)
	Patch(ctx context.Context, name string, pt types.PatchType, data []byte, opts metav1.PatchOptions, subresources ...string) (T, error)
	Delete(ctx context.Context, name string, opts metav1.DeleteOptions) error
}

// apiScheme knows the types of core/v1 and batch/v1 and the meta/v1 options (the parameter
// codec encodes ListOptions and the like into the query): what client-go's kubernetes/scheme
// registers for these two groups, and nothing else.
type apiScheme struct {
	scheme *runtime.Scheme
	codecs serializer.CodecFactory
	params runtime.ParameterCodec
}

func newAPIScheme() (*apiScheme, error) {
	s := runtime.NewScheme()
	metav1.AddToGroupVersion(s, schema.GroupVersion{Version: "v1"})
	if err := errors.Join(corev1.AddToScheme(s), batchv1.AddToScheme(s)); err != nil {
		return nil, fmt.Errorf("kube: registering core/v1 and batch/v1: %w", err)
	}
	return &apiScheme{scheme: s, codecs: serializer.NewCodecFactory(s), params: runtime.NewParameterCodec(s)}, nil
}

// restClient is a REST client of one API group version on cfg, sharing httpClient (one
// connection pool and one credential refresh for both groups), configured as client-go's
// generated clients configure theirs.
func (a *apiScheme) restClient(cfg *rest.Config, httpClient *http.Client, gv schema.GroupVersion, apiPath string) (*rest.RESTClient, error) {
	c := rest.CopyConfig(cfg)
	c.GroupVersion = &gv
	c.APIPath = apiPath
	c.NegotiatedSerializer = rest.CodecFactoryForGeneratedClient(a.scheme, a.codecs).WithoutConversion()
	if c.UserAgent == "" {
		c.UserAgent = rest.DefaultKubernetesUserAgent()
	}
	rc, err := rest.RESTClientForConfigAndClient(c, httpClient)
	if err != nil {
		return nil, fmt.Errorf("kube: %s client: %w", gv, err)
	}
	return rc, nil
}

// restAPI is the Interface of a real cluster: one REST client per API group.
type restAPI struct {
	batch, core rest.Interface
	params      runtime.ParameterCodec
}

// newRESTAPI is the Interface on cfg.
func newRESTAPI(cfg *rest.Config) (*restAPI, error) {
	a, err := newAPIScheme()
	if err != nil {
		return nil, err
	}
	httpClient, err := rest.HTTPClientFor(cfg)
	if err != nil {
		return nil, fmt.Errorf("kube: %w", err)
	}
	api := &restAPI{params: a.params}
	if api.core, err = a.restClient(cfg, httpClient, corev1.SchemeGroupVersion, "/api"); err != nil {
		return nil, err
	}
	if api.batch, err = a.restClient(cfg, httpClient, batchv1.SchemeGroupVersion, "/apis"); err != nil {
		return nil, err
	}
	return api, nil
}

func (a *restAPI) BatchV1() BatchV1 { return restBatch{a} }
func (a *restAPI) CoreV1() CoreV1   { return restCore{a} }

type restBatch struct{ *restAPI }

func (b restBatch) Jobs(ns string) Resource[*batchv1.Job, *batchv1.JobList] {
	return newResource(b.batch, b.params, ns, "jobs", func() *batchv1.Job { return &batchv1.Job{} }, func() *batchv1.JobList { return &batchv1.JobList{} })
}

type restCore struct{ *restAPI }

func (c restCore) Pods(ns string) Pods {
	return restPods{newResource(c.core, c.params, ns, "pods", func() *corev1.Pod { return &corev1.Pod{} }, func() *corev1.PodList { return &corev1.PodList{} })}
}

func (c restCore) ConfigMaps(ns string) Resource[*corev1.ConfigMap, *corev1.ConfigMapList] {
	return newResource(c.core, c.params, ns, "configmaps", func() *corev1.ConfigMap { return &corev1.ConfigMap{} }, func() *corev1.ConfigMapList { return &corev1.ConfigMapList{} })
}

func (c restCore) Secrets(ns string) Resource[*corev1.Secret, *corev1.SecretList] {
	return newResource(c.core, c.params, ns, "secrets", func() *corev1.Secret { return &corev1.Secret{} }, func() *corev1.SecretList { return &corev1.SecretList{} })
}

func (c restCore) Services(ns string) Resource[*corev1.Service, *corev1.ServiceList] {
	return newResource(c.core, c.params, ns, "services", func() *corev1.Service { return &corev1.Service{} }, func() *corev1.ServiceList { return &corev1.ServiceList{} })
}

func (c restCore) Events(ns string) Resource[*corev1.Event, *corev1.EventList] {
	return newResource(c.core, c.params, ns, "events", func() *corev1.Event { return &corev1.Event{} }, func() *corev1.EventList { return &corev1.EventList{} })
}

func (c restCore) Namespaces() Resource[*corev1.Namespace, *corev1.NamespaceList] {
	return newResource(c.core, c.params, "", "namespaces", func() *corev1.Namespace { return &corev1.Namespace{} }, func() *corev1.NamespaceList { return &corev1.NamespaceList{} })
}

type restPods struct {
	*restResource[*corev1.Pod, *corev1.PodList]
}

// GetLogs is GET /api/v1/namespaces/NS/pods/NAME/log with opts in the query.
func (p restPods) GetLogs(name string, opts *corev1.PodLogOptions) *rest.Request {
	return p.client.Get().Namespace(p.namespace).Name(name).Resource("pods").SubResource("log").VersionedParams(opts, p.params)
}

// ProxyGet is GET /api/v1/namespaces/NS/pods/SCHEME:NAME:PORT/proxy/PATH?PARAMS.
func (p restPods) ProxyGet(scheme, name, port, path string, params map[string]string) rest.ResponseWrapper {
	r := p.client.Get().Namespace(p.namespace).Resource("pods").SubResource("proxy").Name(utilnet.JoinSchemeNamePort(scheme, name, port)).Suffix(path)
	for k, v := range params {
		r = r.Param(k, v)
	}
	return r
}

// restResource is the REST verbs on one resource of one namespace ("" for every namespace),
// request for request what client-go's generic typed client (k8s.io/client-go/gentype) sends:
// protobuf preferred for the built-in types, the options in the query, DeleteOptions in the body.
type restResource[T runtime.Object, L runtime.Object] struct {
	client    rest.Interface
	params    runtime.ParameterCodec
	namespace string
	name      string // the resource's plural name: "pods"
	newObject func() T
	newList   func() L
}

func newResource[T, L runtime.Object](c rest.Interface, params runtime.ParameterCodec, ns, name string, newObject func() T, newList func() L) *restResource[T, L] {
	return &restResource[T, L]{client: c, params: params, namespace: ns, name: name, newObject: newObject, newList: newList}
}

func (r *restResource[T, L]) request(verb *rest.Request) *rest.Request {
	return verb.UseProtobufAsDefault().NamespaceIfScoped(r.namespace, r.namespace != "").Resource(r.name)
}

func (r *restResource[T, L]) Create(ctx context.Context, obj T, opts metav1.CreateOptions) (T, error) {
	out := r.newObject()
	err := r.request(r.client.Post()).VersionedParams(&opts, r.params).Body(obj).Do(ctx).Into(out)
	return out, err
}

func (r *restResource[T, L]) Get(ctx context.Context, name string, opts metav1.GetOptions) (T, error) {
	out := r.newObject()
	err := r.request(r.client.Get()).Name(name).VersionedParams(&opts, r.params).Do(ctx).Into(out)
	return out, err
}

func (r *restResource[T, L]) List(ctx context.Context, opts metav1.ListOptions) (L, error) {
	var timeout time.Duration
	if opts.TimeoutSeconds != nil {
		timeout = time.Duration(*opts.TimeoutSeconds) * time.Second
	}
	out := r.newList()
	err := r.request(r.client.Get()).VersionedParams(&opts, r.params).Timeout(timeout).Do(ctx).Into(out)
	return out, err
}

func (r *restResource[T, L]) Patch(ctx context.Context, name string, pt types.PatchType, data []byte, opts metav1.PatchOptions, subresources ...string) (T, error) {
	out := r.newObject()
	err := r.request(r.client.Patch(pt)).Name(name).SubResource(subresources...).VersionedParams(&opts, r.params).Body(data).Do(ctx).Into(out)
	return out, err
}

func (r *restResource[T, L]) Delete(ctx context.Context, name string, opts metav1.DeleteOptions) error {
	return r.request(r.client.Delete()).Name(name).Body(&opts).Do(ctx).Error()
}
