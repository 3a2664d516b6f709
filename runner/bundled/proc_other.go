//go:build !unix

package bundled

import (
	"os"
	"os/exec"
)

// Detach does nothing where there are no process groups.
func Detach(*exec.Cmd) {}

// Terminate stops p; without Unix signals there is no graceful request to send.
func Terminate(p *os.Process) error { return p.Kill() }
