package engine

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/loadtestdev/loadtest/scenarios"
	"github.com/loadtestdev/loadtest/server"
)

// swiperRecorder sits in front of the reference server and remembers, per session token, the
// users rcmd returned and the users swiped.
type swiperRecorder struct {
	next    http.Handler
	mu      sync.Mutex
	offered map[string]map[int64]bool
	swiped  map[string][]int64
}

func (s *swiperRecorder) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	token := r.Header.Get("Authorization")
	switch r.URL.Path {
	case "/api/social/like", "/api/social/dislike":
		body, _ := io.ReadAll(r.Body)
		var req struct{ SID int64 }
		_ = json.Unmarshal(body, &req)
		s.mu.Lock()
		s.swiped[token] = append(s.swiped[token], req.SID)
		s.mu.Unlock()
		r.Body = io.NopCloser(bytes.NewReader(body))
	case "/api/social/rcmd":
		rec := httptest.NewRecorder()
		s.next.ServeHTTP(rec, r)
		var resp struct{ Users []struct{ UID int64 } }
		_ = json.Unmarshal(rec.Body.Bytes(), &resp)
		s.mu.Lock()
		if s.offered[token] == nil {
			s.offered[token] = map[int64]bool{}
		}
		for _, u := range resp.Users {
			s.offered[token][u.UID] = true
		}
		s.mu.Unlock()
		for k, v := range rec.Header() {
			w.Header()[k] = v
		}
		w.WriteHeader(rec.Code)
		_, _ = w.Write(rec.Body.Bytes())
		return
	}
	s.next.ServeHTTP(w, r)
}

// TestSwiperFlowAgainstTheReferenceServer runs the built-in swiper-flow against the
// reference server on SQLite (--dev: vcode returns the code): every check passes, the server
// counts exactly one login per completed iteration, and every swipe goes to a user that rcmd
// returned to the same session.
func TestSwiperFlowAgainstTheReferenceServer(t *testing.T) {
	ctx := context.Background()
	srv, err := server.New(ctx, server.Options{DB: "sqlite://" + filepath.Join(t.TempDir(), "swiper.db"), Users: 300, Dev: true})
	if err != nil {
		t.Fatalf("server.New: %v", err)
	}
	defer srv.Close()
	rec := &swiperRecorder{next: srv.Handler(), offered: map[string]map[int64]bool{}, swiped: map[string][]int64{}}
	ts := httptest.NewServer(rec)
	defer ts.Close()

	sc, err := scenarios.Load("swiper-flow")
	if err != nil {
		t.Fatal(err)
	}
	fp, err := sc.FlowPlan(scenarios.PlanOptions{Target: ts.URL, Seed: 5})
	if err != nil {
		t.Fatal(err)
	}
	r, err := Run(ctx, Options{FlowPlan: fp, MaxSessions: sc.MaxSessions, Target: ts.URL, RatePerSec: 10, Duration: 30 * time.Second, MaxRequests: 15})
	if err != nil {
		t.Fatal(err)
	}
	checkFlowConsistent(t, r)
	if r.Iterations != 15 || r.IterationsCompleted != 15 {
		t.Errorf("got %d iterations, %d completed; want 15 completed", r.Iterations, r.IterationsCompleted)
	}
	if r.Checks.Fails != 0 || r.Checks.Passes == 0 {
		for _, c := range r.Flows["swipe"].Checks {
			if c.Fails > 0 {
				t.Logf("check %s/%s: %s", c.Step, c.Name, c.Sample)
			}
		}
		t.Errorf("got checks %+v, want every check passed", r.Checks)
	}
	if logins := metric(t, ts.URL, `loadtest_server_requests_total{code="200",method="POST",route="POST /api/user/login"}`); logins != float64(r.IterationsCompleted) {
		t.Errorf("the server counted %v logins, want one per completed iteration (%d)", logins, r.IterationsCompleted)
	}
	rec.mu.Lock()
	defer rec.mu.Unlock()
	swipes := 0
	for token, sids := range rec.swiped {
		for _, sid := range sids {
			swipes++
			if !rec.offered[token][sid] {
				t.Errorf("session swiped user %d, which rcmd did not return to it (%d offered)", sid, len(rec.offered[token]))
			}
		}
	}
	if swipes != 15 || len(rec.swiped) != 15 {
		t.Errorf("got %d swipes by %d sessions, want one per iteration (15), each its own login", swipes, len(rec.swiped))
	}
}

// metric reads one sample of the server's /metrics.
func metric(t *testing.T, base, series string) float64 {
	t.Helper()
	resp, err := http.Get(base + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	sc := bufio.NewScanner(resp.Body)
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), series+" "); ok {
			f, err := strconv.ParseFloat(v, 64)
			if err != nil {
				t.Fatal(err)
			}
			return f
		}
	}
	t.Fatalf("no %s in /metrics", series)
	return 0
}
