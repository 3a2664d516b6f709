//go:build !unix

package cli

import (
	"os"
	"os/exec"
)

func detach(*exec.Cmd) {}

// terminate stops p; without Unix signals there is no graceful request to send.
func terminate(p *os.Process) error { return p.Kill() }
