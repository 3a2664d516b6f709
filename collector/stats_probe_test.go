package collector

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/loadtestdev/loadtest/results"
)

// pathLog is a test server's log: the requests per path and the User-Agents they carried.
type pathLog struct {
	mu     sync.Mutex
	paths  map[string]int
	agents map[string]int
}

func newPathLog() *pathLog { return &pathLog{paths: map[string]int{}, agents: map[string]int{}} }

func (l *pathLog) wrap(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		l.mu.Lock()
		l.paths[r.URL.Path]++
		l.agents[r.UserAgent()]++
		l.mu.Unlock()
		h.ServeHTTP(w, r)
	})
}

func (l *pathLog) count(path string) int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.paths[path]
}

func (l *pathLog) userAgents() map[string]int {
	l.mu.Lock()
	defer l.mu.Unlock()
	out := map[string]int{}
	for k, v := range l.agents {
		out[k] = v
	}
	return out
}

func TestStatsPollerProbesOnce(t *testing.T) {
	const agent = "loadtest/1.2.3"
	tests := []struct {
		name    string
		handler http.Handler
		// polled: the target serves snapshots, so it is asked more than once
		polled bool
		note   string
	}{
		{"bundled server", StatsHandler(results.RoleServer), true, ""},
		{"404", http.NotFoundHandler(), false, "404"},
		{"html page", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "text/html")
			_, _ = io.WriteString(w, "<html>stats</html>")
		}), false, "text/html"},
		{"other json", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "application/json")
			_, _ = io.WriteString(w, `{"time":"2026-01-01T00:00:00Z","users":3}`)
		}), false, "not a loadtest snapshot"},
		{"redirect to a login page", http.RedirectHandler("/login", http.StatusFound), false, "302"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			log := newPathLog()
			srv := httptest.NewServer(log.wrap(tt.handler))
			defer srv.Close()
			p := NewStatsPoller(nil, srv.URL+StatsPath, agent, 20*time.Millisecond)
			ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
			defer cancel()
			_ = p.Run(ctx)
			n := log.count(StatsPath)
			// a poll that the end of ctx cuts short reached the server but gives no sample
			if tt.polled && (len(p.Samples()) < 2 || n < len(p.Samples())) {
				t.Errorf("got %d requests and %d samples, want at least 2 samples, a request for each", n, len(p.Samples()))
			}
			if !tt.polled && (n != 1 || len(p.Samples()) != 0) {
				t.Errorf("got %d requests to %s and %d samples, want the one probe and none", n, StatsPath, len(p.Samples()))
			}
			if total := len(log.paths); total != 1 {
				t.Errorf("got requests to %v, want %s only (no redirect followed)", log.paths, StatsPath)
			}
			if ua := log.userAgents(); len(ua) != 1 || ua[agent] != n {
				t.Errorf("got User-Agents %v, want %q on all %d requests", ua, agent, n)
			}
			if tt.note == "" && p.Note() != "" || !strings.Contains(p.Note(), tt.note) {
				t.Errorf("got note %q, want one containing %q", p.Note(), tt.note)
			}
		})
	}
}

func TestSessionServerStatsOff(t *testing.T) {
	tests := []struct {
		name          string
		noServerStats bool
		wantPolled    bool
	}{
		{"default polls", false, true},
		{"off sends nothing", true, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			log := newPathLog()
			srv := httptest.NewServer(log.wrap(StatsHandler(results.RoleServer)))
			defer srv.Close()
			rep := sampleUntil(t, SessionOptions{Target: srv.URL, NoServerStats: tt.noServerStats, UserAgent: "loadtest/test"}, 2, EngineFigures{})
			n := log.count(StatsPath)
			if polled := n > 0; polled != tt.wantPolled {
				t.Errorf("got %d requests to %s (all %v), want polled %v", n, StatsPath, log.paths, tt.wantPolled)
			}
			if tt.wantPolled && log.userAgents()["loadtest/test"] != n {
				t.Errorf("got User-Agents %v, want loadtest/test on every request", log.userAgents())
			}
			if !tt.wantPolled && (rep.Server != nil || rep.Note != "" || len(log.paths) != 0) {
				t.Errorf("got server samples %v, note %q, requests %v; want none", rep.Server, rep.Note, log.paths)
			}
		})
	}
}
