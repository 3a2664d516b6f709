package kube

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/utils/ptr"
)

// apiRequest is what the test apiserver saw.
type apiRequest struct {
	method, path, query, contentType, auth string
	body                                   []byte
}

// decode is the request body as the apiserver reads it (protobuf or JSON, by its header).
func (r *apiRequest) decode(t *testing.T) runtime.Object {
	t.Helper()
	a, err := newAPIScheme()
	if err != nil {
		t.Fatal(err)
	}
	obj, _, err := a.codecs.UniversalDeserializer().Decode(r.body, nil, nil)
	if err != nil {
		t.Fatalf("request body %q: %v", r.body, err)
	}
	return obj
}

// testAPIServer is an apiserver on 127.0.0.1 that answers every request with status and body
// (JSON), records what it was sent, and a kubeconfig (namespace "perf", a bearer token) for it.
func testAPIServer(t *testing.T, status int, body string) (kubeconfig string, got *apiRequest) {
	t.Helper()
	got = &apiRequest{}
	srv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		*got = apiRequest{method: r.Method, path: r.URL.Path, query: r.URL.RawQuery,
			contentType: r.Header.Get("Content-Type"), auth: r.Header.Get("Authorization")}
		got.body, _ = io.ReadAll(r.Body)
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(status)
		io.WriteString(w, body)
	}))
	t.Cleanup(srv.Close)
	kubeconfig = filepath.Join(t.TempDir(), "config")
	ca := base64.StdEncoding.EncodeToString(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: srv.Certificate().Raw}))
	cfg := `apiVersion: v1
kind: Config
clusters: [{name: test, cluster: {server: "` + srv.URL + `", certificate-authority-data: ` + ca + `}}]
users: [{name: test, user: {token: s3cret}}]
contexts: [{name: test, context: {cluster: test, user: test, namespace: perf}}]
current-context: test
`
	if err := os.WriteFile(kubeconfig, []byte(cfg), 0o600); err != nil {
		t.Fatal(err)
	}
	return kubeconfig, got
}

// TestRESTAPI checks that each verb of the REST Interface sends the request client-go's typed
// clients send (method, path, query, body, credentials) and decodes the answer.
func TestRESTAPI(t *testing.T) {
	ctx := context.Background()
	tests := []struct {
		name        string
		answer      string
		call        func(Interface) (string, error) // returns the name of the decoded object
		method      string
		path, query string
		contentType string
		body        func(t *testing.T, r *apiRequest) // checks the request body
	}{
		{
			name:   "create configmap",
			answer: `{"kind":"ConfigMap","apiVersion":"v1","metadata":{"name":"lt","uid":"u1"}}`,
			call: func(c Interface) (string, error) {
				cm, err := c.CoreV1().ConfigMaps("perf").Create(ctx, &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: "lt"}}, metav1.CreateOptions{DryRun: []string{metav1.DryRunAll}})
				return cm.Name + "/" + string(cm.UID), err
			},
			method: "POST", path: "/api/v1/namespaces/perf/configmaps", query: "dryRun=All",
			contentType: "application/vnd.kubernetes.protobuf",
			body: func(t *testing.T, r *apiRequest) {
				if cm, ok := r.decode(t).(*corev1.ConfigMap); !ok || cm.Name != "lt" {
					t.Errorf("body: got %#v, want ConfigMap lt", r.decode(t))
				}
			},
		},
		{
			name:   "get job",
			answer: `{"kind":"Job","apiVersion":"batch/v1","metadata":{"name":"lt"},"status":{"active":2}}`,
			call: func(c Interface) (string, error) {
				j, err := c.BatchV1().Jobs("perf").Get(ctx, "lt", metav1.GetOptions{})
				return j.Name + "/" + string(rune('0'+j.Status.Active)), err
			},
			method: "GET", path: "/apis/batch/v1/namespaces/perf/jobs/lt",
		},
		{
			name:   "list pods by label",
			answer: `{"kind":"PodList","apiVersion":"v1","items":[{"metadata":{"name":"lt-0-x"}},{"metadata":{"name":"lt-1-x"}}]}`,
			call: func(c Interface) (string, error) {
				l, err := c.CoreV1().Pods("perf").List(ctx, metav1.ListOptions{LabelSelector: batchv1.JobNameLabel + "=lt"})
				names := []string{}
				for _, p := range l.Items {
					names = append(names, p.Name)
				}
				return strings.Join(names, ","), err
			},
			method: "GET", path: "/api/v1/namespaces/perf/pods", query: "labelSelector=batch.kubernetes.io%2Fjob-name%3Dlt",
		},
		{
			name:   "list events by field",
			answer: `{"kind":"EventList","apiVersion":"v1","items":[{"metadata":{"name":"e1"},"reason":"FailedScheduling"}]}`,
			call: func(c Interface) (string, error) {
				l, err := c.CoreV1().Events("perf").List(ctx, metav1.ListOptions{FieldSelector: "involvedObject.name=lt-0-x", TimeoutSeconds: ptr.To[int64](5)})
				if err != nil || len(l.Items) != 1 {
					return "", err
				}
				return l.Items[0].Reason, nil
			},
			method: "GET", path: "/api/v1/namespaces/perf/events", query: "fieldSelector=involvedObject.name%3Dlt-0-x&timeout=5s&timeoutSeconds=5",
		},
		{
			name:   "merge-patch service",
			answer: `{"kind":"Service","apiVersion":"v1","metadata":{"name":"lt"}}`,
			call: func(c Interface) (string, error) {
				s, err := c.CoreV1().Services("perf").Patch(ctx, "lt", types.MergePatchType, []byte(`{"metadata":{"labels":{"a":"b"}}}`), metav1.PatchOptions{})
				return s.Name, err
			},
			method: "PATCH", path: "/api/v1/namespaces/perf/services/lt", contentType: "application/merge-patch+json",
			body: func(t *testing.T, r *apiRequest) {
				if string(r.body) != `{"metadata":{"labels":{"a":"b"}}}` {
					t.Errorf("body: got %s, want the merge patch", r.body)
				}
			},
		},
		{
			name:   "delete job in the background",
			answer: `{"kind":"Status","apiVersion":"v1","status":"Success"}`,
			call: func(c Interface) (string, error) {
				return "", c.BatchV1().Jobs("perf").Delete(ctx, "lt", metav1.DeleteOptions{PropagationPolicy: ptr.To(metav1.DeletePropagationBackground)})
			},
			method: "DELETE", path: "/apis/batch/v1/namespaces/perf/jobs/lt", contentType: "application/vnd.kubernetes.protobuf",
			body: func(t *testing.T, r *apiRequest) {
				if o, ok := r.decode(t).(*metav1.DeleteOptions); !ok || o.PropagationPolicy == nil || *o.PropagationPolicy != metav1.DeletePropagationBackground {
					t.Errorf("body: got %#v, want DeleteOptions with background propagation", r.decode(t))
				}
			},
		},
		{
			name:   "delete secret",
			answer: `{"kind":"Status","apiVersion":"v1","status":"Success"}`,
			call: func(c Interface) (string, error) {
				return "", c.CoreV1().Secrets("perf").Delete(ctx, "lt", metav1.DeleteOptions{})
			},
			method: "DELETE", path: "/api/v1/namespaces/perf/secrets/lt", contentType: "application/vnd.kubernetes.protobuf",
		},
		{
			name:   "create namespace",
			answer: `{"kind":"Namespace","apiVersion":"v1","metadata":{"name":"e2e-1"}}`,
			call: func(c Interface) (string, error) {
				n, err := c.CoreV1().Namespaces().Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: "e2e-1"}}, metav1.CreateOptions{})
				return n.Name, err
			},
			method: "POST", path: "/api/v1/namespaces", contentType: "application/vnd.kubernetes.protobuf",
		},
		{
			name:   "pod proxy",
			answer: `up 1`,
			call: func(c Interface) (string, error) {
				b, err := c.CoreV1().Pods("perf").ProxyGet("http", "swiper-0", "8080", "metrics", map[string]string{"name[]": "up"}).DoRaw(ctx)
				return string(b), err
			},
			method: "GET", path: "/api/v1/namespaces/perf/pods/http:swiper-0:8080/proxy/metrics", query: "name%5B%5D=up",
		},
		{
			name:   "pod log",
			answer: `line one`,
			call: func(c Interface) (string, error) {
				b, err := c.CoreV1().Pods("perf").GetLogs("lt-0-x", &corev1.PodLogOptions{Container: ContainerName, Follow: true}).DoRaw(ctx)
				return string(b), err
			},
			method: "GET", path: "/api/v1/namespaces/perf/pods/lt-0-x/log", query: "container=loadtest&follow=true",
		},
	}
	want := map[string]string{
		"create configmap": "lt/u1", "get job": "lt/2", "list pods by label": "lt-0-x,lt-1-x",
		"list events by field": "FailedScheduling", "create namespace": "e2e-1", "pod proxy": "up 1", "merge-patch service": "lt", "pod log": "line one",
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			kubeconfig, got := testAPIServer(t, http.StatusOK, tt.answer)
			c, err := NewClient(kubeconfig, "")
			if err != nil {
				t.Fatal(err)
			}
			if c.Namespace != "perf" {
				t.Errorf("namespace: got %q, want perf", c.Namespace)
			}
			name, err := tt.call(c.Interface)
			if err != nil {
				t.Fatal(err)
			}
			if name != want[tt.name] {
				t.Errorf("decoded: got %q, want %q", name, want[tt.name])
			}
			if got.method != tt.method || got.path != tt.path || got.query != tt.query {
				t.Errorf("request: got %s %s?%s, want %s %s?%s", got.method, got.path, got.query, tt.method, tt.path, tt.query)
			}
			if got.contentType != tt.contentType {
				t.Errorf("content type: got %q, want %q", got.contentType, tt.contentType)
			}
			if got.auth != "Bearer s3cret" {
				t.Errorf("authorization: got %q, want the kubeconfig's bearer token", got.auth)
			}
			if tt.body != nil {
				tt.body(t, got)
			}
		})
	}
}

// TestRESTAPIErrors checks that the apiserver's Status answers come back as the API errors
// apiError and retriable tell apart.
func TestRESTAPIErrors(t *testing.T) {
	tests := []struct {
		name   string
		status int
		reason metav1.StatusReason
		is     func(error) bool
		want   string // in apiError's message
	}{
		{"forbidden", http.StatusForbidden, metav1.StatusReasonForbidden, apierrors.IsForbidden, `needs the verb "create" on "jobs"`},
		{"already exists", http.StatusConflict, metav1.StatusReasonAlreadyExists, apierrors.IsAlreadyExists, "already exists in namespace perf"},
		{"namespace missing", http.StatusNotFound, metav1.StatusReasonNotFound, apierrors.IsNotFound, `namespace "perf" does not exist`},
		{"unauthorized", http.StatusUnauthorized, metav1.StatusReasonUnauthorized, apierrors.IsUnauthorized, "did not accept your credentials"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			status := metav1.Status{TypeMeta: metav1.TypeMeta{Kind: "Status", APIVersion: "v1"}, Status: metav1.StatusFailure,
				Reason: tt.reason, Code: int32(tt.status), Message: "from the test apiserver"}
			b, _ := json.Marshal(status)
			kubeconfig, _ := testAPIServer(t, tt.status, string(b))
			c, err := NewClient(kubeconfig, "")
			if err != nil {
				t.Fatal(err)
			}
			_, err = c.Interface.BatchV1().Jobs("perf").Create(context.Background(), &batchv1.Job{ObjectMeta: metav1.ObjectMeta{Name: "lt"}}, metav1.CreateOptions{})
			if !tt.is(err) {
				t.Fatalf("got %v (%T), want a %s API error", err, err, tt.reason)
			}
			if msg := apiError("create", "jobs", "lt", "perf", err).Error(); !strings.Contains(msg, tt.want) || !strings.Contains(msg, "from the test apiserver") {
				t.Errorf("apiError: got %q, want it to contain %q and the server's message", msg, tt.want)
			}
		})
	}
	t.Run("retriable", func(t *testing.T) {
		status := `{"kind":"Status","apiVersion":"v1","status":"Failure","reason":"TooManyRequests","code":429}`
		kubeconfig, _ := testAPIServer(t, http.StatusTooManyRequests, status)
		c, err := NewClient(kubeconfig, "")
		if err != nil {
			t.Fatal(err)
		}
		// client-go retries 429s itself (Retry-After); without the header it gives up at once.
		_, err = c.Interface.CoreV1().Pods("perf").Get(context.Background(), "p", metav1.GetOptions{})
		if !retriable(err) {
			t.Errorf("got %v, want a retriable error", err)
		}
	})
}
