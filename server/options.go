package server

import (
	"errors"
	"fmt"
	"io"
	"runtime"
	"strings"
	"time"
)

// Options configure a Server. The zero value of a field means its default.
type Options struct {
	// DB is the database URL: sqlite://PATH, mysql://USER[:PASS]@HOST:PORT/DB or
	// postgres://USER[:PASS]@HOST:PORT/DB?sslmode=disable. Required.
	DB string
	// Cache is "memory" (default) or redis://HOST:PORT/N.
	Cache string
	// TablePrefix starts every table name and Redis key, so several servers (or tests) can
	// share one database: a lowercase letter then up to 30 of [a-z0-9_]. Default none.
	TablePrefix string
	// Users is how many deterministic bot users (uid 1..Users) to seed and warm into the cache.
	Users int
	// Secret is the HMAC key of session tokens; default 32 random bytes per start.
	Secret []byte
	// Dev returns login codes in the /api/user/vcode response instead of pretending to text them.
	Dev bool
	// TokenTTL is how long a login token is valid (default 24h).
	TokenTTL time.Duration
	// CodeTTL is how long a login code is valid (default 5m).
	CodeTTL time.Duration
	// CacheSize bounds the in-memory cache's entries (default the larger of 100000 and 2×Users).
	CacheSize int
	// DBMaxConns bounds the database pool (default 4×GOMAXPROCS, at least 8).
	DBMaxConns int
	// MaxInflight sheds requests beyond this many in flight with 503 and Retry-After (0: no
	// limit). /healthz, /metrics and /stats are never shed and do not count.
	MaxInflight int
	// MaxBodyBytes limits request bodies (default 1 MiB); larger bodies get 413.
	MaxBodyBytes int64
	// Pprof mounts net/http/pprof under /debug/pprof/.
	Pprof bool
	// Timeouts of the HTTP server (defaults 5s, 30s, 30s, 120s) and of graceful shutdown (10s).
	ReadHeaderTimeout, ReadTimeout, WriteTimeout, IdleTimeout, ShutdownTimeout time.Duration
	// AccessLog, if set, receives one line per request (off by default: it costs throughput).
	AccessLog io.Writer
	// TLSCertFile and TLSKeyFile, both set, make Serve speak https: a PEM certificate (chain)
	// and its key. Without them the server speaks plain http. Either way it speaks HTTP/1.1
	// and HTTP/2 (h2 by ALPN over TLS, h2c with prior knowledge in clear text).
	TLSCertFile, TLSKeyFile string
	// Workers is how many goroutines of this server run asynchronous tasks (default
	// DefaultWorkers). With a Redis cache the queue is shared: every server's workers take from it.
	Workers int
	// TaskTimes is the service time of each task kind (default DefaultTaskTime for every kind).
	TaskTimes TaskTimes
	// TaskTimeDist is how a task's service time is drawn: TaskTimeFixed (default) or TaskTimeExp.
	TaskTimeDist string
	// Seed seeds the draws of TaskTimeExp (with the task id).
	Seed uint64
	// TaskQueueMax bounds the tasks waiting in the queue (default DefaultTaskQueueMax); a
	// submit to a full queue answers 503 with Retry-After.
	TaskQueueMax int
	// TaskResultTTL is how long a done task stays readable (default DefaultTaskResultTTL).
	TaskResultTTL time.Duration
	// Log, if set, receives a line when a backend changes state: the Redis cache failing
	// ("down", with the first error) and answering again ("up again"), once each however many
	// requests fail in between. Nil discards them.
	Log io.Writer
}

// Defaults of Options and limits of the API.
const (
	DefaultMaxBodyBytes = 1 << 20
	DefaultTokenTTL     = 24 * time.Hour
	DefaultCodeTTL      = 5 * time.Minute
	MaxDelay            = 10 * time.Second
	jsonBodyLimit       = 64 << 10
	rcmdLimit           = 20
	rankLimit           = 50
	likePoints          = 1
	superlikePoints     = 5
)

func (o *Options) withDefaults() (Options, error) {
	c := *o
	if c.DB == "" {
		return c, errors.New("server: no database URL")
	}
	if c.Cache == "" {
		c.Cache = "memory"
	}
	if c.Cache != "memory" && !strings.HasPrefix(c.Cache, "redis://") && !strings.HasPrefix(c.Cache, "rediss://") {
		return c, fmt.Errorf("server: cache %q: want memory or redis://HOST:PORT/N", c.Cache)
	}
	for name, v := range map[string]int64{"users": int64(c.Users), "cache size": int64(c.CacheSize),
		"max in-flight": int64(c.MaxInflight),
		"workers":       int64(c.Workers), "task queue max": int64(c.TaskQueueMax), "db max conns": int64(c.DBMaxConns), "max body bytes": c.MaxBodyBytes} {
		if v < 0 {
			return c, fmt.Errorf("server: %s must not be negative, got %d", name, v)
		}
	}
	def := func(d *time.Duration, v time.Duration) {
		if *d <= 0 {
			*d = v
		}
	}
	def(&c.TokenTTL, DefaultTokenTTL)
	def(&c.CodeTTL, DefaultCodeTTL)
	def(&c.ReadHeaderTimeout, 5*time.Second)
	def(&c.ReadTimeout, 30*time.Second)
	def(&c.WriteTimeout, 30*time.Second)
	def(&c.IdleTimeout, 120*time.Second)
	def(&c.ShutdownTimeout, 10*time.Second)
	def(&c.TaskResultTTL, DefaultTaskResultTTL)
	if c.Workers == 0 {
		c.Workers = DefaultWorkers
	}
	if c.TaskQueueMax == 0 {
		c.TaskQueueMax = DefaultTaskQueueMax
	}
	switch c.TaskTimeDist {
	case "":
		c.TaskTimeDist = TaskTimeFixed
	case TaskTimeFixed, TaskTimeExp:
	default:
		return c, fmt.Errorf("server: task time distribution %q: want %s or %s", c.TaskTimeDist, TaskTimeFixed, TaskTimeExp)
	}
	if err := c.TaskTimes.validate(); err != nil {
		return c, err
	}
	if c.WriteTimeout <= MaxDelay {
		return c, fmt.Errorf("server: write timeout %v must exceed the longest /delay (%v)", c.WriteTimeout, MaxDelay)
	}
	if c.CacheSize == 0 {
		c.CacheSize = max(100000, 2*c.Users)
	}
	if c.DBMaxConns == 0 {
		c.DBMaxConns = max(8, 4*runtime.GOMAXPROCS(0))
	}
	if c.MaxBodyBytes == 0 {
		c.MaxBodyBytes = DefaultMaxBodyBytes
	}
	return c, nil
}
