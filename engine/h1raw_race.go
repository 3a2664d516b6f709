//go:build linux && race

package engine

import "syscall"

// rawRead and rawWrite are syscall.Read and syscall.Write under the race detector: these tell
// it that what one goroutine wrote to a socket happens before another reads it (a test's
// server state set before its requests), which raw system calls would hide, reporting races
// that are not.
func rawRead(fd uintptr, p []byte) (int, syscall.Errno) {
	n, err := syscall.Read(int(fd), p)
	return max(n, 0), errnoOf(err)
}

func rawWrite(fd uintptr, p []byte) (int, syscall.Errno) {
	n, err := syscall.Write(int(fd), p)
	return max(n, 0), errnoOf(err)
}

func errnoOf(err error) syscall.Errno {
	if err == nil {
		return 0
	}
	return err.(syscall.Errno)
}
