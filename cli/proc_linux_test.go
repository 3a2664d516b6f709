//go:build linux

package cli

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// procStat is what the tests need of /proc/PID/stat: the parent's pid and the state.
type procStat struct {
	ppid  int
	state string
}

func readProcStat(pid int) (procStat, bool) {
	b, err := os.ReadFile(filepath.Join("/proc", strconv.Itoa(pid), "stat"))
	if err != nil {
		return procStat{}, false
	}
	// "pid (comm) state ppid ...": comm may hold spaces and parentheses, so cut after the last ')'.
	s := string(b)
	i := strings.LastIndexByte(s, ')')
	if i < 0 {
		return procStat{}, false
	}
	fields := strings.Fields(s[i+1:])
	if len(fields) < 2 {
		return procStat{}, false
	}
	ppid, err := strconv.Atoi(fields[1])
	if err != nil {
		return procStat{}, false
	}
	return procStat{ppid: ppid, state: fields[0]}, true
}

// waitChildPID returns the pid of the first child process of parent, polling /proc until one
// appears or timeout passes (then 0). A child found is killed at the end of the test if it is
// still there, so that a failing test leaves no server behind.
func waitChildPID(t *testing.T, parent int, timeout time.Duration) int {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for time.Now().Before(deadline) {
		entries, err := os.ReadDir("/proc")
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range entries {
			pid, err := strconv.Atoi(e.Name())
			if err != nil {
				continue
			}
			if st, ok := readProcStat(pid); ok && st.ppid == parent {
				t.Cleanup(func() {
					// still there and still a loadtest server (not a reused pid): stop it
					cmdline, _ := os.ReadFile(filepath.Join("/proc", strconv.Itoa(pid), "cmdline"))
					if st, ok := readProcStat(pid); ok && st.state != "Z" && strings.Contains(string(cmdline), "server") {
						_ = syscall.Kill(pid, syscall.SIGKILL)
					}
				})
				return pid
			}
		}
		time.Sleep(10 * time.Millisecond)
	}
	return 0
}

// waitGone reports whether process pid has exited (gone, or a zombie waiting for a reaper)
// within timeout.
func waitGone(pid int, timeout time.Duration) bool {
	deadline := time.Now().Add(timeout)
	for {
		st, ok := readProcStat(pid)
		if !ok || st.state == "Z" {
			return true
		}
		if time.Now().After(deadline) {
			return false
		}
		time.Sleep(20 * time.Millisecond)
	}
}
