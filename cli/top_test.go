package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/loadtestdev/loadtest/collector"
	"github.com/loadtestdev/loadtest/results"
	"github.com/loadtestdev/loadtest/server"
)

// runTopTest runs `loadtest top args...` with ctx and returns its output and exit code.
func runTopTest(t *testing.T, ctx context.Context, args ...string) (stdout, stderr string, code int) {
	t.Helper()
	var out, errOut bytes.Buffer
	root := NewRootCmd(&IOStreams{In: strings.NewReader(""), Out: &out, ErrOut: &errOut})
	root.SetArgs(append([]string{"top"}, args...))
	err := root.ExecuteContext(ctx)
	if err != nil {
		errOut.WriteString("error: " + err.Error())
	}
	return out.String(), errOut.String(), exitCode(err)
}

// wantTopScreen fails the test unless out holds n screens in top's shape.
func wantTopScreen(t *testing.T, out string, n int) {
	t.Helper()
	for _, line := range []string{"top - ", "load average: ", "%Cpu(s):", "%Cpu0  :", "MiB Mem :"} {
		if got := strings.Count(out, line); got != n {
			t.Errorf("got %d lines with %q, want %d:\n%s", got, line, n, out)
		}
	}
}

func TestTopThisHost(t *testing.T) {
	out, errOut, code := runTopTest(t, context.Background(), "--interval", "100ms")
	if code != ExitOK {
		t.Fatalf("got exit code %d, want 0: %s", code, errOut)
	}
	wantTopScreen(t, out, 1)
}

func TestTopTargetReferenceServer(t *testing.T) {
	ctx := context.Background()
	srv, err := server.New(ctx, server.Options{DB: "sqlite://" + filepath.Join(t.TempDir(), "top.db"), Users: 1})
	if err != nil {
		t.Fatalf("server.New: %v", err)
	}
	defer srv.Close()
	ts := httptest.NewServer(srv.Handler())
	defer ts.Close()

	out, errOut, code := runTopTest(t, ctx, "--target", ts.URL)
	if code != ExitOK {
		t.Fatalf("got exit code %d, want 0: %s", code, errOut)
	}
	wantTopScreen(t, out, 1)
	if !strings.Contains(out, " server ") || !strings.Contains(out, "GOROUTINES") {
		t.Errorf("got no server process line, want the reference server's own process:\n%s", out)
	}

	out, errOut, code = runTopTest(t, ctx, "--target", ts.URL, "--json")
	if code != ExitOK {
		t.Fatalf("--json: got exit code %d, want 0: %s", code, errOut)
	}
	var snap results.Snapshot
	if err := json.Unmarshal([]byte(out), &snap); err != nil || snap.NumCPU <= 0 || len(snap.Processes) != 1 || snap.Processes[0].Goroutines <= 0 {
		t.Errorf("--json: got %q (%v), want a snapshot with the server process and its goroutines", out, err)
	}
}

func TestTopWatchCountsScreens(t *testing.T) {
	ts := httptest.NewServer(collector.StatsHandler(results.RoleServer))
	defer ts.Close()
	out, errOut, code := runTopTest(t, context.Background(), "--target", ts.URL, "--watch", "--iterations", "3", "--interval", "50ms")
	if code != ExitOK {
		t.Fatalf("got exit code %d, want 0: %s", code, errOut)
	}
	wantTopScreen(t, out, 3)
}

func TestTopWatchStopsOnInterrupt(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 400*time.Millisecond)
	defer cancel()
	start := time.Now()
	out, errOut, code := runTopTest(t, ctx, "--watch", "--interval", "100ms")
	if code != ExitOK {
		t.Fatalf("got exit code %d, want 0 (Ctrl-C is how --watch ends): %s", code, errOut)
	}
	if took := time.Since(start); took > 3*time.Second {
		t.Errorf("top --watch ran %v after its context ended at 400ms, want it to stop promptly", took)
	}
	if n := strings.Count(out, "top - "); n < 2 {
		t.Errorf("got %d screens in 400ms at 100ms intervals, want at least 2:\n%s", n, out)
	}
}

func TestTopErrors(t *testing.T) {
	noStats := httptest.NewServer(http.NotFoundHandler())
	defer noStats.Close()
	tests := []struct {
		name     string
		args     []string
		wantCode int
		wantErr  string
	}{
		{"target without /stats", []string{"--target", noStats.URL}, ExitFailure, "does not serve /stats"},
		{"target not a URL", []string{"--target", "localhost:8080"}, ExitUsage, "--target"},
		{"zero interval", []string{"--interval", "0s"}, ExitUsage, "--interval must be positive"},
		{"negative iterations", []string{"-n", "-1"}, ExitUsage, "--iterations"},
		{"pid with target", []string{"--target", noStats.URL, "--pid", "1"}, ExitUsage, "--pid"},
		{"unknown flag", []string{"--bogus"}, ExitUsage, "unknown flag"},
		{"argument", []string{"extra"}, ExitUsage, "unknown command"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, errOut, code := runTopTest(t, context.Background(), tt.args...)
			if code != tt.wantCode || !strings.Contains(errOut, tt.wantErr) {
				t.Errorf("got exit code %d and %q, want %d and an error containing %q", code, errOut, tt.wantCode, tt.wantErr)
			}
		})
	}
}
