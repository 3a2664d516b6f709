package server

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strconv"
	"strings"
	"testing"
	"time"

	dto "github.com/prometheus/client_model/go"
)

// taskBackends are the queue variants: memory and, with LOADTEST_TEST_REDIS_URL, Redis. The
// database does not take part in the tier.
func taskBackends(t *testing.T) []backend {
	var out []backend
	for _, b := range backends(t) {
		if b.db == "" {
			out = append(out, b)
		}
	}
	return out
}

// withTasks sets the tier's options.
func withTasks(workers int, times string, queueMax int) func(*Options) {
	return func(o *Options) {
		o.Workers, o.TaskQueueMax = workers, queueMax
		tt, err := ParseTaskTimes(times)
		if err != nil {
			panic(err)
		}
		o.TaskTimes = tt
	}
}

func submitTask(t *testing.T, ts *httptest.Server, tok, kind string) taskView {
	t.Helper()
	var v taskView
	mustJSON(t, ts, "POST", "/api/tasks", tok, map[string]string{"kind": kind}, http.StatusAccepted, &v)
	return v
}

func getTask(t *testing.T, ts *httptest.Server, tok, id string) taskView {
	t.Helper()
	var v taskView
	mustJSON(t, ts, "GET", "/api/tasks/"+id, tok, nil, http.StatusOK, &v)
	return v
}

// waitTask polls a task every 5ms until it has status, for at most 20s, and returns the
// statuses it saw in order (each once) and the last answer.
func waitTask(t *testing.T, ts *httptest.Server, tok, id, status string) ([]string, taskView) {
	t.Helper()
	var seen []string
	for deadline := time.Now().Add(20 * time.Second); time.Now().Before(deadline); time.Sleep(5 * time.Millisecond) {
		v := getTask(t, ts, tok, id)
		if len(seen) == 0 || seen[len(seen)-1] != v.Status {
			seen = append(seen, v.Status)
		}
		if v.Status == status {
			return seen, v
		}
	}
	t.Fatalf("task %s: never %s in 20s (saw %v)", id, status, seen)
	return nil, taskView{}
}

func TestTasks(t *testing.T) {
	for _, b := range taskBackends(t) {
		t.Run(b.name, func(t *testing.T) {
			t.Run("lifecycle", func(t *testing.T) { testTaskLifecycle(t, b) })
			t.Run("per kind times", func(t *testing.T) { testTaskKindTimes(t, b) })
			t.Run("bad input", func(t *testing.T) { testTaskBadInput(t, b) })
			t.Run("queue full", func(t *testing.T) { testTaskQueueFull(t, b) })
		})
	}
}

// testTaskLifecycle: one worker, 300ms a task. A runs at once; B waits for A, so a poll of B
// sees pending, running, done in that order; each answer is exact where it can be.
func testTaskLifecycle(t *testing.T, b backend) {
	const taskTime = 300 * time.Millisecond
	srv, ts := newTestServer(t, b, withTasks(1, "300ms", 10))
	tok := token(srv, 7)
	code, _ := call(t, ts, "GET", "/api/tasks/1", tok, nil)
	if code != http.StatusNotFound {
		t.Fatalf("GET a task before any: got %d, want 404", code)
	}
	req, _ := http.NewRequest("POST", ts.URL+"/api/tasks", strings.NewReader(`{"kind":"rcmd"}`))
	req.Header.Set("Authorization", "Bearer "+tok)
	resp, err := ts.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	var a taskView
	json.NewDecoder(resp.Body).Decode(&a)
	resp.Body.Close()
	if resp.StatusCode != 202 || a.ID == "" || a.Kind != "rcmd" || a.Status != TaskPending || string(a.Result) != "null" || a.QueuedMS != 0 || a.RunMS != 0 {
		t.Fatalf("submit: got %d %+v, want 202 with an id, kind rcmd, pending, null result, zero times", resp.StatusCode, a)
	}
	if loc := resp.Header.Get("Location"); loc != "/api/tasks/"+a.ID {
		t.Errorf("Location: got %q, want /api/tasks/%s", loc, a.ID)
	}
	bv := submitTask(t, ts, tok, TaskAvatar)
	if bv.ID == a.ID {
		t.Fatalf("two tasks with id %s", a.ID)
	}
	seen, done := waitTask(t, ts, tok, bv.ID, TaskDone)
	if seen[0] != bv.Status { // the 202 said pending: count it as the first answer
		seen = append([]string{bv.Status}, seen...)
	}
	if want := []string{TaskPending, TaskRunning, TaskDone}; fmt.Sprint(seen) != fmt.Sprint(want) {
		t.Errorf("statuses of the second task: got %v, want %v", seen, want)
	}
	_, av := waitTask(t, ts, tok, a.ID, TaskDone)
	if want := taskResult(TaskRcmd, 7, a.ID, testUsers); string(av.Result) != string(want) {
		t.Errorf("result of rcmd: got %s, want %s", av.Result, want)
	}
	if want := fmt.Sprintf(`{"height":256,"url":"/avatars/7/%s.jpg","width":256}`, bv.ID); string(done.Result) != want {
		t.Errorf("result of avatar: got %s, want %s", done.Result, want)
	}
	for _, v := range []taskView{av, done} {
		if v.RunMS < ms(taskTime) {
			t.Errorf("task %s: run_ms %v, want at least the task time %v", v.ID, v.RunMS, ms(taskTime))
		}
	}
	// B waited while A ran: longer than A, which one idle worker took at once.
	if done.QueuedMS <= av.QueuedMS || done.QueuedMS+done.RunMS < ms(taskTime) {
		t.Errorf("second task: queued %vms run %vms, want it to wait longer than the first (%vms)", done.QueuedMS, done.RunMS, av.QueuedMS)
	}
	if again := getTask(t, ts, tok, a.ID); !reflect.DeepEqual(again, av) {
		t.Errorf("a done task changed: got %+v, then %+v", av, again)
	}
	if code, body := call(t, ts, "GET", "/api/tasks/"+a.ID, token(srv, 8), nil); code != 404 || !strings.Contains(string(body), "not found") {
		t.Errorf("another user's task: got %d %s, want 404 not found", code, body)
	}
	fams := scrape(t, srv)
	for _, m := range []struct {
		name, kind string
		want       float64
	}{
		{"loadtest_server_tasks_submitted_total", TaskRcmd, 1},
		{"loadtest_server_tasks_submitted_total", TaskAvatar, 1},
		{"loadtest_server_tasks_submitted_total", TaskSMS, 0},
		{"loadtest_server_tasks_completed_total", TaskAvatar, 1},
		{"loadtest_server_tasks_completed_total", TaskRcmd, 1},
		{"loadtest_server_tasks_rejected_total", TaskRcmd, 0},
		{"loadtest_server_task_wait_seconds", TaskRcmd, 1}, // histograms: the count
		{"loadtest_server_task_run_seconds", TaskAvatar, 1},
		{"loadtest_server_task_run_seconds", TaskSMS, 0},
		{"loadtest_server_task_queue_length", "", 0},
		{"loadtest_server_task_workers_busy", "", 0},
		{"loadtest_server_task_workers", "", 1},
	} {
		if got := metricValue(fams, m.name, m.kind); got != m.want {
			t.Errorf("%s{kind=%q}: got %v, want %v", m.name, m.kind, got, m.want)
		}
	}
	if sum := metricSum(fams, "loadtest_server_task_run_seconds", TaskAvatar); sum < taskTime.Seconds() {
		t.Errorf("run seconds of avatar: got %v, want at least %v", sum, taskTime.Seconds())
	}
}

// metricValue is the value of a counter or gauge, or the count of a histogram, of the series
// with label kind (or none); -1 if there is no such series.
func metricValue(fams map[string]*dto.MetricFamily, name, kind string) float64 {
	for _, m := range fams[name].GetMetric() {
		if labelKind(m) != kind {
			continue
		}
		switch {
		case m.Counter != nil:
			return m.GetCounter().GetValue()
		case m.Gauge != nil:
			return m.GetGauge().GetValue()
		case m.Histogram != nil:
			return float64(m.GetHistogram().GetSampleCount())
		}
	}
	return -1
}

func metricSum(fams map[string]*dto.MetricFamily, name, kind string) float64 {
	for _, m := range fams[name].GetMetric() {
		if labelKind(m) == kind {
			return m.GetHistogram().GetSampleSum()
		}
	}
	return -1
}

func labelKind(m *dto.Metric) string {
	for _, l := range m.GetLabel() {
		if l.GetName() == "kind" {
			return l.GetValue()
		}
	}
	return ""
}

func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }

// testTaskKindTimes: with 100ms,avatar=400ms each kind runs its own time.
func testTaskKindTimes(t *testing.T, b backend) {
	srv, ts := newTestServer(t, b, withTasks(3, "100ms,avatar=400ms", 10))
	tok := token(srv, 3)
	ids := map[string]string{}
	for _, k := range TaskKinds {
		ids[k] = submitTask(t, ts, tok, k).ID
	}
	run := map[string]float64{}
	for _, k := range TaskKinds {
		_, v := waitTask(t, ts, tok, ids[k], TaskDone)
		run[k] = v.RunMS
		if want := ms(srv.tasks.times.Of(k)); v.RunMS < want {
			t.Errorf("%s: run_ms %v, want at least %v", k, v.RunMS, want)
		}
	}
	if run[TaskAvatar] <= run[TaskRcmd] || run[TaskAvatar] <= run[TaskSMS] {
		t.Errorf("run_ms %v: want avatar's (400ms) longer than rcmd's and sms's (100ms)", run)
	}
}

func testTaskBadInput(t *testing.T, b backend) {
	srv, ts := newTestServer(t, b, withTasks(1, "10ms", 10))
	tok := token(srv, 1)
	tests := []struct {
		name, method, path, tok string
		body                    any
		wantCode                int
		wantMsg                 string
	}{
		{"unknown kind", "POST", "/api/tasks", tok, `{"kind":"video"}`, 400, `kind: \"video\" is not a task kind: want one of avatar, rcmd, sms`},
		{"no kind", "POST", "/api/tasks", tok, `{}`, 400, "want one of avatar, rcmd, sms"},
		{"kind not a string", "POST", "/api/tasks", tok, `{"kind":1}`, 400, "kind"},
		{"unknown field", "POST", "/api/tasks", tok, `{"kind":"sms","priority":1}`, 400, "priority"},
		{"not an object", "POST", "/api/tasks", tok, `"sms"`, 400, `{\"kind\": \"avatar\"|\"rcmd\"|\"sms\"}`},
		{"no token", "POST", "/api/tasks", "", `{"kind":"sms"}`, 401, "bearer"},
		{"get no token", "GET", "/api/tasks/1", "", nil, 401, "bearer"},
		{"unknown id", "GET", "/api/tasks/999999", tok, nil, 404, `task \"999999\" not found`},
		{"garbage id", "GET", "/api/tasks/x'%20OR%201", tok, nil, 404, "not found"},
		{"wrong method", "DELETE", "/api/tasks/1", tok, nil, 405, "not allowed"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, body := call(t, ts, tt.method, tt.path, tt.tok, tt.body)
			if code != tt.wantCode || !strings.Contains(string(body), tt.wantMsg) {
				t.Errorf("got %d %s, want %d containing %s", code, body, tt.wantCode, tt.wantMsg)
			}
		})
	}
}

// testTaskQueueFull: one worker busy for 2s and a queue of 2: the third waiting task is
// refused with 503 and Retry-After 4 (2 tasks × 2s / 1 worker), and counted.
func testTaskQueueFull(t *testing.T, b backend) {
	srv, ts := newTestServer(t, b, withTasks(1, "2s", 2))
	tok := token(srv, 1)
	first := submitTask(t, ts, tok, TaskSMS)
	waitTask(t, ts, tok, first.ID, TaskRunning)
	submitTask(t, ts, tok, TaskSMS)
	submitTask(t, ts, tok, TaskRcmd)
	req, _ := http.NewRequest("POST", ts.URL+"/api/tasks", strings.NewReader(`{"kind":"avatar"}`))
	req.Header.Set("Authorization", "Bearer "+tok)
	resp, err := ts.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	var e apiError
	json.NewDecoder(resp.Body).Decode(&e)
	resp.Body.Close()
	if resp.StatusCode != 503 || resp.Header.Get("Retry-After") != "4" || e.Error != "task queue full: 2 tasks waiting, retry later" {
		t.Errorf("submit to a full queue: got %d Retry-After %q %q, want 503, Retry-After 4, task queue full",
			resp.StatusCode, resp.Header.Get("Retry-After"), e.Error)
	}
	fams := scrape(t, srv)
	for _, m := range []struct {
		name, kind string
		want       float64
	}{
		{"loadtest_server_tasks_rejected_total", TaskAvatar, 1},
		{"loadtest_server_tasks_rejected_total", TaskSMS, 0},
		{"loadtest_server_tasks_submitted_total", TaskSMS, 2},
		{"loadtest_server_tasks_submitted_total", TaskAvatar, 0},
		{"loadtest_server_task_queue_length", "", 2},
		{"loadtest_server_task_workers_busy", "", 1},
	} {
		if got := metricValue(fams, m.name, m.kind); got != m.want {
			t.Errorf("%s{kind=%q}: got %v, want %v", m.name, m.kind, got, m.want)
		}
	}
}

func TestTaskRetryAfter(t *testing.T) {
	for _, c := range []struct {
		workers, queueMax int
		times             string
		kind              string
		want              int
	}{
		{1, 2, "2s", TaskSMS, 4},
		{4, 1000, "200ms", TaskRcmd, 50},
		{3, 10, "100ms", TaskRcmd, 1}, // 0.33s rounds up to 1
		{3, 10, "100ms,avatar=1s", TaskAvatar, 4},
		{8, 1, "1ms", TaskSMS, 1},
	} {
		times, _ := ParseTaskTimes(c.times)
		tt := &taskTier{workers: c.workers, queueMax: c.queueMax, times: times}
		if got := tt.retryAfterSeconds(c.kind); got != c.want {
			t.Errorf("%d workers, queue %d, %s, %s: got %d, want %d", c.workers, c.queueMax, c.times, c.kind, got, c.want)
		}
	}
	if got := (&taskTier{queue: errQueue{}}).queueLength(); !math.IsNaN(got) {
		t.Errorf("queue length of an unreadable queue: got %v, want NaN", got)
	}
}

// errQueue is a taskQueue that cannot be read.
type errQueue struct{ taskQueue }

func (errQueue) Len(context.Context) (int, error) { return 0, errors.New("unreachable") }

// TestTaskResultsExpire: a done task is readable for the result TTL, then 404, on every queue.
// It finished after it was submitted, so its first 404 cannot come before submit + TTL.
func TestTaskResultsExpire(t *testing.T) {
	const ttl = 300 * time.Millisecond
	for _, b := range taskBackends(t) {
		t.Run(b.name, func(t *testing.T) {
			srv, ts := newTestServer(t, b, withTasks(1, "10ms", 10), func(o *Options) { o.TaskResultTTL = ttl })
			tok := token(srv, 2)
			submitted := time.Now()
			v := submitTask(t, ts, tok, TaskSMS)
			waitTask(t, ts, tok, v.ID, TaskDone)
			for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(20 * time.Millisecond) {
				code, body := call(t, ts, "GET", "/api/tasks/"+v.ID, tok, nil)
				if code == 404 {
					if gone := time.Since(submitted); gone < ttl {
						t.Errorf("task %s gone %v after its submit, before its result TTL %v", v.ID, gone, ttl)
					}
					break
				}
				if code != 200 || time.Now().After(deadline) {
					t.Fatalf("task %s: got %d %s, want 200 until the TTL passes, then 404", v.ID, code, body)
				}
			}
		})
	}
}

// TestMemoryTaskQueueBounds: the memory queue forgets done tasks past the TTL or beyond its
// count, oldest first, and keeps pending and running ones whatever their age.
func TestMemoryTaskQueueBounds(t *testing.T) {
	ctx := context.Background()
	q := newMemoryTaskQueue(10, time.Minute)
	q.keep = 3
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	var ids []string
	for i := range 6 {
		tk, err := q.Submit(ctx, TaskSMS, 1, t0)
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, tk.ID)
		if i < 5 { // the sixth stays pending
			tk, _ = q.Take(ctx, func() time.Time { return t0 })
			q.Finish(ctx, tk, json.RawMessage(`{}`), t0.Add(time.Duration(i)*time.Second))
		}
	}
	kept := func() []string {
		var out []string
		for _, id := range ids {
			if _, ok := q.tasks[id]; ok {
				out = append(out, id)
			}
		}
		return out
	}
	if got, want := fmt.Sprint(kept()), "[3 4 5 6]"; got != want {
		t.Errorf("after 5 done with keep 3: got %s, want %s (the 3 newest done and the pending one)", got, want)
	}
	q.expire(t0.Add(3*time.Second + time.Minute)) // tasks 3, 4, 5 finished at 2s, 3s, 4s: 3 and 4 are a minute old
	if got, want := fmt.Sprint(kept()), "[5 6]"; got != want {
		t.Errorf("a minute after: got %s, want %s", got, want)
	}
	if n, _ := q.Len(ctx); n != 1 {
		t.Errorf("pending: got %d, want 1", n)
	}
}

// TestServiceTime: fixed is the kind's time; exp draws are deterministic per seed and task id
// and follow the exponential distribution: over 20000 ids the mean is the kind's time (within
// 2.5%; the standard error is 0.7%) and P(X > mean) is e⁻¹ = 0.3679 (within 0.012, 3.5σ).
func TestServiceTime(t *testing.T) {
	times, _ := ParseTaskTimes("100ms,avatar=1s")
	fixed := &taskTier{times: times, dist: TaskTimeFixed}
	if got := fixed.serviceTime(task{ID: "3", Kind: TaskAvatar}); got != time.Second {
		t.Errorf("fixed avatar: got %v, want 1s", got)
	}
	exp := &taskTier{times: times, dist: TaskTimeExp, seed: 7}
	a, again := exp.serviceTime(task{ID: "42", Kind: TaskRcmd}), exp.serviceTime(task{ID: "42", Kind: TaskRcmd})
	other := (&taskTier{times: times, dist: TaskTimeExp, seed: 8}).serviceTime(task{ID: "42", Kind: TaskRcmd})
	if a != again || a == other || a == exp.serviceTime(task{ID: "43", Kind: TaskRcmd}) {
		t.Errorf("exp draws: got %v, %v for the same seed and id, %v for another seed: want equal, then different", a, again, other)
	}
	const n = 20000
	var sum float64
	above := 0
	for i := 1; i <= n; i++ {
		d := exp.serviceTime(task{ID: strconv.Itoa(i), Kind: TaskAvatar})
		if d < 0 || d > MaxTaskTime {
			t.Fatalf("draw %v out of [0, %v]", d, MaxTaskTime)
		}
		sum += d.Seconds()
		if d > time.Second {
			above++
		}
	}
	if mean := sum / n; math.Abs(mean-1) > 0.025 {
		t.Errorf("mean of %d exp draws of mean 1s: got %.4fs, want 1s ± 2.5%%", n, mean)
	}
	if p := float64(above) / n; math.Abs(p-math.Exp(-1)) > 0.012 {
		t.Errorf("P(X > mean): got %.4f, want e⁻¹ = %.4f ± 0.012", p, math.Exp(-1))
	}
}

// TestTasksExpTimes: with exponential times each task runs at least its own draw.
func TestTasksExpTimes(t *testing.T) {
	srv, ts := newTestServer(t, backend{name: "sqlite+memory", cache: "memory"}, withTasks(4, "100ms", 10),
		func(o *Options) { o.TaskTimeDist, o.Seed = TaskTimeExp, 3 })
	tok := token(srv, 6)
	seen := map[time.Duration]bool{}
	for range 4 {
		v := submitTask(t, ts, tok, TaskRcmd)
		_, done := waitTask(t, ts, tok, v.ID, TaskDone)
		want := srv.tasks.serviceTime(task{ID: v.ID, Kind: TaskRcmd})
		seen[want] = true
		if done.RunMS < ms(want) {
			t.Errorf("task %s: run_ms %v, want at least its draw %v", v.ID, done.RunMS, want)
		}
	}
	if len(seen) != 4 {
		t.Errorf("4 tasks drew %d distinct times, want 4", len(seen))
	}
}
