package cli

import (
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/loadtestdev/loadtest/internal/testutil"
)

// fakeSignals is an injected signal source (IOStreams.SignalNotify/SignalStop/OSExit): the test
// sends on it instead of signalling a process, and records an exit instead of dying.
type fakeSignals struct {
	subscribed chan chan<- os.Signal
	exited     chan int
}

func newFakeSignals() *fakeSignals {
	return &fakeSignals{subscribed: make(chan chan<- os.Signal, 1), exited: make(chan int, 1)}
}

func (f *fakeSignals) streams(out, errOut io.Writer) *IOStreams {
	return &IOStreams{In: strings.NewReader(""), Out: out, ErrOut: errOut,
		SignalNotify: func(c chan<- os.Signal, _ ...os.Signal) { f.subscribed <- c },
		SignalStop:   func(chan<- os.Signal) {},
		OSExit:       func(code int) { f.exited <- code },
	}
}

// send delivers sig to the command's interrupt handler.
func (f *fakeSignals) send(t *testing.T, sigs ...os.Signal) {
	t.Helper()
	var c chan<- os.Signal
	select {
	case c = <-f.subscribed:
		f.subscribed <- c
	case <-time.After(10 * time.Second):
		t.Fatal("the command never subscribed to signals")
	}
	for _, s := range sigs {
		c <- s
	}
}

// syncBuffer is a buffer safe for concurrent writes and reads (shared with other packages' tests).
type syncBuffer = testutil.SyncBuffer

// stallingServer answers /a and /b only once release is closed, and reports the first request.
func stallingServer(t *testing.T) (srv *httptest.Server, first <-chan struct{}, release func()) {
	t.Helper()
	firstc, releasec := make(chan struct{}), make(chan struct{})
	var once, relOnce sync.Once
	srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/a" && r.URL.Path != "/b" {
			http.NotFound(w, r)
			return
		}
		once.Do(func() { close(firstc) })
		select {
		case <-releasec:
		case <-r.Context().Done():
		}
	}))
	release = func() { relOnce.Do(func() { close(releasec) }) }
	t.Cleanup(func() { release(); srv.Close() })
	return srv, firstc, release
}

// TestSecondInterruptExitsAtOnce: the first Ctrl-C stops sending and waits for the requests
// in flight; a second one, while they still hang, exits 130 at once with one line saying the
// result was not written, and the old --out file is intact at that moment.
func TestSecondInterruptExitsAtOnce(t *testing.T) {
	srv, first, release := stallingServer(t)
	out := filepath.Join(t.TempDir(), "base.json")
	const old = "baseline\n"
	if err := os.WriteFile(out, []byte(old), 0o644); err != nil {
		t.Fatal(err)
	}
	sigs := newFakeSignals()
	var stdout, stderr syncBuffer
	done := make(chan int, 1)
	go func() {
		done <- Execute(NewRootCmd(sigs.streams(&stdout, &stderr)), []string{"run", writeScenario(t, twoRequests),
			"--target", srv.URL, "--rate", "20/s", "--duration", "60s", "--out", out})
	}()
	select {
	case <-first:
	case <-time.After(30 * time.Second):
		t.Fatalf("no request reached the server; stderr %s", stderr.String())
	}
	sigs.send(t, os.Interrupt, os.Interrupt)
	select {
	case code := <-sigs.exited:
		if code != ExitInterrupted {
			t.Errorf("got exit code %d, want %d", code, ExitInterrupted)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("a second interrupt did not exit")
	}
	if b, _ := os.ReadFile(out); string(b) != old {
		t.Errorf("got %q in --out when the process exited, want the old file", b)
	}
	if lines := strings.Split(strings.TrimSpace(stderr.String()), "\n"); len(lines) != 1 || !strings.Contains(lines[0], "the result was not written") {
		t.Errorf("got stderr %q, want one line saying the result was not written", stderr.String())
	}
	// The real process is gone by now; here the command goes on once its requests return.
	release()
	select {
	case <-done:
	case <-time.After(60 * time.Second):
		t.Fatal("the run did not end after its requests were answered")
	}
}

// TestInterruptInProcess: one SIGINT from the injected source stops the run with 130 and the
// result of what was sent; no real signal and no subprocess.
func TestInterruptInProcess(t *testing.T) {
	srv, n := countingServer(t)
	out := filepath.Join(t.TempDir(), "r.json")
	sigs := newFakeSignals()
	var stdout, stderr syncBuffer
	done := make(chan int, 1)
	go func() {
		done <- Execute(NewRootCmd(sigs.streams(&stdout, &stderr)), []string{"run", writeScenario(t, twoRequests),
			"--target", srv.URL, "--rate", "50/s", "--duration", "60s", "--out", out})
	}()
	for deadline := time.Now().Add(30 * time.Second); n.Load() == 0; time.Sleep(10 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatal("no request reached the server")
		}
	}
	sigs.send(t, syscall.SIGTERM)
	var code int
	select {
	case code = <-done:
	case <-time.After(60 * time.Second):
		t.Fatal("the run did not stop after SIGTERM")
	}
	if code != ExitInterrupted {
		t.Errorf("got exit code %d, want %d; stderr %s", code, ExitInterrupted, stderr.String())
	}
	r := readResult(t, out)
	if !r.Interrupted || r.Requests == 0 || r.Requests != n.Load() {
		t.Errorf("interrupted %v, requests %d, server received %d; want interrupted and equal counts", r.Interrupted, r.Requests, n.Load())
	}
	if !strings.Contains(stdout.String(), "p99") {
		t.Errorf("no summary printed after the interrupt:\n%s", stdout.String())
	}
	select {
	case c := <-sigs.exited:
		t.Errorf("one signal exited the process with %d, want only the context cancelled", c)
	default:
	}
}

// TestServerStopsOnStdinEOF: the bundled server's hidden flag makes it shut down (exit 0) when
// its stdin closes, as it does when the run that holds the other end dies.
func TestServerStopsOnStdinEOF(t *testing.T) {
	stdinR, stdinW := io.Pipe()
	outR, outW := io.Pipe()
	var stderr syncBuffer
	ios := &IOStreams{In: stdinR, Out: outW, ErrOut: &stderr}
	db := "sqlite://" + filepath.Join(t.TempDir(), "s.db")
	done := make(chan int, 1)
	go func() {
		done <- Execute(NewRootCmd(ios), []string{"server", "--addr", "127.0.0.1:0", "--db", db, "--users", "10", "--" + flagStopOnStdinEOF})
		outW.Close()
	}()
	line := make(chan string, 1)
	go func() {
		b := make([]byte, 256)
		k, _ := outR.Read(b)
		line <- string(b[:k])
		_, _ = io.Copy(io.Discard, outR)
	}()
	select {
	case l := <-line:
		if !strings.HasPrefix(l, "listening on ") {
			t.Fatalf("got %q on stdout, want listening on URL; stderr %s", l, stderr.String())
		}
	case <-time.After(30 * time.Second):
		t.Fatalf("the server did not listen; stderr %s", stderr.String())
	}
	stdinW.Close()
	select {
	case code := <-done:
		if code != ExitOK {
			t.Errorf("got exit code %d, want 0; stderr %s", code, stderr.String())
		}
	case <-time.After(30 * time.Second):
		t.Fatal("the server still runs after its stdin closed")
	}
}

// errWriter fails every write with err.
type errWriter struct{ err error }

func (e errWriter) Write([]byte) (int, error) { return 0, e.err }

func TestPipeWriter(t *testing.T) {
	tests := []struct {
		name       string
		err        error
		wantErr    bool
		wantClosed bool
	}{
		{name: "broken pipe is dropped", err: &os.PathError{Op: "write", Path: "/dev/stdout", Err: syscall.EPIPE}, wantClosed: true},
		{name: "other errors pass", err: errors.New("disk full"), wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := &pipeWriter{w: errWriter{tt.err}}
			for range 2 {
				n, err := p.Write([]byte("summary"))
				if (err != nil) != tt.wantErr || !tt.wantErr && n != len("summary") {
					t.Errorf("got %d, %v, want error %v", n, err, tt.wantErr)
				}
			}
			if got := p.closed.Load(); got != tt.wantClosed {
				t.Errorf("got closed %v, want %v", got, tt.wantClosed)
			}
		})
	}
}
