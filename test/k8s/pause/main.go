// Command pause is the pod sandbox ("pause") image of the test cluster: a static binary that
// blocks until SIGTERM or SIGINT. No image can be pulled on the test machines, so the
// harness builds this one (test/k8s/cluster.sh).
package main

import (
	"os"
	"os/signal"
	"syscall"
)

func main() {
	c := make(chan os.Signal, 1)
	signal.Notify(c, syscall.SIGTERM, syscall.SIGINT)
	<-c
}
