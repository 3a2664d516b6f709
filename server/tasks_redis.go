package server

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/gomodule/redigo/redis"
)

// redisTaskQueue is the taskQueue over Redis, shared by every server on the same Redis and
// key prefix: their workers take from one list, and any of them answers GET /api/tasks/{id}.
// Keys: PREFIXtasks:seq (INCR, the ids), PREFIXtasks:queue (a list of pending ids, RPUSH to
// submit, BLPOP to take) and PREFIXtask:ID (a hash of the task's fields). Times are stored
// in Unix microseconds.
type redisTaskQueue struct {
	rdb       *redisClient
	prefix    string
	max       int
	resultTTL time.Duration
	// takeWait is how long one BLPOP blocks. A BLPOP is not cut when the worker's context
	// ends (Redis might pop an id for a reply that nobody reads, losing the task): a worker
	// checks its context between BLPOPs of this length, so Close waits at most this long.
	takeWait time.Duration
}

// redisTaskStateTTL bounds the life of a task's hash before it is done (a task whose server
// died while running it would otherwise stay forever).
const redisTaskStateTTL = 24 * time.Hour

// redisSubmit queues a task only while the list is shorter than the bound, atomically:
// KEYS queue, task hash; ARGV max, kind, uid, submitted, state TTL in seconds, id.
var redisSubmit = redis.NewScript(2, `
if redis.call('LLEN', KEYS[1]) >= tonumber(ARGV[1]) then return 0 end
redis.call('HSET', KEYS[2], 'kind', ARGV[2], 'uid', ARGV[3], 'status', 'pending', 'submitted', ARGV[4])
redis.call('EXPIRE', KEYS[2], ARGV[5])
redis.call('RPUSH', KEYS[1], ARGV[6])
return 1`)

func newRedisTaskQueue(rdb *redisClient, prefix string, max int, resultTTL time.Duration) *redisTaskQueue {
	return &redisTaskQueue{rdb: rdb, prefix: prefix, max: max, resultTTL: resultTTL, takeWait: 200 * time.Millisecond}
}

func (q *redisTaskQueue) Kind() string             { return "redis" }
func (q *redisTaskQueue) queueKey() string         { return q.prefix + "tasks:queue" }
func (q *redisTaskQueue) taskKey(id string) string { return q.prefix + "task:" + id }

func (q *redisTaskQueue) Submit(ctx context.Context, kind string, uid int64, now time.Time) (task, error) {
	n, err := redis.Int64(q.rdb.do(ctx, "INCR", q.prefix+"tasks:seq"))
	if err != nil {
		return task{}, err
	}
	id := strconv.FormatInt(n, 10)
	ok, err := redis.Int(q.rdb.run(ctx, func(conn redis.Conn) (any, error) {
		return redisSubmit.DoContext(ctx, conn, q.queueKey(), q.taskKey(id),
			q.max, kind, uid, now.UnixMicro(), int(redisTaskStateTTL.Seconds()), id)
	}))
	if err != nil {
		return task{}, err
	}
	if ok == 0 {
		return task{}, errTaskQueueFull
	}
	return task{ID: id, Kind: kind, UID: uid, Status: TaskPending, Submitted: time.UnixMicro(now.UnixMicro())}, nil
}

func (q *redisTaskQueue) Take(ctx context.Context, now func() time.Time) (task, error) {
	// BLPOP's timeout in seconds; Redis 6 and later take fractions.
	wait := strconv.FormatFloat(q.takeWait.Seconds(), 'f', -1, 64)
	for {
		if err := ctx.Err(); err != nil {
			return task{}, err
		}
		// ctx bounds the wait for a connection; the BLPOP runs to its end (see takeWait),
		// bounded by the read timeout on top of takeWait.
		kv, err := redis.Strings(q.rdb.run(ctx, func(conn redis.Conn) (any, error) {
			if q.rdb.cfg.readTimeout == 0 {
				return conn.Do("BLPOP", q.queueKey(), wait)
			}
			return redis.DoWithTimeout(conn, q.rdb.cfg.readTimeout+q.takeWait, "BLPOP", q.queueKey(), wait)
		}))
		if errors.Is(err, redis.ErrNil) {
			continue // nothing queued in takeWait
		}
		if err != nil {
			return task{}, err
		}
		if len(kv) != 2 {
			return task{}, fmt.Errorf("BLPOP %s: got %d values, want 2", q.queueKey(), len(kv))
		}
		// The id is off the list now: mark the task running even if ctx ends meanwhile, so
		// that a stopping worker can put it back (Requeue) instead of losing it.
		ctx := context.WithoutCancel(ctx)
		id := kv[1]
		key := q.taskKey(id)
		replies, err := q.rdb.pipe(ctx, true,
			redisCmd{"HSET", []any{key, "status", TaskRunning, "started", now().UnixMicro()}},
			redisCmd{"HGETALL", []any{key}})
		if err != nil {
			return task{}, err
		}
		var fields map[string]string
		if len(replies) == 2 {
			fields, err = redis.StringMap(replies[1], nil)
		} else {
			err = fmt.Errorf("MULTI: got %d replies, want 2", len(replies))
		}
		var t task
		if err == nil {
			t, err = parseRedisTask(id, fields)
		}
		if err != nil {
			q.rdb.do(ctx, "DEL", key) // an unreadable task cannot be run: drop it
			continue
		}
		return t, nil
	}
}

func (q *redisTaskQueue) Finish(ctx context.Context, t task, result json.RawMessage, now time.Time) error {
	key := q.taskKey(t.ID)
	_, err := q.rdb.pipe(ctx, true,
		redisCmd{"HSET", []any{key, "status", TaskDone, "done", now.UnixMicro(), "result", string(result)}},
		redisCmd{"PEXPIRE", []any{key, max(q.resultTTL.Milliseconds(), 1)}})
	return err
}

func (q *redisTaskQueue) Requeue(ctx context.Context, t task) error {
	key := q.taskKey(t.ID)
	_, err := q.rdb.pipe(ctx, true,
		redisCmd{"HSET", []any{key, "status", TaskPending}},
		redisCmd{"HDEL", []any{key, "started"}},
		redisCmd{"LPUSH", []any{q.queueKey(), t.ID}})
	return err
}

func (q *redisTaskQueue) Get(ctx context.Context, id string) (task, bool, error) {
	fields, err := redis.StringMap(q.rdb.do(ctx, "HGETALL", q.taskKey(id)))
	if err != nil || len(fields) == 0 {
		return task{}, false, err
	}
	t, err := parseRedisTask(id, fields)
	return t, err == nil, err
}

func (q *redisTaskQueue) Len(ctx context.Context) (int, error) {
	return redis.Int(q.rdb.do(ctx, "LLEN", q.queueKey()))
}

// parseRedisTask reads a task's hash.
func parseRedisTask(id string, f map[string]string) (task, error) {
	t := task{ID: id, Kind: f["kind"], Status: f["status"]}
	var err error
	if t.UID, err = strconv.ParseInt(f["uid"], 10, 64); err != nil {
		return t, fmt.Errorf("task %s: uid %q: %w", id, f["uid"], err)
	}
	for _, tf := range []struct {
		name string
		at   *time.Time
	}{{"submitted", &t.Submitted}, {"started", &t.Started}, {"done", &t.Done}} {
		if v, ok := f[tf.name]; ok {
			us, err := strconv.ParseInt(v, 10, 64)
			if err != nil {
				return t, fmt.Errorf("task %s: %s %q: %w", id, tf.name, v, err)
			}
			*tf.at = time.UnixMicro(us)
		}
	}
	if r, ok := f["result"]; ok {
		t.Result = json.RawMessage(r)
	}
	return t, nil
}
