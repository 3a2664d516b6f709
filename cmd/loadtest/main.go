// Command loadtest load-tests HTTP services and plans their capacity.
package main

import (
	"os"

	// Root CAs compiled in, used when the system has none: the Kubernetes image of loadtest
	// (cluster image) is an empty base, and its shards must still reach https targets.
	_ "golang.org/x/crypto/x509roots/fallback"

	"github.com/loadtestdev/loadtest/cli"
)

func main() { os.Exit(cli.Main()) }
