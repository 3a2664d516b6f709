package engine

import (
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/loadtestdev/loadtest/results"
)

// controlServer answers the control-flow tests: /match alternates matched true and false,
// /feed pages a..c by cursor, /tasks hands out ids and /tasks/ID is pending until its
// doneAfter-th GET (never with doneAfter 0).
type controlServer struct {
	*countingServer
	paths     *pathCounter
	matches   atomic.Int64
	ids       atomic.Int64
	doneAfter int
	mu        sync.Mutex
	polled    map[string]int
}

func newControlServer(t *testing.T, doneAfter int) *controlServer {
	s := &controlServer{doneAfter: doneAfter, polled: map[string]int{}}
	s.countingServer, s.paths = newPathServer(t, s.serve)
	return s
}

func (s *controlServer) serve(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "application/json")
	switch p := r.URL.Path; {
	case p == "/match":
		fmt.Fprintf(w, `{"matched": %t}`, s.matches.Add(1)%2 == 0)
	case p == "/feed":
		next := map[string]string{"": "a", "a": "b", "b": ""}[r.URL.Query().Get("cursor")]
		fmt.Fprintf(w, `{"items": [1, 2], "next_cursor": %q}`, next)
	case p == "/tasks" && r.Method == http.MethodPost:
		w.WriteHeader(http.StatusAccepted)
		fmt.Fprintf(w, `{"id": "t%d", "status": "pending"}`, s.ids.Add(1))
	case strings.HasPrefix(p, "/flaky/"): // 503 with Retry-After twice, then 200
		s.mu.Lock()
		s.polled[p]++
		n := s.polled[p]
		s.mu.Unlock()
		if n < 3 {
			w.Header().Set("Retry-After", "1")
			w.WriteHeader(http.StatusServiceUnavailable)
		}
		_, _ = io.WriteString(w, `{}`)
	case strings.HasPrefix(p, "/tasks/"):
		id := strings.TrimPrefix(p, "/tasks/")
		s.mu.Lock()
		s.polled[id]++
		n := s.polled[id]
		s.mu.Unlock()
		state := "pending"
		if s.doneAfter > 0 && n >= s.doneAfter {
			state = "done"
		}
		fmt.Fprintf(w, `{"id": %q, "status": %q}`, id, state)
	default:
		_, _ = io.WriteString(w, `{}`)
	}
}

// requests is by_request[name].Requests, 0 when absent.
func requests(r *results.Result, name string) uint64 {
	if s := r.ByRequest[name]; s != nil {
		return s.Requests
	}
	return 0
}

func TestFlowControlConstructs(t *testing.T) {
	t.Parallel()
	const n = 8 // iterations
	for _, tt := range []struct {
		name, steps string
		doneAfter   int
		// want: requests by FLOW/STEP name, by server path, and the skipped counts
		byRequest map[string]uint64
		byPath    map[string]int
		skipped   map[string]uint64
		atMax     uint64
	}{
		{name: "when skips", steps: `
      - name: match
        path: /match
        extract: {matched: {json: $.matched}}
      - name: like
        path: /like
        when: 'matched == true'
      - name: after
        path: /after
        when: 'status == 200'`,
			byRequest: map[string]uint64{"f/match": n, "f/like": n / 2, "f/after": n},
			byPath:    map[string]int{"/match": n, "/like": n / 2, "/after": n},
			skipped:   map[string]uint64{"like": n / 2}},
		{name: "group when skips every step", steps: `
      - name: match
        path: /match
        extract: {matched: {json: $.matched}}
      - group: liked
        when: matched
        steps:
          - {name: a, path: /a}
          - {think: 1ms}
          - {name: b, path: /b}`,
			byRequest: map[string]uint64{"f/match": n, "f/a": n / 2, "f/b": n / 2},
			byPath:    map[string]int{"/a": n / 2, "/b": n / 2},
			skipped:   map[string]uint64{"a": n / 2, "b": n / 2}},
		{name: "repeat with index", steps: `
      - group: cart
        repeat: 3
        index: i
        steps:
          - name: add
            path: /cart/{{ i }}
          - {name: odd, path: /odd, when: 'i % 2 == 1'}`,
			byRequest: map[string]uint64{"f/add": 3 * n, "f/odd": n},
			byPath:    map[string]int{"/cart/0": n, "/cart/1": n, "/cart/2": n, "/odd": n},
			skipped:   map[string]uint64{"odd": 2 * n}},
		{name: "repeat 0", steps: `
      - {name: first, path: /first}
      - group: none
        repeat: 0
        steps: [{name: never, path: /never}]`,
			byRequest: map[string]uint64{"f/first": n, "f/never": 0},
			byPath:    map[string]int{"/never": 0}},
		{name: "nested repeats", steps: `
      - group: outer
        repeat: 2
        steps:
          - group: inner
            repeat: 3
            steps: [{name: x, path: /x}]`,
			byRequest: map[string]uint64{"f/x": 6 * n},
			byPath:    map[string]int{"/x": 6 * n}},
		{name: "while pages to the end", steps: `
      - group: feed
        while: 'cursor != ""'
        max: 10
        steps:
          - name: page
            path: /feed?cursor={{ cursor }}
            extract: {cursor: {json: $.next_cursor}}`,
			byRequest: map[string]uint64{"f/page": 3 * n},
			byPath:    map[string]int{"/feed": 3 * n}},
		{name: "while stops at max", steps: `
      - group: feed
        while: 'cursor != ""'
        max: 2
        steps:
          - name: page
            path: /feed?cursor={{ cursor }}
            extract: {cursor: {json: $.next_cursor}}`,
			byRequest: map[string]uint64{"f/page": 2 * n},
			byPath:    map[string]int{"/feed": 2 * n},
			atMax:     n},
		{name: "poll until done", doneAfter: 3, steps: `
      - name: submit
        method: POST
        path: /tasks
        check: [{status: 202}]
        extract: {task: {json: $.id}}
      - name: wait
        path: /tasks/{{ task }}
        extract: {state: {json: $.status}}
        poll: {interval: 5ms, timeout: 30s, until: 'state == "done"'}`,
			byRequest: map[string]uint64{"f/submit": n, "f/wait": 3 * n},
			byPath:    map[string]int{"/tasks": n}},
		{name: "poll through 503s", steps: `
      - name: submit
        method: POST
        path: /tasks
        extract: {task: {json: $.id}}
      - name: wait
        path: /flaky/{{ task }}
        check: [{status: [200, 503]}]
        poll: {interval: 5ms, timeout: 30s, until: 'status == 200'}`,
			byRequest: map[string]uint64{"f/submit": n, "f/wait": 3 * n},
			byPath:    map[string]int{"/tasks": n}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			s := newControlServer(t, tt.doneAfter)
			src := "flows:\n  - name: f\n    steps:" + tt.steps + "\n"
			r := runFlowYAML(t, src, s.URL, Options{RatePerSec: 100, Duration: 30 * time.Second, MaxRequests: n, MaxSessions: n}) // a session each: no start dropped
			if r.Iterations != n || r.IterationsCompleted != n {
				t.Fatalf("got %d iterations, %d completed (errors %+v), want %d completed", r.Iterations, r.IterationsCompleted, r.Errors, n)
			}
			for name, want := range tt.byRequest {
				if got := requests(r, name); got != want {
					t.Errorf("by_request[%s]: got %d requests, want %d", name, got, want)
				}
			}
			for path, want := range tt.byPath {
				if got := s.paths.count(path); got != want {
					t.Errorf("server got %s %d times, want %d", path, got, want)
				}
			}
			if got := uint64(s.count.Load()); got != r.Requests || r.Sent != r.Requests {
				t.Errorf("server saw %d requests, result %d requests %d sent; want all equal", got, r.Requests, r.Sent)
			}
			f := r.Flows["f"]
			var skipped uint64
			for step, want := range tt.skipped {
				skipped += want
				if got := f.Skipped[step]; got != want {
					t.Errorf("skipped[%s]: got %d, want %d", step, got, want)
				}
			}
			if r.Skipped != skipped || len(f.Skipped) != len(tt.skipped) {
				t.Errorf("got skipped %d %v, want %d %v", r.Skipped, f.Skipped, skipped, tt.skipped)
			}
			if got := f.LoopsAtMax["feed"]; got != tt.atMax {
				t.Errorf("loops_at_max[feed]: got %d, want %d", got, tt.atMax)
			}
		})
	}
}

func TestFlowPollCompletion(t *testing.T) {
	t.Parallel()
	const n, doneAfter = 6, 4
	s := newControlServer(t, doneAfter)
	src := `flows:
  - name: async
    steps:
      - name: submit
        method: POST
        path: /tasks
        extract: {task: {json: $.id}}
      - name: wait
        path: /tasks/{{ task }}
        extract: {state: {json: $.status}}
        poll: {interval: 300ms, timeout: 30s, until: 'state == "done"'}
`
	r := runFlowYAML(t, src, s.URL, Options{RatePerSec: 100, Duration: 30 * time.Second, MaxRequests: n, MaxSessions: n})
	p := r.Flows["async"].Polls["wait"]
	if p == nil {
		t.Fatalf("no poll figures for wait in %+v", r.Flows["async"])
	}
	want := results.PollStats{Polls: n, Succeeded: n, Attempts: n * doneAfter, AttemptsMax: doneAfter}
	if p.Polls != want.Polls || p.Succeeded != want.Succeeded || p.TimedOut != 0 || p.Failed != 0 || p.Attempts != want.Attempts || p.AttemptsMax != want.AttemptsMax {
		t.Errorf("got poll %+v, want %+v", *p, want)
	}
	if got := requests(r, "async/wait"); got != p.Attempts {
		t.Errorf("by_request async/wait: got %d requests, want the %d attempts", got, p.Attempts)
	}
	h, err := results.DecodeHistogram(p.Histogram)
	if err != nil || h.TotalCount() != n {
		t.Fatalf("completion histogram: %v values (%v), want %d", h.TotalCount(), err, n)
	}
	// three intervals lie between the first attempt and the fourth (the one that sees done),
	// so no completion is shorter
	if min := p.CompletionMS.Min; min < 3*300 {
		t.Errorf("completion min %.1fms, want at least the 3 intervals (900ms)", min)
	}
	// the intervals are in no attempt's latency: were they, three attempts in four would take
	// at least the 300ms interval, and so would the median
	if p50 := r.ByRequest["async/wait"].LatencyMS.P50; p50 >= 300 {
		t.Errorf("the attempts' median latency is %.1fms: the 300ms interval is counted in it", p50)
	}
}

func TestFlowPollTimesOut(t *testing.T) {
	t.Parallel()
	const n = 4
	s := newControlServer(t, 0) // never done
	src := `flows:
  - name: async
    steps:
      - name: submit
        method: POST
        path: /tasks
        extract: {task: {json: $.id}}
      - name: wait
        path: /tasks/{{ task }}
        extract: {state: {json: $.status}}
        poll: {interval: 10ms, timeout: 60ms, until: 'state == "done"'}
      - name: after
        path: /after
`
	r := runFlowYAML(t, src, s.URL, Options{RatePerSec: 100, Duration: 30 * time.Second, MaxRequests: n, MaxSessions: n}) // a session each: no start dropped
	p := r.Flows["async"].Polls["wait"]
	if p == nil || p.Polls != n || p.TimedOut != n || p.Succeeded != 0 || p.Histogram != "" {
		t.Fatalf("got poll %+v, want %d polls all timed out and no completion", p, n)
	}
	wait := r.ByRequest["async/wait"]
	if wait.Requests != p.Attempts || p.Attempts < n || (wait.Requests-wait.Successes) != n {
		t.Errorf("got wait %d requests %d failures, attempts %d; want the attempts (at least 1 a poll) and %d failures", wait.Requests, (wait.Requests - wait.Successes), p.Attempts, n)
	}
	if len(wait.Errors) != 1 || wait.Errors[0].Class != results.ErrorClassTimeout || !strings.Contains(wait.Errors[0].Message, "attempt(s)") ||
		!strings.Contains(wait.Errors[0].Message, `poll until "state == \"done\"" still false after`) {
		t.Errorf("got errors %+v, want class timeout saying how many attempts", wait.Errors)
	}
	if got := s.paths.count("/after"); got != 0 || r.IterationsFailed != n {
		t.Errorf("after a timed-out poll the server got /after %d times and %d iterations failed, want 0 and %d", got, r.IterationsFailed, n)
	}
	var polled int
	s.mu.Lock()
	for _, c := range s.polled {
		polled += c
	}
	s.mu.Unlock()
	if uint64(polled) != p.Attempts {
		t.Errorf("server was polled %d times, want the %d attempts", polled, p.Attempts)
	}
}

func TestFlowConditionErrorFailsTheIteration(t *testing.T) {
	t.Parallel()
	s := newControlServer(t, 0)
	src := `flows:
  - name: f
    steps:
      - name: match
        path: /match
        extract: {matched: {json: $.matched}}
      - name: big
        path: /big
        when: 'matched > 3'
      - group: g
        repeat: '{{ choice "x" }}'
        steps: [{name: never, path: /never}]
`
	r := runFlowYAML(t, src, s.URL, Options{RatePerSec: 100, Duration: 30 * time.Second, MaxRequests: 2, MaxSessions: 2})
	big := r.ByRequest["f/big"]
	if r.IterationsFailed != 2 || big == nil || (big.Requests-big.Successes) != 2 || s.paths.count("/big") != 0 {
		t.Fatalf("got %d failed iterations, big %+v, server /big %d; want 2, 2 failures not sent", r.IterationsFailed, big, s.paths.count("/big"))
	}
	if msg := big.Errors[0].Message; !strings.Contains(msg, `when: condition "matched > 3"`) {
		t.Errorf("got message %q, want the condition named", msg)
	}
	if got := strconv.FormatUint(r.Sent, 10); got != "2" {
		t.Errorf("sent %s, want 2 (only the match steps)", got)
	}
}

// TestFlowPollShardsMergeExactly runs a flow that polls in 3 shards and merges them (as the
// coordinator of a sharded run does): the merged polls, attempts, skips and completion
// histogram are the sums and the union of the shards', and the attempts are the server's polls.
func TestFlowPollShardsMergeExactly(t *testing.T) {
	t.Parallel()
	const src = `
name: shards
rate: 30/s
duration: 1s
max_sessions: 30
flows:
  - name: async
    steps:
      - name: submit
        method: POST
        path: /tasks
        extract: {task: {json: $.id}}
      - name: wait
        path: /tasks/{{ task }}
        extract: {state: {json: $.status}}
        poll: {interval: 5ms, timeout: 30s, until: 'state == "done"'}
      - name: odd
        path: /odd
        when: 'int(n) % 2 == 1'
variables:
  n: '{{ counter }}'
`
	s := newControlServer(t, 3)
	var shards []*results.Result
	union := results.NewHistogram()
	for i := range 3 {
		r := runFlowYAML(t, src, s.URL, Options{RatePerSec: 30, Duration: time.Second, Shard: Shard{Index: i, Count: 3}})
		shards = append(shards, r)
		h, err := results.DecodeHistogram(r.Flows["async"].Polls["wait"].Histogram)
		if err != nil {
			t.Fatal(err)
		}
		union.Merge(h)
	}
	m, err := results.Merge(shards...)
	if err != nil {
		t.Fatal(err)
	}
	p := m.Flows["async"].Polls["wait"]
	if p.Polls != 30 || p.Succeeded != 30 || p.Attempts != 90 || p.AttemptsMax != 3 {
		t.Errorf("merged poll %+v, want 30 polls all succeeded in 90 attempts (3 at most)", *p)
	}
	if got := requests(m, "async/wait"); got != p.Attempts {
		t.Errorf("merged by_request async/wait: %d, want the %d attempts", got, p.Attempts)
	}
	var polled int
	s.mu.Lock()
	for _, c := range s.polled {
		polled += c
	}
	s.mu.Unlock()
	if uint64(polled) != p.Attempts {
		t.Errorf("the server was polled %d times, the merged result counts %d attempts", polled, p.Attempts)
	}
	h, err := results.DecodeHistogram(p.Histogram)
	if err != nil {
		t.Fatal(err)
	}
	if !h.Equals(union) || p.CompletionMS != results.Summarize(union) {
		t.Errorf("merged completion %+v is not the union of the shards' %+v", p.CompletionMS, results.Summarize(union))
	}
	if m.Skipped != 15 || m.Flows["async"].Skipped["odd"] != 15 || requests(m, "async/odd") != 15 || s.paths.count("/odd") != 15 {
		t.Errorf("merged skipped %d (%v), odd sent %d (server %d); want 15 of each",
			m.Skipped, m.Flows["async"].Skipped, requests(m, "async/odd"), s.paths.count("/odd"))
	}
}
