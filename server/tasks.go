package server

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"
)

// The asynchronous tier: POST /api/tasks queues a task of a kind and answers 202 at once; a
// pool of workers (Options.Workers) takes the tasks in order from a bounded queue (in process,
// or a Redis list shared by every server on the same Redis and prefix) and spends the kind's
// service time on each; GET /api/tasks/{id} answers its status. It is the Celery tier of the
// Swiper course notes: SMS codes, avatar uploads and recommendations done after the request.

// Task kinds and statuses.
const (
	TaskAvatar = "avatar"
	TaskRcmd   = "rcmd"
	TaskSMS    = "sms"

	TaskPending = "pending"
	TaskRunning = "running"
	TaskDone    = "done"
)

// Service time distributions of Options.TaskTimeDist.
const (
	// TaskTimeFixed: every task of a kind takes exactly the kind's time (M/D/c).
	TaskTimeFixed = "fixed"
	// TaskTimeExp: a task's time is drawn from an exponential distribution whose mean is the
	// kind's time (M/M/c, the queue Erlang C describes), seeded by Options.Seed and the task id.
	TaskTimeExp = "exp"
)

// TaskKinds are the kinds POST /api/tasks accepts, in order.
var TaskKinds = []string{TaskAvatar, TaskRcmd, TaskSMS}

// Defaults of the asynchronous tier.
const (
	DefaultWorkers       = 4
	DefaultTaskTime      = 200 * time.Millisecond
	DefaultTaskQueueMax  = 1000
	DefaultTaskResultTTL = 10 * time.Minute
	// MaxTaskTime bounds a task's service time, so a worker always comes back.
	MaxTaskTime = 10 * time.Minute
	// taskResultsMax bounds the done tasks the memory queue keeps (the oldest go first).
	taskResultsMax = 50000
	// rcmdTaskUsers is how many users an rcmd task's result names.
	rcmdTaskUsers = 10
)

// TaskTimes are the service times of the task kinds: Default for every kind not in ByKind.
// Its flag form is a comma-separated list of DURATION (every kind) and KIND=DURATION items,
// e.g. "200ms", "avatar=1s" or "100ms,avatar=1s,rcmd=300ms". The zero value means
// DefaultTaskTime for every kind. It implements pflag.Value (Set, String, Type).
type TaskTimes struct {
	Default time.Duration
	ByKind  map[string]time.Duration
}

// ParseTaskTimes parses the flag form of TaskTimes. Durations are Go durations, positive and
// at most MaxTaskTime; each kind, and the bare default, may be given once.
func ParseTaskTimes(s string) (TaskTimes, error) {
	var t TaskTimes
	if strings.TrimSpace(s) == "" {
		return t, fmt.Errorf("task times %q: want DURATION or KIND=DURATION items, comma-separated (kinds %s)", s, strings.Join(TaskKinds, ", "))
	}
	for item := range strings.SplitSeq(s, ",") {
		item = strings.TrimSpace(item)
		kind, value, perKind := strings.Cut(item, "=")
		if !perKind {
			value, kind = item, ""
		}
		kind = strings.TrimSpace(kind)
		d, err := time.ParseDuration(strings.TrimSpace(value))
		switch {
		case perKind && !slices.Contains(TaskKinds, kind):
			return TaskTimes{}, fmt.Errorf("task times %q: unknown kind %q: want one of %s", s, kind, strings.Join(TaskKinds, ", "))
		case err != nil:
			return TaskTimes{}, fmt.Errorf("task times %q: item %q: want a duration such as 200ms or 1.5s", s, item)
		case d <= 0 || d > MaxTaskTime:
			return TaskTimes{}, fmt.Errorf("task times %q: %v: want more than 0 and at most %v", s, d, MaxTaskTime)
		case !perKind && t.Default != 0:
			return TaskTimes{}, fmt.Errorf("task times %q: two durations for every kind: give one", s)
		case perKind && t.ByKind[kind] != 0:
			return TaskTimes{}, fmt.Errorf("task times %q: kind %s given twice", s, kind)
		case !perKind:
			t.Default = d
		default:
			if t.ByKind == nil {
				t.ByKind = make(map[string]time.Duration)
			}
			t.ByKind[kind] = d
		}
	}
	return t, nil
}

// validate checks times set in code rather than parsed: known kinds, durations in range.
func (t TaskTimes) validate() error {
	if t.Default < 0 || t.Default > MaxTaskTime {
		return fmt.Errorf("server: task time %v: want more than 0 and at most %v", t.Default, MaxTaskTime)
	}
	for k, d := range t.ByKind {
		if !slices.Contains(TaskKinds, k) {
			return fmt.Errorf("server: task time of kind %q: want one of %s", k, strings.Join(TaskKinds, ", "))
		}
		if d <= 0 || d > MaxTaskTime {
			return fmt.Errorf("server: task time of %s %v: want more than 0 and at most %v", k, d, MaxTaskTime)
		}
	}
	return nil
}

// Of returns the service time of a kind.
func (t TaskTimes) Of(kind string) time.Duration {
	if d, ok := t.ByKind[kind]; ok {
		return d
	}
	if t.Default > 0 {
		return t.Default
	}
	return DefaultTaskTime
}

// String is the flag form: the default, then the kinds in order.
func (t TaskTimes) String() string {
	parts := []string{t.Of("").String()}
	kinds := make([]string, 0, len(t.ByKind))
	for k := range t.ByKind {
		kinds = append(kinds, k)
	}
	sort.Strings(kinds)
	for _, k := range kinds {
		parts = append(parts, k+"="+t.ByKind[k].String())
	}
	return strings.Join(parts, ",")
}

// Set parses the flag form into t (pflag.Value).
func (t *TaskTimes) Set(s string) error {
	v, err := ParseTaskTimes(s)
	if err != nil {
		return err
	}
	*t = v
	return nil
}

// Type names the flag's value in help (pflag.Value).
func (t *TaskTimes) Type() string { return "times" }

// task is one asynchronous task as a queue keeps it.
type task struct {
	ID        string
	Kind      string
	UID       int64
	Status    string
	Submitted time.Time
	Started   time.Time // zero while pending
	Done      time.Time // zero until done
	Result    json.RawMessage
}

// taskView is the JSON of a task: times in milliseconds, to the microsecond. While a task is
// pending queued_ms is its wait so far; while it runs run_ms is its run so far.
type taskView struct {
	ID       string          `json:"id"`
	Kind     string          `json:"kind"`
	Status   string          `json:"status"`
	Result   json.RawMessage `json:"result"`
	QueuedMS float64         `json:"queued_ms"`
	RunMS    float64         `json:"run_ms"`
}

func (t task) view(now time.Time) taskView {
	v := taskView{ID: t.ID, Kind: t.Kind, Status: t.Status, Result: t.Result}
	if v.Result == nil {
		v.Result = json.RawMessage("null")
	}
	started, done := t.Started, t.Done
	if started.IsZero() {
		started = now
	}
	if done.IsZero() {
		done = now
	}
	v.QueuedMS = millis(started.Sub(t.Submitted))
	if !t.Started.IsZero() {
		v.RunMS = millis(done.Sub(t.Started))
	}
	return v
}

// millis is d in milliseconds, rounded to the microsecond.
func millis(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }

// taskResult is the deterministic result of a task: the same kind, user and id always give
// the same result. users is how many seeded users there are (rcmd names some of them).
func taskResult(kind string, uid int64, id string, users int) json.RawMessage {
	var v any
	switch kind {
	case TaskAvatar:
		v = map[string]any{"url": fmt.Sprintf("/avatars/%d/%s.jpg", uid, id), "width": 256, "height": 256}
	case TaskRcmd:
		v = map[string]any{"uids": rcmdTaskUIDs(uid, id, users)}
	default:
		v = map[string]any{"delivered": true}
	}
	data, _ := json.Marshal(v)
	return data
}

// rcmdTaskUIDs picks up to rcmdTaskUsers distinct seeded users (1..users) other than uid, in
// uid order, from a generator seeded by the user and the task id.
func rcmdTaskUIDs(uid int64, id string, users int) []int64 {
	n, _ := strconv.ParseUint(id, 10, 64)
	r := rand.New(rand.NewPCG(uint64(uid), n))
	others := users
	if uid >= 1 && uid <= int64(users) {
		others--
	}
	picked := make(map[int64]bool, rcmdTaskUsers)
	out := []int64{}
	for len(out) < min(rcmdTaskUsers, others) {
		if c := 1 + r.Int64N(int64(users)); c != uid && !picked[c] {
			picked[c] = true
			out = append(out, c)
		}
	}
	slices.Sort(out)
	return out
}
