//go:build linux || freebsd

package bundled

import "syscall"

// parentDeathSignal has the kernel send SIGTERM to the child when the run that started it dies,
// also by SIGKILL, when nothing of the run is left to stop it. The kernel sends it when the OS
// thread that forked the child exits, not the process (prctl(2) PR_SET_PDEATHSIG; golang/go
// issue 27505): Server.start forks from a goroutine locked to its thread for the child's life.
func parentDeathSignal(attr *syscall.SysProcAttr) { attr.Pdeathsig = syscall.SIGTERM }
