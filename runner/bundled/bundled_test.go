package bundled

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

func fakeServer(t *testing.T, url, script string) string {
	t.Helper()
	if _, err := os.Stat("/bin/sh"); err != nil {
		t.Skip("no /bin/sh")
	}
	p := filepath.Join(t.TempDir(), "loadtest")
	body := "#!/bin/sh\nURL=" + url + "\n" + script + "\n"
	if err := os.WriteFile(p, []byte(body), 0o755); err != nil {
		t.Fatal(err)
	}
	return p
}

// start is Start, retried while the kernel still counts the script just written as open for
// writing (ETXTBSY: a child forked elsewhere in this process while it was; golang/go#22315).
func start(ctx context.Context, o Options) (*Server, error) {
	for i := 0; ; i++ {
		s, err := Start(ctx, o)
		if !errors.Is(err, syscall.ETXTBSY) || i == 10 {
			return s, err
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func TestStartAndStop(t *testing.T) {
	health := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/healthz" {
			http.NotFound(w, r)
		}
	}))
	defer health.Close()
	exe := fakeServer(t, health.URL, `echo "listening on $URL/"; exec cat >/dev/null`)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	s, err := start(ctx, Options{Exe: exe})
	if err != nil {
		t.Fatal(err)
	}
	if s.URL != health.URL || len(s.Secret) != 64 || s.PID() <= 0 {
		t.Errorf("got URL %q, secret of %d bytes, pid %d; want %q, 64 hex digits, a pid", s.URL, len(s.Secret), s.PID(), health.URL)
	}
	if err := s.Stop(5 * time.Second); err != nil {
		t.Errorf("Stop: %v", err)
	}
	select {
	case <-s.proc.Exited():
	default:
		t.Error("the child still runs after Stop")
	}
}

func TestStartFailures(t *testing.T) {
	never := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusServiceUnavailable)
	}))
	defer never.Close()
	tests := []struct {
		name, script string
		cancel       bool
		want         string
	}{
		{"exits before listening", `echo "no such flag" >&2; exit 2`, false, "exited before listening:\nno such flag"},
		{"exits before healthy", `echo "listening on $URL"; echo "crashed" >&2; exit 1`, false, "exited before it was healthy:\ncrashed"},
		{"interrupted while starting", `exec cat`, true, "interrupted while the bundled server was starting"},
		{"interrupted with its stdout closed", `exec cat >/dev/null`, true, "interrupted while the bundled server was starting"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
			defer cancel()
			if tt.cancel {
				time.AfterFunc(100*time.Millisecond, cancel)
			}
			_, err := start(ctx, Options{Exe: fakeServer(t, never.URL, tt.script)})
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("got %v, want an error saying %q", err, tt.want)
			}
			if tt.cancel && !errors.Is(err, context.Canceled) {
				t.Errorf("got %v, want it to wrap context.Canceled (exit code 130)", err)
			}
		})
	}
}
