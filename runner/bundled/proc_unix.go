//go:build unix

package bundled

import (
	"os"
	"os/exec"
	"syscall"
)

// Detach puts the child in its own process group, so that a Ctrl-C on the terminal reaches
// only the run, which then stops the child itself after reporting; where the kernel can, it
// also asks for SIGTERM to the child when the run dies (parentDeathSignal).
func Detach(cmd *exec.Cmd) {
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	parentDeathSignal(cmd.SysProcAttr)
}

// Terminate asks p to shut down gracefully.
func Terminate(p *os.Process) error { return p.Signal(syscall.SIGTERM) }
