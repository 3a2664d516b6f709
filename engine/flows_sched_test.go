package engine

import (
	"context"
	"net/http"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/loadtestdev/loadtest/results"
)

// runFlowsUntil runs src against base with max_sessions n until n iterations have started and
// sent their first request, calls at, and stops the run: the grace cuts short the iterations
// still in progress.
func runFlowsUntil(t *testing.T, src, base string, n uint64, at func()) *results.Result {
	t.Helper()
	_, fp := flowPlanOf(t, src, base)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	o := Options{FlowPlan: fp, Target: base, RatePerSec: 500, Duration: time.Minute, MaxSessions: int(n), Grace: 100 * time.Millisecond,
		OnSecond: func(p Progress) error {
			if p.Iterations >= n && p.Requests >= n && ctx.Err() == nil {
				at()
				cancel()
			}
			return nil
		}}
	r, err := Run(ctx, o)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// sessionGoroutines counts the goroutines running a session's code.
func sessionGoroutines() int {
	buf := make([]byte, 1<<20)
	for {
		n := runtime.Stack(buf, true)
		if n < len(buf) {
			buf = buf[:n]
			break
		}
		buf = make([]byte, 2*len(buf))
	}
	count := 0
	for _, g := range strings.Split(string(buf), "\n\n") {
		if strings.Contains(g, "engine.(*session)") {
			count++
		}
	}
	return count
}

// TestFlowParkedSessionsHoldNoGoroutine: a session in a think time is a parked timer, not a
// goroutine, so hundreds of sessions thinking are run by far fewer goroutines.
func TestFlowParkedSessionsHoldNoGoroutine(t *testing.T) {
	cs, pc := newPathServer(t, func(w http.ResponseWriter, r *http.Request) {})
	src := "flows:\n  - name: long\n    steps: [{name: a, path: /a}, {think: 1m}, {name: b, path: /b}]\n"
	const sessions = 300
	running := 0
	r := runFlowsUntil(t, src, cs.URL, sessions, func() { running = sessionGoroutines() })
	if running >= sessions/2 {
		t.Errorf("%d goroutines run a session while %d sessions are in a think time, want far fewer than one each", running, sessions)
	}
	if r.Iterations != sessions || r.IterationsFailed != sessions || pc.count("/a") != sessions || pc.count("/b") != 0 {
		t.Errorf("got %d iterations, %d failed, /a %d, /b %d; want %d, each cut short in its think time after /a",
			r.Iterations, r.IterationsFailed, pc.count("/a"), pc.count("/b"), sessions)
	}
	checkFlowConsistent(t, r)
}

// TestFlowPollCutWhileParked: a poll parked between its attempts when the grace ends is
// counted as failed, with its attempts, and its iteration as cut short.
func TestFlowPollCutWhileParked(t *testing.T) {
	cs, pc := newPathServer(t, func(w http.ResponseWriter, r *http.Request) {})
	src := `flows:
  - name: f
    steps:
      - name: wait
        path: /wait
        poll: {interval: 30s, timeout: 1m, until: 'status == 201'}
`
	const sessions = 20
	r := runFlowsUntil(t, src, cs.URL, sessions, func() {})
	p := r.Flows["f"].Polls["wait"]
	if p == nil {
		t.Fatalf("polls %+v, want wait's", r.Flows["f"].Polls)
	}
	if p.Polls != sessions || p.Failed != sessions || p.Attempts != sessions || pc.count("/wait") != sessions {
		t.Errorf("got %d polls, %d failed, %d attempts, /wait %d; want %d of each (one attempt, then cut while parked)",
			p.Polls, p.Failed, p.Attempts, pc.count("/wait"), sessions)
	}
	if r.IterationsFailed != sessions {
		t.Errorf("got %d failed iterations, want %d", r.IterationsFailed, sessions)
	}
	checkFlowConsistent(t, r)
}
