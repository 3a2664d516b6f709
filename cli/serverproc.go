package cli

import (
	"bufio"
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"runtime"
	"strings"
	"sync"
	"time"

	"github.com/loadtestdev/loadtest/engine"
	"github.com/loadtestdev/loadtest/scenarios"
)

// How long the bundled server may take to say where it listens and to answer /healthz.
const (
	serverListenTimeout = 30 * time.Second
	serverHealthTimeout = 10 * time.Second
)

// bundledServer is the reference server a run starts as a child process (this binary,
// `server --addr 127.0.0.1:0 --secret HEX`) when it has no target.
type bundledServer struct {
	URL    string
	Secret []byte
	cmd    *exec.Cmd
	stderr *tailBuffer
	// stdin is the run's end of the child's stdin: the child stops when it closes, which the
	// kernel does when the run dies, however it dies (--stop-on-stdin-eof). Held here so that
	// no finalizer closes it early.
	stdin  io.WriteCloser
	exited chan struct{}
	err    error // the child's exit status, once exited is closed
}

// runTarget is where a run's or a probe's load goes once it is prepared: the scenario's own
// target, or the bundled server started for it (then stop stops it, and its pid is sampled as
// the server side).
type runTarget struct {
	secret    []byte
	serverPID int
	stop      func() error
}

// prepareTarget starts the bundled server when the scenario names no target, pointing the
// scenario at it and taking its token secret; otherwise it keeps the scenario's target and the
// --secret given.
func prepareTarget(ctx context.Context, sc *scenarios.Scenario, secret string, errOut io.Writer) (*runTarget, error) {
	t := &runTarget{secret: []byte(secret), stop: func() error { return nil }}
	if sc.Target != "" {
		return t, nil
	}
	// a scenario of flows logs in as a real client does: the server returns login codes (--dev)
	srv, err := startBundledServer(ctx, errOut, len(sc.Flows) > 0)
	if err != nil {
		return nil, err
	}
	sc.Target, t.secret, t.serverPID = srv.URL, srv.Secret, srv.cmd.Process.Pid
	t.stop = func() error { return srv.Stop(serverStopTimeout) }
	return t, nil
}

// startBundledServer starts the child server and waits until /healthz answers 200; dev starts
// it with --dev.
func startBundledServer(ctx context.Context, errOut io.Writer, dev bool) (*bundledServer, error) {
	exe, err := os.Executable()
	if err != nil {
		return nil, fmt.Errorf("run: start the bundled server: %w", err)
	}
	secretHex := randomHex(32)
	s := &bundledServer{Secret: []byte(secretHex), stderr: &tailBuffer{max: 4096}, exited: make(chan struct{})}
	args := []string{"server", "--addr", "127.0.0.1:0", "--secret", secretHex, "--" + flagStopOnStdinEOF}
	if dev {
		args = append(args, "--dev")
	}
	s.cmd = exec.Command(exe, args...)
	s.cmd.Stderr = s.stderr
	detach(s.cmd) // Ctrl-C reaches the run, which stops the server once it has reported
	if s.stdin, err = s.cmd.StdinPipe(); err != nil {
		return nil, fmt.Errorf("run: start the bundled server: %w", err)
	}
	stdout, err := s.cmd.StdoutPipe()
	if err != nil {
		return nil, fmt.Errorf("run: start the bundled server: %w", err)
	}
	if err := s.start(); err != nil {
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

// start starts the child and waits for it on one goroutine locked to its OS thread for the
// child's whole life: the parent-death signal (serverproc_pdeathsig.go) is sent when the thread
// that forked the child exits, and a thread is only ever ended by the runtime when a goroutine
// locked to it returns. This one returns only once the child has exited (moby and dagger do
// the same; golang/go#27505).
func (s *bundledServer) start() error {
	started := make(chan error, 1)
	go func() {
		runtime.LockOSThread() // never unlocked: the thread may end with this goroutine
		if err := s.cmd.Start(); err != nil {
			started <- err
			return
		}
		started <- nil
		s.err = s.cmd.Wait()
		close(s.exited)
	}()
	return <-started
}

// waitListening reads the child's stdout until "listening on URL", then keeps draining it.
func (s *bundledServer) waitListening(ctx context.Context, stdout io.Reader) error {
	found := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			if u, ok := strings.CutPrefix(sc.Text(), "listening on "); ok && s.URL == "" {
				found <- strings.TrimSpace(u)
			}
		}
		close(found)
	}()
	timer := time.NewTimer(serverListenTimeout)
	defer timer.Stop()
	select {
	case u, ok := <-found:
		if !ok {
			<-s.exited
			return s.failure("exited before listening")
		}
		s.URL = strings.TrimRight(u, "/")
		return nil
	case <-timer.C:
		return s.failure(fmt.Sprintf("did not say where it listens within %s", serverListenTimeout))
	case <-ctx.Done():
		return interruptedStarting(ctx)
	}
}

// waitHealthy polls GET /healthz until it answers 200.
func (s *bundledServer) waitHealthy(ctx context.Context) error {
	client := &http.Client{Timeout: time.Second}
	deadline := time.Now().Add(serverHealthTimeout)
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
		case <-s.exited:
			return s.failure("exited before it was healthy")
		case <-ctx.Done():
			return interruptedStarting(ctx)
		case <-time.After(50 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			return s.failure(fmt.Sprintf("%s/healthz did not answer 200 within %s", s.URL, serverHealthTimeout))
		}
	}
}

// interruptedStarting says that Ctrl-C or SIGTERM came while the bundled server was starting
// (exit code 130: it wraps context.Canceled).
func interruptedStarting(ctx context.Context) error {
	return fmt.Errorf("run: interrupted while the bundled server was starting, before any load was sent: %w", ctx.Err())
}

func (s *bundledServer) failure(what string) error {
	msg := fmt.Sprintf("run: the bundled server %s", what)
	if tail := strings.TrimSpace(s.stderr.String()); tail != "" {
		msg += ":\n" + tail
	}
	return errors.New(msg)
}

// Stop asks the server to shut down (SIGTERM) and waits up to timeout before killing it.
func (s *bundledServer) Stop(timeout time.Duration) error {
	select {
	case <-s.exited:
		return nil
	default:
	}
	if err := terminate(s.cmd.Process); err != nil {
		_ = s.cmd.Process.Kill()
	}
	select {
	case <-s.exited:
		return nil
	case <-time.After(timeout):
		_ = s.cmd.Process.Kill()
		<-s.exited
		return fmt.Errorf("run: the bundled server did not stop within %s after SIGTERM and was killed", timeout)
	}
}

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b) // crypto/rand.Read never fails on supported platforms
	return hex.EncodeToString(b)
}

// tailBuffer keeps the last max bytes written to it (the child's stderr, for error messages).
type tailBuffer struct {
	mu  sync.Mutex
	max int
	buf bytes.Buffer
}

func (t *tailBuffer) Write(p []byte) (int, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.buf.Write(p)
	if over := t.buf.Len() - t.max; over > 0 {
		t.buf.Next(over)
	}
	return len(p), nil
}

func (t *tailBuffer) String() string {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.buf.String()
}

// startRun is the preparation run, probe and run --debug share once their own inputs are
// checked: the --out path is checked, the target prepared (the bundled server started when
// the scenario names none) and the engine's options compiled. The caller stops the target
// (t.stop) when the run is over; on an error nothing is left running.
func startRun(ctx context.Context, sc *scenarios.Scenario, o *scenarioFlags, outFile string, errOut io.Writer) (*runTarget, engine.Options, error) {
	if err := checkOut(outFile); err != nil {
		return nil, engine.Options{}, err
	}
	t, err := prepareTarget(ctx, sc, o.Secret, errOut)
	if err != nil {
		return nil, engine.Options{}, err
	}
	eo, err := engineOptions(sc, o, t.secret)
	if err != nil {
		return nil, engine.Options{}, errors.Join(usageError(err), t.stop())
	}
	return t, eo, nil
}
