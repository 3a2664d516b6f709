package kube

import (
	"errors"
	"fmt"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/client-go/util/retry"
)

// apiError says what a failed API call means for the user and what to do: the verb and
// resource that were forbidden, a namespace that does not exist, a run of that name that
// exists already.
func apiError(verb, resource, name, ns string, err error) error {
	switch {
	case apierrors.IsForbidden(err):
		return fmt.Errorf("kube: not allowed to %s %s in namespace %s: a Role bound to you needs the verb %q on %q (docs/kubernetes.md, \"RBAC\"): %w",
			verb, resource, ns, verb, resource, err)
	case apierrors.IsNotFound(err) && verb == "create":
		return fmt.Errorf("kube: namespace %q does not exist: create it (kubectl create namespace %s) or pass --namespace: %w", ns, ns, err)
	case apierrors.IsAlreadyExists(err):
		return fmt.Errorf("kube: %s %s already exists in namespace %s (a run kept with --keep, or one still running): delete it with "+
			"kubectl delete job,service,configmap,secret -n %s -l %s=%s, or pass --name: %w", resource, name, ns, ns, LabelInstance, name, err)
	case apierrors.IsUnauthorized(err):
		return fmt.Errorf("kube: the cluster did not accept your credentials for %s %s (log in again, or check --kubeconfig and --context): %w", verb, resource, err)
	}
	return fmt.Errorf("kube: %s %s %s in namespace %s: %w", verb, resource, name, ns, err)
}

// retriable are the API errors worth another try: the server was busy or briefly failing.
func retriable(err error) bool {
	return apierrors.IsTooManyRequests(err) || apierrors.IsServerTimeout(err) || apierrors.IsTimeout(err) ||
		apierrors.IsInternalError(err) || apierrors.IsServiceUnavailable(err) || errors.Is(err, errTransient)
}

var errTransient = errors.New("kube: transient")

// backoff retries a call four times over about a second and a half.
var backoff = wait.Backoff{Steps: 5, Duration: 100 * time.Millisecond, Factor: 2, Jitter: 0.1}

// withRetry calls fn until it succeeds, fails with an error that is not retriable, or the
// backoff is spent.
func withRetry(fn func() error) error { return retry.OnError(backoff, retriable, fn) }
