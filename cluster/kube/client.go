package kube

import (
	"errors"
	"fmt"
	"os"

	"k8s.io/client-go/tools/clientcmd"
)

// ErrNoKubeconfig says that no cluster was configured.
var ErrNoKubeconfig = errors.New("kube: no kubeconfig: give --kubeconfig FILE, set KUBECONFIG, or create ~/.kube/config (e.g. with your cloud's \"get-credentials\" command)")

// Client is the API a run needs (Interface) and the namespace of the kubeconfig's context.
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
	api, err := newRESTAPI(cfg)
	if err != nil {
		return nil, err
	}
	ns, _, err := cc.Namespace()
	if err != nil || ns == "" {
		ns = "default"
	}
	return &Client{Interface: api, Namespace: ns, Host: cfg.Host}, nil
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
