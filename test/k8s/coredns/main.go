//go:build ignore

// A CoreDNS with only the plugins the e2e cluster needs, built by test/k8s/cluster.sh in a
// module of its own (github.com/coredns/coredns from the Go module proxy), so that loadtest's
// go.mod does not carry CoreDNS: its kubernetes plugin watches the apiserver and answers the
// cluster's names (a headless Service's name and its pods' JOB-INDEX.SERVICE names resolve
// straight to pod IPs, so no kube-proxy is needed), bind puts it on the CNI bridge's gateway,
// ready tells the harness when the plugin has synced. The way CoreDNS documents to build with
// a chosen set of plugins: import them and call coremain.Run.
package main

import (
	"github.com/coredns/coredns/coremain"
	_ "github.com/coredns/coredns/plugin/bind"
	_ "github.com/coredns/coredns/plugin/errors"
	_ "github.com/coredns/coredns/plugin/kubernetes"
	_ "github.com/coredns/coredns/plugin/log"
	_ "github.com/coredns/coredns/plugin/ready"
)

func main() { coremain.Run() }
