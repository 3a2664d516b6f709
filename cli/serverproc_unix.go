//go:build unix

package cli

import (
	"os"
	"os/exec"
	"syscall"
)

// detach puts the child in its own process group, so that a Ctrl-C on the terminal reaches
// only the run, which then stops the child itself after reporting; where the kernel can, it
// also asks for SIGTERM to the child when the run dies (parentDeathSignal).
func detach(cmd *exec.Cmd) {
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	parentDeathSignal(cmd.SysProcAttr)
}

// terminate asks p to shut down gracefully.
func terminate(p *os.Process) error { return p.Signal(syscall.SIGTERM) }
