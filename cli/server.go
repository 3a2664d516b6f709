package cli

import (
	"context"
	"io"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/loadtestdev/loadtest/server"
)

// flagStopOnStdinEOF is the hidden flag with which a run starts its bundled server: the server
// stops when its stdin, a pipe from the run, reaches end of file. The kernel closes that pipe
// when the run dies, also by SIGKILL, so the server does not outlive it on systems without a
// parent-death signal either.
const flagStopOnStdinEOF = "stop-on-stdin-eof"

// serverOptions are the flags of loadtest server: the server's configuration (bound straight
// into server.RunConfig) and the three that are not values of it as given.
type serverOptions struct {
	In          io.Reader
	Out, ErrOut io.Writer
	// StopOnStdinEOF shuts the server down, as SIGTERM does, once In reaches end of file.
	StopOnStdinEOF bool
	// TokenSecret is --secret as given; LogRequests is --access-log.
	TokenSecret string
	LogRequests bool

	server.RunConfig
}

func newServerCmd(ios *IOStreams) *cobra.Command {
	opts := &serverOptions{In: ios.In, Out: ios.Out, ErrOut: ios.ErrOut}
	cmd := &cobra.Command{
		Use:   "server",
		Short: "Run the reference Swiper server",
		Long: `Run the reference Swiper server: an echo tier (/echo, /delay, /status), a cache tier
(/cache/users/{uid}), a database tier (/db/users/{uid}), a small dating-app API under /api and an
asynchronous tier (POST /api/tasks, run by --workers from a bounded queue, in memory or a
Redis list shared by the servers on one Redis), with Prometheus metrics on /metrics.

The database is SQLite (default, a file in the user cache directory), MySQL/MariaDB or
PostgreSQL; the cache is in-process (default) or Redis. On start the server creates its schema,
seeds --users deterministic bot users (uid 1..N) that are missing, and warms the cache. It prints
"listening on http://HOST:PORT" (https:// with --tls-cert and --tls-key) once it accepts
connections, and on SIGINT/SIGTERM lets requests in flight finish (up to --shutdown-timeout)
before it exits.

It speaks HTTP/1.1 and HTTP/2: h2c (clear-text HTTP/2 with prior knowledge, what loadtest run
--http2 sends to an http:// target) and, with --tls-cert and --tls-key, h2 over TLS by ALPN.`,
		Example: `  loadtest server
  loadtest server --addr 127.0.0.1:0 --users 1000 --dev
  loadtest server --db postgres://postgres@127.0.0.1:5432/test?sslmode=disable --cache redis://127.0.0.1:6379/0
  loadtest server --max-inflight 512 --pprof
  loadtest server --workers 8 --task-time 100ms,avatar=1s --task-queue-max 500
  loadtest server --tls-cert server.pem --tls-key server-key.pem`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := opts.Validate(); err != nil {
				return usageError(err)
			}
			return runServer(cmd.Context(), opts)
		},
	}
	f := cmd.Flags()
	f.StringVar(&opts.Addr, "addr", "127.0.0.1:8080", "address to listen on (port 0 picks a free port)")
	f.StringVar(&opts.DB, "db", "", "database URL: sqlite://PATH, mysql://USER@HOST:PORT/DB or postgres://USER@HOST:PORT/DB (default sqlite in the user cache dir)")
	f.StringVar(&opts.Cache, "cache", "memory", "cache: memory or redis://HOST:PORT/N")
	f.StringVar(&opts.TablePrefix, "table-prefix", "", "prefix of table names and Redis keys, to share a database ([a-z][a-z0-9_]*)")
	f.IntVar(&opts.Users, "users", 10000, "number of deterministic bot users (uid 1..N) to seed and cache")
	f.StringVar(&opts.TokenSecret, "secret", "", "HMAC secret of session tokens (default random per start)")
	f.BoolVar(&opts.Dev, "dev", false, "return login codes in the /api/user/vcode response")
	f.DurationVar(&opts.TokenTTL, "token-ttl", server.DefaultTokenTTL, "lifetime of a session token")
	f.DurationVar(&opts.CodeTTL, "code-ttl", server.DefaultCodeTTL, "lifetime of a login code")
	f.IntVar(&opts.MaxInflight, "max-inflight", 0, "shed requests beyond N in flight with 503 and Retry-After (0: no limit)")
	f.Int64Var(&opts.MaxBodyBytes, "max-body", server.DefaultMaxBodyBytes, "largest request body in bytes; larger gets 413")
	f.IntVar(&opts.DBMaxConns, "db-max-conns", 0, "database connection pool size (default 4×CPUs, at least 8)")
	f.BoolVar(&opts.Pprof, "pprof", false, "mount net/http/pprof under /debug/pprof/")
	f.BoolVar(&opts.LogRequests, "access-log", false, "log every request to stderr (costs throughput)")
	f.DurationVar(&opts.ReadHeaderTimeout, "read-header-timeout", 5*time.Second, "time to read request headers")
	f.DurationVar(&opts.ReadTimeout, "read-timeout", 30*time.Second, "time to read a whole request")
	f.DurationVar(&opts.WriteTimeout, "write-timeout", 30*time.Second, "time to write a response (must exceed 10s, the longest /delay)")
	f.DurationVar(&opts.IdleTimeout, "idle-timeout", 120*time.Second, "how long an idle keep-alive connection stays open")
	f.DurationVar(&opts.ShutdownTimeout, "shutdown-timeout", 10*time.Second, "how long requests in flight may finish after SIGINT/SIGTERM")
	f.StringVar(&opts.TLSCertFile, "tls-cert", "", "serve https with this PEM certificate (chain); needs --tls-key")
	f.StringVar(&opts.TLSKeyFile, "tls-key", "", "PEM private key of --tls-cert")
	f.IntVar(&opts.Workers, "workers", server.DefaultWorkers, "goroutines running asynchronous tasks (POST /api/tasks); with --cache redis:// they share one queue with the other servers")
	f.Var(&opts.TaskTimes, "task-time", "service time of a task: DURATION for every kind, KIND=DURATION for one (kinds "+strings.Join(server.TaskKinds, ", ")+"), comma-separated, e.g. 100ms,avatar=1s")
	f.StringVar(&opts.TaskTimeDist, "task-time-dist", server.TaskTimeFixed, "how a task's time is drawn: fixed (exactly --task-time) or exp (exponential of mean --task-time, seeded by --seed and the task id)")
	f.Uint64Var(&opts.Seed, "seed", 1, "seed of the --task-time-dist exp draws")
	f.IntVar(&opts.TaskQueueMax, "task-queue-max", server.DefaultTaskQueueMax, "tasks that may wait in the queue; a submit beyond answers 503 with Retry-After")
	f.DurationVar(&opts.TaskResultTTL, "task-result-ttl", server.DefaultTaskResultTTL, "how long a done task stays readable at GET /api/tasks/{id}")
	f.BoolVar(&opts.StopOnStdinEOF, flagStopOnStdinEOF, false, "shut down when stdin reaches end of file (set by loadtest run for its bundled server)")
	_ = f.MarkHidden(flagStopOnStdinEOF)
	return cmd
}

// runServer runs the server until ctx ends (SIGINT/SIGTERM) or, for a bundled server, its
// stdin closes (server.Run).
func runServer(ctx context.Context, opts *serverOptions) error {
	rc := opts.RunConfig
	rc.Log, rc.Out = opts.ErrOut, opts.Out
	if opts.TokenSecret != "" {
		rc.Secret = []byte(opts.TokenSecret)
	}
	if opts.LogRequests {
		rc.AccessLog = opts.ErrOut
	}
	if opts.StopOnStdinEOF {
		rc.StopOnEOF = opts.In
	}
	return server.Run(ctx, rc)
}
