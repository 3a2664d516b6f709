// Command loadtest load-tests HTTP services and plans their capacity.
package main

import (
	"os"

	"github.com/loadtestdev/loadtest/cli"
)

func main() {
	installFallbackRoots()
	os.Exit(cli.Main())
}
