package server

import (
	"context"
	"os"
	"runtime"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/gomodule/redigo/redis"
)

// TestTasksUnderLoad submits tasks faster than the workers can run them (2 workers of 50ms
// each run 40 tasks/s; the test submits 120 at about 200/s, one every 5ms, over loopback):
// the queue grows, so each later block of 20 tasks waits longer than the first, while
// the 202's latency stays flat: its rise from the first block to the last is less than a
// tenth of the rise of the time from submit to done. Only order relations are asserted.
func TestTasksUnderLoad(t *testing.T) {
	const (
		workers  = 2
		taskTime = 50 * time.Millisecond
		n        = 120
		block    = 20
	)
	for _, b := range taskBackends(t) {
		t.Run(b.name, func(t *testing.T) {
			srv, ts := newTestServer(t, b, withTasks(workers, "50ms", n))
			tok := token(srv, 5)
			ids := make([]string, n)
			submitMS := make([]float64, n)
			maxQueue := 0
			tick := time.NewTicker(5 * time.Millisecond)
			defer tick.Stop()
			for i := range n {
				<-tick.C
				start := time.Now()
				ids[i] = submitTask(t, ts, tok, TaskRcmd).ID
				submitMS[i] = ms(time.Since(start))
				if q, err := srv.tasks.queue.Len(context.Background()); err == nil {
					maxQueue = max(maxQueue, q)
				}
			}
			if maxQueue <= workers {
				t.Errorf("longest queue seen: %d, want more than the %d workers (submits outpace them)", maxQueue, workers)
			}
			completionMS := make([]float64, n)
			for i, id := range ids {
				_, v := waitTask(t, ts, tok, id, TaskDone)
				if v.RunMS < ms(taskTime) {
					t.Errorf("task %s: run_ms %v, want at least %v", id, v.RunMS, ms(taskTime))
				}
				completionMS[i] = v.QueuedMS + v.RunMS
			}
			var submitMed, doneMed []float64
			for from := 0; from < n; from += block {
				submitMed = append(submitMed, median(submitMS[from:from+block]))
				doneMed = append(doneMed, median(completionMS[from:from+block]))
			}
			t.Logf("median submit latency by block of %d (ms): %.2f", block, submitMed)
			t.Logf("median submit-to-done by block of %d (ms): %.1f; longest queue %d", block, doneMed, maxQueue)
			// Each later block waits longer than the first, which found the queue empty. (Not
			// block by block: a stall of the submitting loop lets the workers catch up.)
			for i := 1; i < len(doneMed); i++ {
				if doneMed[i] <= doneMed[0] {
					t.Errorf("block %d's median completion %.1fms is not above the first block's %.1fms: later tasks must wait longer", i, doneMed[i], doneMed[0])
				}
			}
			doneRise := doneMed[len(doneMed)-1] - doneMed[0]
			if submitRise := submitMed[len(submitMed)-1] - submitMed[0]; submitRise >= doneRise/10 {
				t.Errorf("submit latency rose by %.2fms while completion rose by %.1fms: want the 202 flat (under a tenth)", submitRise, doneRise)
			}
		})
	}
}

// TestTasksSharedRedisQueue runs two servers on one Redis queue (same prefix and secret),
// one worker each, 300ms a task: two tasks submitted to the first server one after the other
// are run one by each server (the worker that took the first is busy for 300ms), and the
// second server answers for the first's tasks.
func TestTasksSharedRedisQueue(t *testing.T) {
	url := os.Getenv("LOADTEST_TEST_REDIS_URL")
	if url == "" {
		t.Skip("LOADTEST_TEST_REDIS_URL is not set")
	}
	b := backend{name: "sqlite+redis", cache: url}
	a, tsA := newTestServer(t, b, withTasks(1, "300ms", 10))
	shared := func(o *Options) { o.TablePrefix, o.Secret = a.opts.TablePrefix, a.secret }
	bSrv, tsB := newTestServer(t, b, withTasks(1, "300ms", 10), shared)
	tok := token(a, 9)
	first, second := submitTask(t, tsA, tok, TaskSMS), submitTask(t, tsA, tok, TaskAvatar)
	for _, id := range []string{first.ID, second.ID} {
		_, v := waitTask(t, tsB, tok, id, TaskDone)
		if v.RunMS < 300 {
			t.Errorf("task %s: run_ms %v, want at least 300", id, v.RunMS)
		}
	}
	var perServer []float64
	for _, srv := range []*Server{a, bSrv} {
		fams := scrape(t, srv)
		perServer = append(perServer, metricValue(fams, "loadtest_server_tasks_completed_total", TaskSMS)+
			metricValue(fams, "loadtest_server_tasks_completed_total", TaskAvatar))
	}
	if perServer[0] != 1 || perServer[1] != 1 {
		t.Errorf("tasks completed by each server: got %v, want [1 1]", perServer)
	}
}

// TestTasksShutdown closes a server while a worker runs a 5s task: Close returns before the
// task could have finished, no worker goroutine is left, and with Redis the task is back at
// the head of the shared queue, pending, where another server on that Redis runs it.
func TestTasksShutdown(t *testing.T) {
	for _, b := range taskBackends(t) {
		t.Run(b.name, func(t *testing.T) {
			srv, ts := newTestServer(t, b, withTasks(2, "5s", 10))
			tok := token(srv, 4)
			v := submitTask(t, ts, tok, TaskAvatar)
			waitTask(t, ts, tok, v.ID, TaskRunning)
			start := time.Now()
			if err := srv.Close(); err != nil {
				t.Fatalf("Close: %v", err)
			}
			if took := time.Since(start); took >= 5*time.Second {
				t.Errorf("Close took %v: it waited for the 5s task instead of stopping the worker", took)
			}
			if n := srv.tasks.busy.Load(); n != 0 {
				t.Errorf("busy workers after Close: %d, want 0", n)
			}
			buf := make([]byte, 1<<20)
			if stacks := string(buf[:runtime.Stack(buf, true)]); strings.Contains(stacks, "(*taskTier).work") {
				t.Errorf("a task worker outlived Close:\n%s", stacks)
			}
			if b.cache == "memory" {
				return
			}
			rc := redisConn(t, b.cache)
			prefix := "loadtest:" + srv.opts.TablePrefix
			if q, err := redis.Strings(rc.Do("LRANGE", prefix+"tasks:queue", 0, -1)); err != nil || !slices.Equal(q, []string{v.ID}) {
				t.Errorf("queue after Close: got %v (%v), want [%s]", q, err, v.ID)
			}
			if st, err := redis.String(rc.Do("HGET", prefix+"task:"+v.ID, "status")); err != nil || st != TaskPending {
				t.Errorf("status after Close: got %q (%v), want pending", st, err)
			}
			shared := func(o *Options) { o.TablePrefix, o.Secret = srv.opts.TablePrefix, srv.secret }
			_, ts2 := newTestServer(t, b, withTasks(1, "50ms", 10), shared)
			if _, done := waitTask(t, ts2, tok, v.ID, TaskDone); done.RunMS < 50 {
				t.Errorf("the requeued task on the second server: run_ms %v, want at least 50", done.RunMS)
			}
		})
	}
}

// redisConn is a connection of the test's own to the Redis at url.
func redisConn(t *testing.T, url string) redis.Conn {
	t.Helper()
	rc, err := redis.DialURL(url)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { rc.Close() })
	return rc
}
