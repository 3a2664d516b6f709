//go:build unix && !linux && !freebsd

package bundled

import "syscall"

// parentDeathSignal does nothing where the kernel has no parent-death signal; the child still
// stops when its stdin, the run's end of a pipe, closes (FlagStopOnStdinEOF).
func parentDeathSignal(*syscall.SysProcAttr) {}
