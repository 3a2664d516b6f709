package cli

import "github.com/loadtestdev/loadtest/cluster"

// freeLoopbackAddr picks a free port on 127.0.0.1 for a test's coordinator.
func freeLoopbackAddr() (string, error) { return cluster.FreeLoopbackAddr() }
