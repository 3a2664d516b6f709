package server

import (
	"context"
	"encoding/json"
	"errors"
	"strconv"
	"sync"
	"time"
)

// errTaskQueueFull is Submit's answer when the queue holds its maximum of pending tasks.
var errTaskQueueFull = errors.New("server: task queue full")

// taskQueue holds the tasks of the asynchronous tier: a bounded FIFO of pending tasks and the
// state of every task until its result expires. Implementations are safe for concurrent use.
type taskQueue interface {
	// Kind names the backend: "memory" or "redis".
	Kind() string
	// Submit queues a new pending task of uid, or answers errTaskQueueFull.
	Submit(ctx context.Context, kind string, uid int64, now time.Time) (task, error)
	// Take waits for the oldest pending task, marks it running since now() and returns it. It
	// returns ctx's error once ctx is done.
	Take(ctx context.Context, now func() time.Time) (task, error)
	// Finish marks a running task done with its result; its state expires after the
	// result TTL.
	Finish(ctx context.Context, t task, result json.RawMessage, now time.Time) error
	// Requeue puts back at the head of the queue, pending, a task a worker took but could not
	// finish because the server stopped.
	Requeue(ctx context.Context, t task) error
	// Get returns a task by id; ok is false if there is none (or it expired).
	Get(ctx context.Context, id string) (t task, ok bool, err error)
	// Len is the number of pending tasks.
	Len(ctx context.Context) (int, error)
}

// memoryTaskQueue is the in-process taskQueue: a buffered channel of pending ids (its capacity
// is the queue's bound) and a map of every task kept. The done tasks are also listed in the
// order they finished, which is the order they expire in, so each Finish drops the ones past
// the result TTL or beyond q.keep (taskResultsMax) from the front: no timer, no goroutine.
type memoryTaskQueue struct {
	pending   chan string
	resultTTL time.Duration
	keep      int // most done tasks kept
	mu        sync.Mutex
	seq       int64
	tasks     map[string]*task
	doneOrder []string // ids of the done tasks, oldest first, from doneHead on
	doneHead  int
}

func newMemoryTaskQueue(max int, resultTTL time.Duration) *memoryTaskQueue {
	return &memoryTaskQueue{pending: make(chan string, max), resultTTL: resultTTL, keep: taskResultsMax, tasks: make(map[string]*task)}
}

func (q *memoryTaskQueue) Kind() string { return "memory" }

func (q *memoryTaskQueue) Submit(_ context.Context, kind string, uid int64, now time.Time) (task, error) {
	q.mu.Lock()
	defer q.mu.Unlock()
	q.seq++
	t := &task{ID: strconv.FormatInt(q.seq, 10), Kind: kind, UID: uid, Status: TaskPending, Submitted: now}
	select {
	case q.pending <- t.ID:
		q.tasks[t.ID] = t
		return *t, nil
	default:
		return task{}, errTaskQueueFull
	}
}

func (q *memoryTaskQueue) Take(ctx context.Context, now func() time.Time) (task, error) {
	select {
	case id := <-q.pending:
		q.mu.Lock()
		defer q.mu.Unlock()
		t := q.tasks[id]
		t.Status, t.Started = TaskRunning, now()
		return *t, nil
	case <-ctx.Done():
		return task{}, ctx.Err()
	}
}

func (q *memoryTaskQueue) Finish(_ context.Context, t task, result json.RawMessage, now time.Time) error {
	q.mu.Lock()
	defer q.mu.Unlock()
	t.Status, t.Done, t.Result = TaskDone, now, result
	q.tasks[t.ID] = &t
	q.doneOrder = append(q.doneOrder, t.ID)
	q.expire(now)
	return nil
}

// expire forgets the done tasks finished more than the result TTL before now, and the oldest
// beyond q.keep. The caller holds q.mu.
func (q *memoryTaskQueue) expire(now time.Time) {
	for ; q.doneHead < len(q.doneOrder); q.doneHead++ {
		t := q.tasks[q.doneOrder[q.doneHead]]
		if len(q.doneOrder)-q.doneHead <= q.keep && now.Sub(t.Done) < q.resultTTL {
			break
		}
		delete(q.tasks, t.ID)
	}
	if q.doneHead > len(q.doneOrder)/2 { // compact: amortized O(1) per task
		q.doneOrder = append(q.doneOrder[:0:0], q.doneOrder[q.doneHead:]...)
		q.doneHead = 0
	}
}

// Requeue forgets the task: the memory queue ends with its server, and nothing would take it.
func (q *memoryTaskQueue) Requeue(_ context.Context, t task) error {
	q.mu.Lock()
	defer q.mu.Unlock()
	delete(q.tasks, t.ID)
	return nil
}

func (q *memoryTaskQueue) Get(_ context.Context, id string) (task, bool, error) {
	q.mu.Lock()
	defer q.mu.Unlock()
	t, ok := q.tasks[id]
	if !ok || (t.Status == TaskDone && time.Since(t.Done) >= q.resultTTL) {
		return task{}, false, nil
	}
	return *t, true, nil
}

func (q *memoryTaskQueue) Len(context.Context) (int, error) { return len(q.pending), nil }
