// Package childproc owns the child processes loadtest starts of itself (cluster local's
// shards; the bundled server can use it too): started in their own process group with a
// parent-death signal where the kernel has one, waited for on a goroutine locked to the
// forking thread, stopped gracefully then killed, with the tail of their stderr kept for error
// messages.
package childproc

import (
	"bytes"
	"os/exec"
	"runtime"
	"sync"
	"time"
)

// Process is a started child and its end.
type Process struct {
	Cmd    *exec.Cmd
	exited chan struct{}
	err    error
}

// Start detaches cmd (its own process group, a parent-death signal where there is one) and
// starts it, then waits for it on one goroutine locked to its OS thread for the child's whole
// life: the parent-death signal is sent when the thread that forked the child exits, and the
// runtime only ends a thread when a goroutine locked to it returns. This one returns only once
// the child has exited (moby and dagger do the same; golang/go#27505).
func Start(cmd *exec.Cmd) (*Process, error) {
	Detach(cmd)
	p := &Process{Cmd: cmd, exited: make(chan struct{})}
	started := make(chan error, 1)
	go func() {
		runtime.LockOSThread() // never unlocked: the thread may end with this goroutine
		if err := cmd.Start(); err != nil {
			started <- err
			return
		}
		started <- nil
		p.err = cmd.Wait()
		close(p.exited)
	}()
	if err := <-started; err != nil {
		return nil, err
	}
	return p, nil
}

// Exited is closed once the child has exited and been waited for.
func (p *Process) Exited() <-chan struct{} { return p.exited }

// Err is what waiting for the child returned; valid once Exited is closed.
func (p *Process) Err() error { return p.err }

// ExitCode is the child's exit code, -1 when a signal ended it; valid once Exited is closed.
func (p *Process) ExitCode() int { return p.Cmd.ProcessState.ExitCode() }

// Stop terminates the child if it still runs (SIGTERM where there are signals), waits up to
// timeout, then kills it; a timeout of 0 kills at once. It reports whether it had to kill.
func (p *Process) Stop(timeout time.Duration) (killed bool) {
	select {
	case <-p.exited:
		return false
	default:
	}
	if timeout > 0 {
		if err := Terminate(p.Cmd.Process); err == nil {
			select {
			case <-p.exited:
				return false
			case <-time.After(timeout):
			}
		}
	}
	_ = p.Cmd.Process.Kill()
	<-p.exited
	return true
}

// TailBuffer keeps the last Max bytes written to it (a child's stderr, for error messages).
// It is safe for concurrent use.
type TailBuffer struct {
	Max int
	mu  sync.Mutex
	buf bytes.Buffer
}

func (t *TailBuffer) Write(p []byte) (int, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.buf.Write(p)
	if over := t.buf.Len() - t.Max; over > 0 {
		t.buf.Next(over)
	}
	return len(p), nil
}

func (t *TailBuffer) String() string {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.buf.String()
}
