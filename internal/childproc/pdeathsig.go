//go:build linux || freebsd

package childproc

import "syscall"

// parentDeathSignal has the kernel send SIGTERM to the child when the process that started it
// dies, also by SIGKILL. The kernel sends it when the OS thread that forked the child exits,
// not the process (prctl(2) PR_SET_PDEATHSIG; golang/go#27505): Start forks from a goroutine
// locked to its thread for the child's life.
func parentDeathSignal(attr *syscall.SysProcAttr) { attr.Pdeathsig = syscall.SIGTERM }
