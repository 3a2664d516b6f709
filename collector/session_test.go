package collector

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/loadtestdev/loadtest/results"
)

// sampleUntil runs a session until it holds at least n local samples (and n remote ones when
// it polls /stats), or a generous deadline passes, and finishes it: the test counts samples
// instead of sleeping a time it hopes is enough.
func sampleUntil(t *testing.T, o SessionOptions, n int, eng EngineFigures) HostReport {
	t.Helper()
	o.Interval = 50 * time.Millisecond
	s := StartSession(context.Background(), o)
	deadline := time.Now().Add(20 * time.Second)
	for time.Now().Before(deadline) {
		enough := len(s.local.Samples()) >= n
		if s.remote != nil && s.remote.Note() == "" {
			enough = enough && len(s.remote.Samples()) >= n
		}
		if enough {
			break
		}
		time.Sleep(10 * time.Millisecond)
	}
	return s.Finish(eng)
}

func TestSessionStartedServer(t *testing.T) {
	child := exec.Command("sleep", "30")
	if err := child.Start(); err != nil {
		t.Skipf("cannot start sleep: %v", err)
	}
	defer func() { _ = child.Process.Kill(); _ = child.Wait() }()
	rep := sampleUntil(t, SessionOptions{Target: "http://127.0.0.1:1", ServerPID: child.Process.Pid}, 3, EngineFigures{FDErrors: 3})
	if len(rep.Generator) < 3 || len(rep.Server) != len(rep.Generator) {
		t.Fatalf("got %d generator and %d server samples, want at least 3 of each", len(rep.Generator), len(rep.Server))
	}
	if !rep.ServerSameHost || rep.ServerOrigin != fmt.Sprintf("pid %d", child.Process.Pid) {
		t.Errorf("got server origin %q same host %v, want pid %d on the same host", rep.ServerOrigin, rep.ServerSameHost, child.Process.Pid)
	}
	for i := range rep.Generator {
		if p := rep.Generator[i].Processes; len(p) != 1 || p[0].Role != results.RoleGenerator {
			t.Errorf("generator sample %d: got processes %+v, want only the generator", i, p)
		}
		if p := rep.Server[i].Processes; len(p) != 1 || p[0].Role != results.RoleServer {
			t.Errorf("server sample %d: got processes %+v, want only the server", i, p)
		}
	}
	if !hasCode(rep.Warnings, WarnGeneratorFDs) {
		t.Errorf("got warnings %+v, want %s from the fd errors", rep.Warnings, WarnGeneratorFDs)
	}
}

func hasCode(ws []results.Warning, code string) bool {
	for _, w := range ws {
		if w.Code == code {
			return true
		}
	}
	return false
}

func TestSessionRemoteStats(t *testing.T) {
	ts := httptest.NewServer(StatsHandler(results.RoleServer))
	defer ts.Close()
	rep := sampleUntil(t, SessionOptions{Target: ts.URL}, 2, EngineFigures{})
	if len(rep.Server) < 2 || rep.ServerOrigin != ts.URL+"/stats" || !rep.ServerSameHost {
		t.Errorf("got %d server samples from %q (same host %v), want at least 2 from %s/stats on this host", len(rep.Server), rep.ServerOrigin, rep.ServerSameHost, ts.URL)
	}
	if rep.Note != "" {
		t.Errorf("got note %q, want none", rep.Note)
	}
}

func TestSessionTargetWithoutStats(t *testing.T) {
	ts := httptest.NewServer(http.NotFoundHandler())
	defer ts.Close()
	rep := sampleUntil(t, SessionOptions{Target: ts.URL}, 2, EngineFigures{})
	if len(rep.Generator) == 0 || rep.Server != nil {
		t.Fatalf("got %d generator samples and server %v, want only the generator side", len(rep.Generator), rep.Server)
	}
	if !strings.Contains(rep.Note, "404") {
		t.Errorf("got note %q, want one naming the 404", rep.Note)
	}
}

func TestSessionConnectionCap(t *testing.T) {
	// before, nothing set Assessment.ConnectionCap, so this rule could never fire
	tests := []struct {
		name string
		eng  EngineFigures
		want bool
		says string
	}{
		{"cap reached", EngineFigures{ConnectionCap: 4, PeakInFlight: 4}, true, "raise --connections"},
		{"below the cap", EngineFigures{ConnectionCap: 4, PeakInFlight: 3}, false, ""},
		{"sessions of flows", EngineFigures{ConnectionCap: 4, PeakInFlight: 4, Sessions: true}, true, "raise max_sessions"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rep := sampleUntil(t, SessionOptions{Target: "http://127.0.0.1:1"}, 1, tt.eng)
			if got := hasCode(rep.Warnings, WarnConnectionCap); got != tt.want {
				t.Errorf("%s fired %v, want %v (%+v)", WarnConnectionCap, got, tt.want, rep.Warnings)
			}
			for _, w := range rep.Warnings {
				if w.Code == WarnConnectionCap && !strings.Contains(w.Message, tt.says) {
					t.Errorf("got %q, want it to say %q", w.Message, tt.says)
				}
			}
		})
	}
}

func TestSessionStartUpHonoursCancel(t *testing.T) {
	// a /stats that never answers would hold the start-up for ReadyWait; a cancelled ctx must not wait
	hang := make(chan struct{})
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-hang:
		case <-r.Context().Done():
		}
	}))
	defer ts.Close()
	defer close(hang)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	done := make(chan *Session, 1)
	go func() {
		done <- StartSession(ctx, SessionOptions{Target: ts.URL, Interval: 50 * time.Millisecond, ReadyWait: time.Hour})
	}()
	select {
	case s := <-done:
		s.Finish(EngineFigures{})
	case <-time.After(30 * time.Second):
		t.Fatal("StartSession with a cancelled ctx waited for the first samples (ReadyWait 1h)")
	}
}

func TestLoopbackTarget(t *testing.T) {
	tests := []struct {
		target string
		want   bool
	}{
		{"http://127.0.0.1:8080", true},
		{"http://[::1]:8080/x", true},
		{"http://localhost:8080", true},
		{"http://0.0.0.0:8080", true},
		{"http://10.1.2.3:8080", false},
		{"https://api.example.com", false},
	}
	for _, tt := range tests {
		if got := LoopbackTarget(tt.target); got != tt.want {
			t.Errorf("LoopbackTarget(%q): got %v, want %v", tt.target, got, tt.want)
		}
	}
}
