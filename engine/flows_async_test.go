package engine

import (
	"bufio"
	"context"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"regexp"
	"strconv"
	"testing"
	"time"

	"github.com/loadtestdev/loadtest/results"
	"github.com/loadtestdev/loadtest/scenarios"
	"github.com/loadtestdev/loadtest/server"
)

// asyncRoutes are the server's routes of the steps of the built-in swiper-async, by step.
var asyncRoutes = map[string]string{
	"vcode":   "POST /api/user/vcode",
	"login":   "POST /api/user/login",
	"prefs":   "PUT /api/user/profile",
	"submit":  "POST /api/tasks",
	"wait":    "GET /api/tasks/{id}",
	"page":    "GET /api/social/feed",
	"like":    "POST /api/social/like",
	"dislike": "POST /api/social/dislike",
}

// startAsyncServer starts the reference server in process on 127.0.0.1:0 (SQLite, --dev, 30
// seeded users so that the feed ends within the journey's 3 pages) with the given task tier.
func startAsyncServer(t *testing.T, workers int, taskTime time.Duration) string {
	t.Helper()
	srv, err := server.New(context.Background(), server.Options{DB: "sqlite://" + filepath.Join(t.TempDir(), "async.db"),
		Users: 30, Dev: true, Workers: workers, TaskTimes: server.TaskTimes{Default: taskTime}})
	if err != nil {
		t.Fatalf("server.New: %v", err)
	}
	t.Cleanup(func() { srv.Close() })
	ts := httptest.NewServer(srv.Handler())
	t.Cleanup(ts.Close)
	return ts.URL
}

// runAsyncJourney runs the built-in swiper-async against base: iterations at rate, for at
// most d.
func runAsyncJourney(t *testing.T, base string, rate float64, iterations uint64, d time.Duration) *results.Result {
	t.Helper()
	sc, err := scenarios.Load("swiper-async")
	if err != nil {
		t.Fatal(err)
	}
	fp, err := sc.FlowPlan(scenarios.PlanOptions{Target: base, Seed: 11})
	if err != nil {
		t.Fatal(err)
	}
	r, err := Run(context.Background(), Options{FlowPlan: fp, MaxSessions: 1000, Target: base, RatePerSec: rate,
		Duration: d, MaxRequests: iterations, Grace: 30 * time.Second, Seed: 11})
	if err != nil {
		t.Fatal(err)
	}
	checkFlowConsistent(t, r)
	if r.DroppedIterations != 0 || r.IterationsFailed != 0 || len(r.Errors) != 0 {
		t.Fatalf("got %d dropped and %d failed iterations, errors %+v; want every iteration run and passed",
			r.DroppedIterations, r.IterationsFailed, r.Errors)
	}
	return r
}

var requestsLine = regexp.MustCompile(`^loadtest_server_requests_total\{code="(\d+)",method="[A-Z]+",route="([^"]+)"\} (\d+)$`)

// serverRequests reads the server's own count of requests by route and status from /metrics.
func serverRequests(t *testing.T, base string) map[string]map[string]uint64 {
	t.Helper()
	resp, err := http.Get(base + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	out := map[string]map[string]uint64{}
	sc := bufio.NewScanner(resp.Body)
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		m := requestsLine.FindStringSubmatch(sc.Text())
		if m == nil {
			continue
		}
		n, err := strconv.ParseUint(m[3], 10, 64)
		if err != nil {
			t.Fatal(err)
		}
		if out[m[2]] == nil {
			out[m[2]] = map[string]uint64{}
		}
		out[m[2]][m[1]] += n
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

// atResolution is v (µs) as a completion histogram records it: the lowest value of v's bucket.
func atResolution(v int64) int64 {
	h := results.NewHistogram()
	if err := h.RecordValue(v); err != nil {
		panic(err)
	}
	return h.Min()
}

// TestSwiperAsyncAgainstTheReferenceServer runs the built-in swiper-async against the reference
// server with its default task tier (4 workers, 200ms a task): the result's requests per step
// equal the server's own counts (every poll attempt and every page included), every poll
// completes no sooner than the task time, and the when sends exactly one of like and dislike
// per page read.
func TestSwiperAsyncAgainstTheReferenceServer(t *testing.T) {
	t.Parallel()
	base := startAsyncServer(t, server.DefaultWorkers, server.DefaultTaskTime)
	const n = 12
	r := runAsyncJourney(t, base, 10, n, 30*time.Second)
	if r.Iterations != n || r.IterationsCompleted != n {
		t.Fatalf("got %d iterations, %d completed; want %d completed", r.Iterations, r.IterationsCompleted, n)
	}
	if r.Checks.Fails != 0 {
		t.Errorf("got checks %+v, want every check passed", r.Checks)
	}
	counted := serverRequests(t, base)
	var sum uint64
	for step, route := range asyncRoutes {
		got := requests(r, "async/"+step)
		sum += got
		var server uint64
		for _, c := range counted[route] {
			server += c
		}
		if got != server {
			t.Errorf("step %s: the result counts %d requests, the server %d of %s (%v)", step, got, server, route, counted[route])
		}
	}
	if sum != r.Requests {
		t.Errorf("the steps add up to %d requests, the result counts %d", sum, r.Requests)
	}
	if c := counted["POST /api/tasks"]["202"]; c != n {
		t.Errorf("the server accepted %d tasks, want one per iteration (%d)", c, n)
	}
	if done := metric(t, base, `loadtest_server_tasks_completed_total{kind="rcmd"}`); done != n {
		t.Errorf("the server's workers completed %v tasks, want every task polled to done (%d)", done, n)
	}

	f := r.Flows["async"]
	p := f.Polls["wait"]
	if p == nil {
		t.Fatalf("no poll figures for wait in %+v", f)
	}
	if p.Polls != n || p.Succeeded != n || p.Attempts != requests(r, "async/wait") || p.AttemptsMax < 2 {
		t.Errorf("got polls %+v, want %d polls succeeded, attempts = the wait requests (%d), more than one attempt for a 200ms task polled every 50ms",
			p, n, requests(r, "async/wait"))
	}
	h, err := results.DecodeHistogram(p.Histogram)
	if err != nil {
		t.Fatal(err)
	}
	taskTime := atResolution(server.DefaultTaskTime.Microseconds())
	if uint64(h.TotalCount()) != n || h.Min() < taskTime || p.CompletionMS.Min*1000 < float64(taskTime) {
		t.Errorf("completion histogram: %d values, min %dµs (completion_ms.min %v); want %d values, none below the task time %dµs",
			h.TotalCount(), h.Min(), p.CompletionMS.Min, n, taskTime)
	}

	pages, like, dislike := requests(r, "async/page"), requests(r, "async/like"), requests(r, "async/dislike")
	if like+dislike != pages || f.Skipped["like"] != dislike || f.Skipped["dislike"] != like || like == 0 || dislike == 0 {
		t.Errorf("got %d pages, %d likes (%d skipped), %d dislikes (%d skipped); want one swipe a page, each skipped when the other ran, both some",
			pages, like, f.Skipped["like"], dislike, f.Skipped["dislike"])
	}
	// 30 seeded users and at most 12 new ones are at most 41 others: 3 pages of 20, the last
	// with next_cursor "", so the while ended on the server's answer, never on its max
	if pages < 2*n || pages > 3*n || len(f.LoopsAtMax) != 0 {
		t.Errorf("got %d pages, loops at max %v; want 2 or 3 a journey, each ended by an empty next_cursor", pages, f.LoopsAtMax)
	}
}

// TestSwiperAsyncCompletionGrowsAboveCapacity runs the journey against 1 worker of 100ms a task
// (10 tasks/s) below its capacity (4/s) and above it (20/s for 2s): above, the queue grows, so
// the completion p99 is far larger, while the 202 of the submit does not grow comparably. Order
// relations with wide margins only: the machine is shared. A small rate keeps the polls (20 a
// second each) from saturating the two cores, which would slow the submits too.
func TestSwiperAsyncCompletionGrowsAboveCapacity(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the journey for about 8s")
	}
	t.Parallel()
	base := startAsyncServer(t, 1, 100*time.Millisecond)
	below := runAsyncJourney(t, base, 4, 12, 3*time.Second)
	above := runAsyncJourney(t, base, 20, 40, 2*time.Second)

	completion := func(r *results.Result) float64 { return r.Flows["async"].Polls["wait"].CompletionMS.P99 }
	submit := func(r *results.Result) float64 { return r.ByRequest["async/submit"].LatencyMS.P99 }
	cb, ca, sb, sa := completion(below), completion(above), submit(below), submit(above)
	t.Logf("below capacity: completion p99 %.1fms, submit p99 %.1fms; above: completion p99 %.1fms, submit p99 %.1fms", cb, sb, ca, sa)
	if p := above.Flows["async"].Polls["wait"]; p.Succeeded != 40 {
		t.Fatalf("above capacity: %+v, want 40 polls succeeded", p)
	}
	// 40 tasks in 2s to a worker that runs 10 a second: 20 are still queued at the end and the
	// last waits about 2s, so the p99 is about 2s against about 100-150ms below capacity (a run
	// that fell behind its rate would sit lower: the factor of 3 still holds for a queue of 3).
	if ca < 3*cb {
		t.Errorf("completion p99 above capacity %.1fms, below %.1fms: want it at least 3 times larger", ca, cb)
	}
	if ca-cb < 5*(sa-sb) {
		t.Errorf("completion p99 grew by %.1fms, submit p99 by %.1fms: want the completion's growth at least 5 times the submit's", ca-cb, sa-sb)
	}
}
