package k8s_test

import (
	"context"
	"fmt"
	"os"
	"regexp"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	rbacv1client "k8s.io/client-go/kubernetes/typed/rbac/v1"
	"k8s.io/client-go/tools/clientcmd"
	"sigs.k8s.io/yaml"
)

// docsRole is the Role that docs/kubernetes.md documents under "RBAC", read from the page
// itself, so that the test runs with what a user is told to apply.
func docsRole(t *testing.T) *rbacv1.Role {
	t.Helper()
	page, err := os.ReadFile("../../docs/kubernetes.md")
	if err != nil {
		t.Fatal(err)
	}
	_, section, ok := strings.Cut(string(page), "\n## RBAC\n")
	m := regexp.MustCompile("(?s)```yaml\n(.*?)```").FindStringSubmatch(section)
	if !ok || m == nil {
		t.Fatal(`docs/kubernetes.md has no yaml block under "## RBAC"`)
	}
	var role rbacv1.Role
	if err := yaml.UnmarshalStrict([]byte(m[1]), &role); err != nil {
		t.Fatalf("docs/kubernetes.md's Role: %v", err)
	}
	if role.Kind != "Role" || len(role.Rules) == 0 {
		t.Fatalf("docs/kubernetes.md's RBAC block is a %s with %d rules, want a Role", role.Kind, len(role.Rules))
	}
	return &role
}

// runnerNamespace makes a namespace in which the harness's user e2e-runner (who may do
// nothing by himself) is bound to role, and removes it when the test ends.
func runnerNamespace(t *testing.T, e *env, role *rbacv1.Role) string {
	t.Helper()
	if os.Getenv("LOADTEST_TEST_K8S_RUNNER_KUBECONFIG") == "" {
		t.Skip("LOADTEST_TEST_K8S_RUNNER_KUBECONFIG is not set (test/k8s/cluster.sh up writes it)")
	}
	ctx := context.Background()
	ns := fmt.Sprintf("e2e-rbac-%d", time.Now().UnixNano()%1e7)
	if _, err := e.client.Interface.CoreV1().Namespaces().Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: ns}}, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		e.client.Interface.CoreV1().Namespaces().Delete(context.Background(), ns, metav1.DeleteOptions{})
	})
	cfg, err := clientcmd.BuildConfigFromFlags("", e.kubeconfig)
	if err != nil {
		t.Fatal(err)
	}
	rc, err := rbacv1client.NewForConfig(cfg)
	if err != nil {
		t.Fatal(err)
	}
	role = role.DeepCopy()
	role.Namespace = ns
	if _, err := rc.Roles(ns).Create(ctx, role, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	binding := &rbacv1.RoleBinding{
		ObjectMeta: metav1.ObjectMeta{Name: role.Name, Namespace: ns},
		RoleRef:    rbacv1.RoleRef{APIGroup: rbacv1.GroupName, Kind: "Role", Name: role.Name},
		Subjects:   []rbacv1.Subject{{APIGroup: rbacv1.GroupName, Kind: rbacv1.UserKind, Name: "e2e-runner"}},
	}
	if _, err := rc.RoleBindings(ns).Create(ctx, binding, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	return ns
}

// asRunner turns a cluster run's arguments into those of the user e2e-runner in ns.
func asRunner(r *clusterRun, ns string) {
	r.cmd.Args = append(r.cmd.Args, "--kubeconfig", os.Getenv("LOADTEST_TEST_K8S_RUNNER_KUBECONFIG"), "--namespace", ns)
}

// TestClusterRunWithTheDocumentedRole: a user bound only to the Role of docs/kubernetes.md
// in a namespace of his own runs a sharded run there (the apiserver enforces RBAC): it
// completes, and the in-cluster server counted exactly the merged requests.
func TestClusterRunWithTheDocumentedRole(t *testing.T) {
	e := cluster(t)
	ns := runnerNamespace(t, e, docsRole(t))
	url, count := inClusterServer(t, e)
	r := newClusterRun(t, e, url, "2", "--duration", "2s", "--rate", "20/s")
	asRunner(r, ns)
	r.start(t)
	if code := r.wait(t); code != 0 {
		t.Fatalf("exit code %d, want 0", code)
	}
	m := readMerged(t, r.out)
	if got := count(); m.Requests != 40 || got != m.Requests {
		t.Errorf("server counted %d echo requests, the merged result has %d; want 40", got, m.Requests)
	}
}

// TestClusterRunForbiddenVerb: with one verb taken out of the documented Role, cluster run
// fails with the documented error naming the verb and the resource, exit code 1, and
// deletes what it had created.
func TestClusterRunForbiddenVerb(t *testing.T) {
	e := cluster(t)
	tests := []struct {
		name, resource, verb string
		want                 string
	}{
		{"create jobs", "jobs", "create", `not allowed to create jobs.batch in namespace %s: a Role bound to you needs the verb "create" on "jobs.batch"`},
		{"get pods/log", "pods/log", "get", `not allowed to get pods/log in namespace %s: a Role bound to you needs the verb "get" on "pods/log"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			role := docsRole(t)
			removed := false
			var rules []rbacv1.PolicyRule
			for _, rule := range role.Rules {
				if len(rule.Resources) == 1 && rule.Resources[0] == tt.resource {
					var verbs []string
					for _, v := range rule.Verbs {
						if v != tt.verb {
							verbs = append(verbs, v)
						}
					}
					removed = len(verbs) < len(rule.Verbs)
					if rule.Verbs = verbs; len(verbs) == 0 {
						continue // a rule needs a verb
					}
				}
				rules = append(rules, rule)
			}
			role.Rules = rules
			if !removed {
				t.Fatalf("the documented Role has no rule of its own for %s with %s", tt.resource, tt.verb)
			}
			ns := runnerNamespace(t, e, role)
			r := newClusterRun(t, e, "http://swiper.default.svc:8080", "1", "--duration", "2s", "--rate", "5/s")
			asRunner(r, ns)
			r.start(t)
			if code := r.wait(t); code != 1 {
				t.Fatalf("exit code %d, want 1", code)
			}
			if want := fmt.Sprintf(tt.want, ns); !strings.Contains(r.stderr.String(), want) {
				t.Errorf("stderr does not say %q:\n%s", want, r.stderr.String())
			}
			ctx := context.Background()
			for i := 0; i < 60; i++ {
				cms, err := e.client.Interface.CoreV1().ConfigMaps(ns).List(ctx, metav1.ListOptions{LabelSelector: "app.kubernetes.io/instance=" + r.name})
				if err == nil && len(cms.Items) == 0 {
					return
				}
				time.Sleep(500 * time.Millisecond)
			}
			t.Errorf("the run's configmap is still in %s", ns)
		})
	}
}
