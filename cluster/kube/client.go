package kube

import (
	"errors"
	"fmt"
	"os"

	batchv1client "k8s.io/client-go/kubernetes/typed/batch/v1"
	corev1client "k8s.io/client-go/kubernetes/typed/core/v1"
	"k8s.io/client-go/tools/clientcmd"
)

// ErrNoKubeconfig says that no cluster was configured.
var ErrNoKubeconfig = errors.New("kube: no kubeconfig: give --kubeconfig FILE, set KUBECONFIG, or create ~/.kube/config (e.g. with your cloud's \"get-credentials\" command)")

// Interface is the part of a Kubernetes clientset a run uses: Jobs (batch/v1), and Pods, their
// logs, ConfigMaps, Secrets, Services and Events (core/v1). It is narrow on purpose: the full
// clientset (k8s.io/client-go/kubernetes) compiles every API group into the binary, about 200
// packages a run never calls. The fake clientset of the tests satisfies it too.
type Interface interface {
	BatchV1() batchv1client.BatchV1Interface
	CoreV1() corev1client.CoreV1Interface
}

// typedClients is the Interface of a real cluster: the two typed clients, on one config.
type typedClients struct {
	batch *batchv1client.BatchV1Client
	core  *corev1client.CoreV1Client
}

func (c typedClients) BatchV1() batchv1client.BatchV1Interface { return c.batch }
func (c typedClients) CoreV1() corev1client.CoreV1Interface    { return c.core }

// Client is the typed clients a run needs and the namespace of the kubeconfig's context.
type Client struct {
	Interface Interface
	Namespace string
	Host      string
}

// NewClient loads a kubeconfig the way kubectl does (path "" means $KUBECONFIG, then
// ~/.kube/config, then the in-cluster service account) with context ctxName ("" for the
// current one).
func NewClient(path, ctxName string) (*Client, error) {
	cc, err := clientConfig(path, ctxName)
	if err != nil {
		return nil, err
	}
	cfg, err := cc.ClientConfig()
	if err != nil {
		return nil, configError(path, ctxName, err)
	}
	var cs typedClients
	if cs.batch, err = batchv1client.NewForConfig(cfg); err != nil {
		return nil, fmt.Errorf("kube: %w", err)
	}
	if cs.core, err = corev1client.NewForConfig(cfg); err != nil {
		return nil, fmt.Errorf("kube: %w", err)
	}
	ns, _, err := cc.Namespace()
	if err != nil || ns == "" {
		ns = "default"
	}
	return &Client{Interface: cs, Namespace: ns, Host: cfg.Host}, nil
}

// ContextNamespace is the namespace of the kubeconfig's context, or "default" when there is
// no kubeconfig (a dry run needs no cluster).
func ContextNamespace(path, ctxName string) string {
	cc, err := clientConfig(path, ctxName)
	if err != nil {
		return "default"
	}
	if ns, _, err := cc.Namespace(); err == nil && ns != "" {
		return ns
	}
	return "default"
}

func clientConfig(path, ctxName string) (clientcmd.ClientConfig, error) {
	rules := clientcmd.NewDefaultClientConfigLoadingRules()
	if path != "" {
		if _, err := os.Stat(path); err != nil {
			return nil, fmt.Errorf("kube: --kubeconfig %s: %w", path, err)
		}
		rules.ExplicitPath = path
	}
	return clientcmd.NewNonInteractiveDeferredLoadingClientConfig(rules, &clientcmd.ConfigOverrides{CurrentContext: ctxName}), nil
}

func configError(path, ctxName string, err error) error {
	switch {
	case clientcmd.IsEmptyConfig(err):
		return ErrNoKubeconfig
	case ctxName != "" && clientcmd.IsContextNotFound(err):
		return fmt.Errorf("kube: --context %s: no such context in the kubeconfig (kubectl config get-contexts lists them): %w", ctxName, err)
	}
	where := path
	if where == "" {
		where = "the kubeconfig"
	}
	return fmt.Errorf("kube: %s: %w", where, err)
}
