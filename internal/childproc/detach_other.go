//go:build !unix

package childproc

import (
	"os"
	"os/exec"
)

// Detach does nothing without Unix process groups.
func Detach(*exec.Cmd) {}

// Terminate stops p; without Unix signals there is no graceful request to send.
func Terminate(p *os.Process) error { return p.Kill() }
