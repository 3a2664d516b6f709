package server

import (
	"context"
	"math"
	"math/rand/v2"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// taskTier is the asynchronous tier: the queue, its workers and its metrics. Its workers run
// from New until Close; Close cancels them and waits for every one to return.
type taskTier struct {
	queue    taskQueue
	times    TaskTimes
	dist     string
	seed     uint64
	workers  int
	queueMax int
	users    int
	metrics  *taskMetrics
	busy     atomic.Int64
	cancel   context.CancelFunc
	wg       sync.WaitGroup
}

// taskMetrics are the tier's Prometheus collectors.
type taskMetrics struct {
	submitted, rejected, completed *prometheus.CounterVec
	wait, run                      *prometheus.HistogramVec
}

func newTaskTier(reg *prometheus.Registry, q taskQueue, o Options) *taskTier {
	tt := &taskTier{queue: q, times: o.TaskTimes, dist: o.TaskTimeDist, seed: o.Seed, workers: o.Workers, queueMax: o.TaskQueueMax, users: o.Users}
	buckets := prometheus.ExponentialBuckets(0.001, 2, 20) // 1ms .. 524s
	tt.metrics = &taskMetrics{
		submitted: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "loadtest_server_tasks_submitted_total", Help: "Tasks accepted by POST /api/tasks (202), by kind.",
		}, []string{"kind"}),
		rejected: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "loadtest_server_tasks_rejected_total", Help: "Tasks refused with 503 because the task queue was full, by kind.",
		}, []string{"kind"}),
		completed: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "loadtest_server_tasks_completed_total", Help: "Tasks this server's workers finished, by kind.",
		}, []string{"kind"}),
		wait: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "loadtest_server_task_wait_seconds", Help: "Time a task waited in the queue, from submit to a worker taking it, by kind.",
			Buckets: buckets,
		}, []string{"kind"}),
		run: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "loadtest_server_task_run_seconds", Help: "Time a worker spent on a task, by kind.",
			Buckets: buckets,
		}, []string{"kind"}),
	}
	reg.MustRegister(tt.metrics.submitted, tt.metrics.rejected, tt.metrics.completed, tt.metrics.wait, tt.metrics.run,
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{
			Name: "loadtest_server_task_queue_length", Help: "Tasks waiting in the queue (shared by the servers of one Redis queue).",
		}, tt.queueLength),
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{
			Name: "loadtest_server_task_workers_busy", Help: "This server's workers running a task now.",
		}, func() float64 { return float64(tt.busy.Load()) }),
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{
			Name: "loadtest_server_task_workers", Help: "This server's workers (--workers).",
		}, func() float64 { return float64(tt.workers) }),
	)
	for _, k := range TaskKinds { // every kind appears in /metrics from the start
		tt.metrics.submitted.WithLabelValues(k)
		tt.metrics.rejected.WithLabelValues(k)
		tt.metrics.completed.WithLabelValues(k)
		tt.metrics.wait.WithLabelValues(k)
		tt.metrics.run.WithLabelValues(k)
	}
	return tt
}

// queueLength is the gauge's value: NaN if the queue cannot be read within a second.
func (tt *taskTier) queueLength() float64 {
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	n, err := tt.queue.Len(ctx)
	if err != nil {
		return math.NaN()
	}
	return float64(n)
}

// start runs the workers until stop.
func (tt *taskTier) start() {
	ctx, cancel := context.WithCancel(context.Background())
	tt.cancel = cancel
	for range tt.workers {
		tt.wg.Add(1)
		go func() {
			defer tt.wg.Done()
			tt.work(ctx)
		}()
	}
}

// stop cancels the workers and waits for them. A task a worker was running goes back to the
// head of the queue (Requeue): with Redis another server's worker takes it.
func (tt *taskTier) stop() {
	if tt.cancel != nil {
		tt.cancel()
		tt.wg.Wait()
	}
}

// work takes tasks until ctx ends. After a queue error (Redis not answering; the cache's
// backend state logs the outage) it waits, doubling from 50ms to 1s, before it tries again.
func (tt *taskTier) work(ctx context.Context) {
	backoff := 50 * time.Millisecond
	for {
		t, err := tt.queue.Take(ctx, time.Now)
		if ctx.Err() != nil {
			if err == nil {
				tt.requeue(t)
			}
			return
		}
		if err != nil {
			if !sleepCtx(ctx, backoff) {
				return
			}
			backoff = min(2*backoff, time.Second)
			continue
		}
		backoff = 50 * time.Millisecond
		tt.run(ctx, t)
	}
}

// run spends the kind's service time on t and finishes it, or requeues it if ctx ends first.
func (tt *taskTier) run(ctx context.Context, t task) {
	tt.busy.Add(1)
	defer tt.busy.Add(-1)
	tt.metrics.wait.WithLabelValues(t.Kind).Observe(t.Started.Sub(t.Submitted).Seconds())
	if !sleepCtx(ctx, tt.serviceTime(t)) {
		tt.requeue(t)
		return
	}
	done := time.Now()
	result := taskResult(t.Kind, t.UID, t.ID, tt.users)
	fctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
	defer cancel()
	if err := tt.queue.Finish(fctx, t, result, done); err != nil {
		return // Redis down: the task stays running until its state expires
	}
	tt.metrics.run.WithLabelValues(t.Kind).Observe(done.Sub(t.Started).Seconds())
	tt.metrics.completed.WithLabelValues(t.Kind).Inc()
}

func (tt *taskTier) requeue(t task) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	_ = tt.queue.Requeue(ctx, t) // best effort: the server is stopping
}

// serviceTime is the time a worker spends on t: the kind's time, or with TaskTimeExp a draw of
// the exponential distribution of that mean from a generator seeded by the seed and the task
// id, so a task takes the same time whichever worker or server runs it (at most MaxTaskTime).
func (tt *taskTier) serviceTime(t task) time.Duration {
	mean := tt.times.Of(t.Kind)
	if tt.dist != TaskTimeExp {
		return mean
	}
	id, _ := strconv.ParseUint(t.ID, 10, 64)
	r := rand.New(rand.NewPCG(tt.seed, id))
	return min(time.Duration(r.ExpFloat64()*float64(mean)), MaxTaskTime)
}

// retryAfterSeconds is the Retry-After of a full queue: the time the workers need to drain
// it, queueMax tasks of kind's service time shared by the workers, rounded up to a second.
func (tt *taskTier) retryAfterSeconds(kind string) int {
	drain := time.Duration(tt.queueMax) * tt.times.Of(kind) / time.Duration(tt.workers)
	return max(1, int(math.Ceil(drain.Seconds())))
}

// sleepCtx sleeps for d, or less if ctx ends first; it reports whether it slept d.
func sleepCtx(ctx context.Context, d time.Duration) bool {
	timer := time.NewTimer(d)
	defer timer.Stop()
	select {
	case <-timer.C:
		return true
	case <-ctx.Done():
		return false
	}
}
