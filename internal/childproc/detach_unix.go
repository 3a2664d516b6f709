//go:build unix

package childproc

import (
	"os"
	"os/exec"
	"syscall"
)

// Detach puts the child in its own process group, so that a Ctrl-C on the terminal reaches
// only its parent, which then stops the child itself; where the kernel can, it also asks for
// SIGTERM to the child when the parent dies (parentDeathSignal).
func Detach(cmd *exec.Cmd) {
	if cmd.SysProcAttr == nil {
		cmd.SysProcAttr = &syscall.SysProcAttr{}
	}
	cmd.SysProcAttr.Setpgid = true
	parentDeathSignal(cmd.SysProcAttr)
}

// Terminate asks p to shut down gracefully (SIGTERM).
func Terminate(p *os.Process) error { return p.Signal(syscall.SIGTERM) }
