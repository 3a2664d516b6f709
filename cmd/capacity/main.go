// Command capacity plans server counts from daily users and measured throughput.
package main

import (
	"os"

	"github.com/loadtestdev/loadtest/cli"
)

func main() { os.Exit(cli.CapacityMain()) }
