//go:build unix && !linux && !freebsd

package childproc

import "syscall"

// parentDeathSignal does nothing where the kernel has no parent-death signal.
func parentDeathSignal(*syscall.SysProcAttr) {}
