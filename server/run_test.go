package server

import (
	"bufio"
	"context"
	"io"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestRunStopsOnEOF runs a server process's life on 127.0.0.1:0: it says where it listens,
// serves, and returns cleanly once its stdin (a pipe here) reaches end of file.
func TestRunStopsOnEOF(t *testing.T) {
	stdinR, stdinW := io.Pipe()
	outR, outW := io.Pipe()
	done := make(chan error, 1)
	go func() {
		done <- Run(context.Background(), RunConfig{
			Options: Options{DB: "sqlite://" + filepath.Join(t.TempDir(), "s.db"), Users: 3, Log: io.Discard},
			Addr:    "127.0.0.1:0", Out: outW, StopOnEOF: stdinR,
		})
		outW.Close()
	}()
	line, err := bufio.NewReader(outR).ReadString('\n')
	if err != nil {
		t.Fatalf("no listening line: %v (Run: %v)", err, <-done)
	}
	base, ok := strings.CutPrefix(strings.TrimSpace(line), "listening on ")
	if !ok || !strings.HasPrefix(base, "http://127.0.0.1:") {
		t.Fatalf("got %q, want listening on http://127.0.0.1:PORT", line)
	}
	resp, err := http.Get(base + "/healthz")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("healthz: got %d, want 200", resp.StatusCode)
	}
	stdinW.Close()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("Run: got %v, want nil after stdin closed", err)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("Run did not return after its stdin closed")
	}
}

func TestRunListenError(t *testing.T) {
	err := Run(context.Background(), RunConfig{Options: Options{DB: "sqlite://" + filepath.Join(t.TempDir(), "s.db"), Log: io.Discard}, Addr: "127.0.0.1:-1"})
	if err == nil || !strings.Contains(err.Error(), "listen on 127.0.0.1:-1") {
		t.Fatalf("got %v, want a listen error naming the address", err)
	}
}
