// Package bundled owns the bundled reference server's child process: a run with no target
// starts this binary's `server` on 127.0.0.1:0 as a child, waits until it listens and answers
// /healthz, and stops it when the run is over. The child also stops on its own when the run
// dies, however it dies: the kernel's parent-death signal (Linux, FreeBSD) and EOF on its
// stdin, the run's end of a pipe (the server's --stop-on-stdin-eof).
package bundled

import (
	"bufio"
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"strings"
	"time"

	"github.com/loadtestdev/loadtest/internal/childproc"
)

// FlagStopOnStdinEOF is the hidden flag of `loadtest server` with which a run starts its
// bundled server: the server shuts down when its stdin reaches end of file.
const FlagStopOnStdinEOF = "stop-on-stdin-eof"

// How long the bundled server may take to say where it listens and to answer /healthz, and
// to exit after SIGTERM before it is killed.
const (
	ListenTimeout = 30 * time.Second
	HealthTimeout = 10 * time.Second
	StopTimeout   = 10 * time.Second
)

// Options say how to start the bundled server.
type Options struct {
	// Exe is the loadtest binary to start (default os.Executable()).
	Exe string
	// Dev starts it with --dev (login codes in responses): a scenario of flows logs in as a
	// real client does.
	Dev bool
}

// Server is a started bundled server (this binary, `server --addr 127.0.0.1:0 --secret HEX`).
type Server struct {
	URL    string
	Secret []byte
	cmd    *exec.Cmd
	proc   *childproc.Process // once started
	stderr *childproc.TailBuffer
	// stdin is the run's end of the child's stdin: the child stops when it closes, which the
	// kernel does when the run dies (--stop-on-stdin-eof). Held here so that no finalizer
	// closes it early.
	stdin io.WriteCloser
}

// Start starts the child server and waits until /healthz answers 200. An interrupt (ctx
// done) while it starts stops it and returns an error wrapping ctx.Err().
func Start(ctx context.Context, o Options) (*Server, error) {
	exe := o.Exe
	if exe == "" {
		var err error
		if exe, err = os.Executable(); err != nil {
			return nil, fmt.Errorf("run: start the bundled server: %w", err)
		}
	}
	secretHex := RandomHex(32)
	s := &Server{Secret: []byte(secretHex), stderr: &childproc.TailBuffer{Max: 4096}}
	args := []string{"server", "--addr", "127.0.0.1:0", "--secret", secretHex, "--" + FlagStopOnStdinEOF}
	if o.Dev {
		args = append(args, "--dev")
	}
	s.cmd = exec.Command(exe, args...)
	s.cmd.Stderr = s.stderr
	var err error
	if s.stdin, err = s.cmd.StdinPipe(); err != nil {
		return nil, fmt.Errorf("run: start the bundled server: %w", err)
	}
	// the child's stdout is a pipe of our own, not StdoutPipe's: Wait closes that one as soon
	// as the child exits, which could lose a "listening on" line not read yet
	stdout, w, err := os.Pipe()
	if err != nil {
		return nil, fmt.Errorf("run: start the bundled server: %w", err)
	}
	s.cmd.Stdout = w
	// childproc.Start puts the child in its own process group (Ctrl-C reaches the run, which
	// stops the server once it has reported) with the parent-death signal
	s.proc, err = childproc.Start(s.cmd)
	w.Close() // the child holds its own copy
	if err != nil {
		stdout.Close()
		return nil, fmt.Errorf("run: start the bundled server: %w", err)
	}
	if err := s.waitListening(ctx, stdout); err != nil {
		_ = s.Stop(time.Second)
		return nil, err
	}
	if err := s.waitHealthy(ctx); err != nil {
		_ = s.Stop(time.Second)
		return nil, err
	}
	return s, nil
}

// PID is the child's process id (the server side the host sampling samples).
func (s *Server) PID() int { return s.proc.Cmd.Process.Pid }

// waitListening reads the child's stdout until "listening on URL", then keeps draining it.
func (s *Server) waitListening(ctx context.Context, stdout io.ReadCloser) error {
	found := make(chan string, 1)
	go func() {
		defer stdout.Close()
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			if u, ok := strings.CutPrefix(sc.Text(), "listening on "); ok && s.URL == "" {
				found <- strings.TrimSpace(u)
			}
		}
		close(found)
	}()
	timer := time.NewTimer(ListenTimeout)
	defer timer.Stop()
	var exited <-chan struct{} // watched once stdout closed without the line
	for {
		select {
		case u, ok := <-found:
			if ok {
				s.URL = strings.TrimRight(u, "/")
				return nil
			}
			found, exited = nil, s.proc.Exited()
		case <-exited:
			return s.failure("exited before listening")
		case <-timer.C:
			return s.failure(fmt.Sprintf("did not say where it listens within %s", ListenTimeout))
		case <-ctx.Done():
			return interruptedStarting(ctx)
		}
	}
}

// waitHealthy polls GET /healthz until it answers 200.
func (s *Server) waitHealthy(ctx context.Context) error {
	client := &http.Client{Timeout: time.Second}
	deadline := time.Now().Add(HealthTimeout)
	for {
		resp, err := client.Get(s.URL + "/healthz")
		if err == nil {
			_, _ = io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return nil
			}
		}
		select {
		case <-s.proc.Exited():
			return s.failure("exited before it was healthy")
		case <-ctx.Done():
			return interruptedStarting(ctx)
		case <-time.After(50 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			return s.failure(fmt.Sprintf("%s/healthz did not answer 200 within %s", s.URL, HealthTimeout))
		}
	}
}

// interruptedStarting says that Ctrl-C or SIGTERM came while the bundled server was starting
// (exit code 130: it wraps context.Canceled).
func interruptedStarting(ctx context.Context) error {
	return fmt.Errorf("run: interrupted while the bundled server was starting, before any load was sent: %w", ctx.Err())
}

func (s *Server) failure(what string) error {
	msg := fmt.Sprintf("run: the bundled server %s", what)
	if tail := strings.TrimSpace(s.stderr.String()); tail != "" {
		msg += ":\n" + tail
	}
	return errors.New(msg)
}

// Stop asks the server to shut down (SIGTERM) and waits up to timeout before killing it.
func (s *Server) Stop(timeout time.Duration) error {
	if s.proc.Stop(timeout) {
		return fmt.Errorf("run: the bundled server did not stop within %s after SIGTERM and was killed", timeout)
	}
	return nil
}

// RandomHex is n random bytes in hex: the bundled server's token secret, a cluster token.
func RandomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b) // crypto/rand.Read never fails on supported platforms
	return hex.EncodeToString(b)
}
