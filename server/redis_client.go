package server

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/gomodule/redigo/redis"
)

// redisConfig is a redis:// or rediss:// URL read the way the server has always read it:
// redis://[[user]:password@]host[:port][/db][?option=value&...], the host defaulting to
// localhost, the port to 6379 and the database to 0. The options are the connection and
// pool settings listed in redisOptions; any other is an error.
type redisConfig struct {
	dialURL    string // scheme, user, password, host, port and /db, without the options: for redis.DialURLContext
	addr       string // host:port
	db         int
	clientName string
	skipVerify bool
	// dialTimeout, readTimeout and writeTimeout bound a dial, a reply and a write; 0: none.
	dialTimeout, readTimeout, writeTimeout time.Duration
	poolSize, maxIdle                      int           // connections at most, idle connections kept
	poolTimeout                            time.Duration // how long a call waits for a free connection
	idleTimeout                            time.Duration // an idle connection older than this is closed; 0: never
	maxLifetime                            time.Duration // a connection older than this is closed; 0: never
	maxRetries                             int           // retries of a call whose connection broke; 0: none
	minBackoff, maxBackoff                 time.Duration // the wait before the first retry, doubling up to max
}

// redisOptions are the URL options a redis:// URL may carry: the names (and meanings) of the
// go-redis options the server accepted before it moved to redigo, for those that redigo has.
var redisOptions = []string{
	"db", "client_name", "skip_verify", "dial_timeout", "read_timeout", "write_timeout",
	"pool_size", "pool_timeout", "max_idle_conns", "conn_max_idle_time", "idle_timeout",
	"conn_max_lifetime", "max_conn_age", "max_retries", "min_retry_backoff", "max_retry_backoff",
}

// parseRedisURL reads rawURL with the defaults of a pool of poolSize connections: dial
// timeout 5s, read and write timeouts 3s, a free connection awaited for 4s, idle connections
// closed after 30 minutes, 3 retries with a backoff from 8ms to 512ms. The URL's options
// override them (pool_size too: the one a user names wins over the server's default).
func parseRedisURL(rawURL string, poolSize int) (redisConfig, error) {
	u, err := url.Parse(rawURL)
	if err != nil {
		return redisConfig{}, err
	}
	if u.Scheme != "redis" && u.Scheme != "rediss" {
		return redisConfig{}, fmt.Errorf("redis: invalid URL scheme: %s", u.Scheme)
	}
	if u.Opaque != "" {
		return redisConfig{}, fmt.Errorf("redis: invalid URL: %s is opaque, want redis://HOST:PORT/N", u.Scheme+":"+u.Opaque)
	}
	c := redisConfig{
		dialTimeout: 5 * time.Second, readTimeout: 3 * time.Second,
		idleTimeout: 30 * time.Minute, poolSize: poolSize,
		maxRetries: 3, minBackoff: 8 * time.Millisecond, maxBackoff: 512 * time.Millisecond,
	}
	host, port := u.Hostname(), u.Port()
	if host == "" {
		host = "localhost"
	}
	if port == "" {
		port = "6379"
	}
	c.addr = net.JoinHostPort(host, port)
	switch f := strings.FieldsFunc(u.Path, func(r rune) bool { return r == '/' }); len(f) {
	case 0:
	case 1:
		if c.db, err = strconv.Atoi(f[0]); err != nil {
			return redisConfig{}, fmt.Errorf("redis: invalid database number: %q", f[0])
		}
	default:
		return redisConfig{}, fmt.Errorf("redis: invalid URL path: %s", u.Path)
	}

	q := u.Query()
	var unknown []string
	for name := range q {
		if !slices.Contains(redisOptions, name) {
			unknown = append(unknown, name)
		}
	}
	if len(unknown) > 0 {
		slices.Sort(unknown)
		return redisConfig{}, fmt.Errorf("redis: unexpected option: %s (allowed: %s)", strings.Join(unknown, ", "), strings.Join(redisOptions, ", "))
	}
	opt := func(names ...string) (string, string, bool) {
		for _, n := range names {
			if v := q.Get(n); v != "" {
				return n, v, true
			}
		}
		return "", "", false
	}
	integer := func(dst *int, names ...string) {
		if n, v, ok := opt(names...); ok && err == nil {
			if *dst, err = strconv.Atoi(v); err != nil {
				err = fmt.Errorf("redis: invalid %s number: %w", n, err)
			}
		}
	}
	// duration reads whole seconds or a Go duration; zero or less means none (-1 in go-redis).
	duration := func(dst *time.Duration, names ...string) {
		n, v, ok := opt(names...)
		if !ok || err != nil {
			return
		}
		d, perr := time.ParseDuration(v)
		if i, aerr := strconv.Atoi(v); aerr == nil {
			d, perr = time.Duration(i)*time.Second, nil
		}
		if perr != nil {
			err = fmt.Errorf("redis: invalid %s duration: %w", n, perr)
			return
		}
		*dst = max(d, 0)
	}
	integer(&c.db, "db")
	integer(&c.poolSize, "pool_size")
	integer(&c.maxIdle, "max_idle_conns")
	integer(&c.maxRetries, "max_retries")
	duration(&c.dialTimeout, "dial_timeout")
	duration(&c.readTimeout, "read_timeout")
	c.writeTimeout = c.readTimeout
	duration(&c.writeTimeout, "write_timeout")
	c.poolTimeout = c.readTimeout + time.Second
	duration(&c.poolTimeout, "pool_timeout")
	duration(&c.idleTimeout, "conn_max_idle_time", "idle_timeout")
	duration(&c.maxLifetime, "conn_max_lifetime", "max_conn_age")
	duration(&c.minBackoff, "min_retry_backoff")
	duration(&c.maxBackoff, "max_retry_backoff")
	c.clientName = q.Get("client_name")
	if _, v, ok := opt("skip_verify"); ok && err == nil {
		if c.skipVerify, err = strconv.ParseBool(v); err != nil {
			err = fmt.Errorf("redis: invalid skip_verify boolean: expected true/false/1/0, got %q", v)
		}
	}
	if err != nil {
		return redisConfig{}, err
	}
	if c.db < 0 {
		return redisConfig{}, fmt.Errorf("redis: invalid database number: %d", c.db)
	}
	c.maxRetries = max(c.maxRetries, 0) // -1: no retries, as in go-redis
	if c.poolSize <= 0 {
		c.poolSize = 10
	}
	if c.maxIdle <= 0 || c.maxIdle > c.poolSize {
		c.maxIdle = c.poolSize
	}
	d := url.URL{Scheme: u.Scheme, User: u.User, Host: c.addr, Path: "/" + strconv.Itoa(c.db)}
	c.dialURL = d.String()
	return c, nil
}

// redisClient is a pool of connections to one Redis. Every call reports its outcome to a
// backendState (when state is set), retries on a broken connection as go-redis did, and
// waits at most poolTimeout for a free connection.
type redisClient struct {
	cfg   redisConfig
	pool  *redis.Pool
	state *backendState
}

func newRedisClient(cfg redisConfig, state *backendState) *redisClient {
	c := &redisClient{cfg: cfg, state: state}
	opts := []redis.DialOption{
		redis.DialReadTimeout(cfg.readTimeout), redis.DialWriteTimeout(cfg.writeTimeout),
		redis.DialConnectTimeout(cfg.dialTimeout), redis.DialTLSSkipVerify(cfg.skipVerify),
	}
	if cfg.clientName != "" {
		opts = append(opts, redis.DialClientName(cfg.clientName))
	}
	c.pool = &redis.Pool{
		MaxIdle: cfg.maxIdle, MaxActive: cfg.poolSize, Wait: true,
		IdleTimeout: cfg.idleTimeout, MaxConnLifetime: cfg.maxLifetime,
		// The dial ends when the call is cancelled, not when the wait for a free connection
		// (poolTimeout) ends: the dial has its own timeout.
		DialContext: func(ctx context.Context) (redis.Conn, error) {
			dctx, cancel := context.WithCancel(context.WithoutCancel(ctx))
			defer cancel()
			stop := context.AfterFunc(ctx, func() {
				if errors.Is(ctx.Err(), context.Canceled) {
					cancel()
				}
			})
			defer stop()
			return redis.DialURLContext(dctx, cfg.dialURL, opts...)
		},
	}
	return c
}

// errRedisPoolTimeout is go-redis's error for a call that found every connection busy.
var errRedisPoolTimeout = errors.New("redis: connection pool timeout")

func (c *redisClient) Close() error { return c.pool.Close() }

// do runs one command within ctx.
func (c *redisClient) do(ctx context.Context, cmd string, args ...any) (any, error) {
	return c.run(ctx, func(conn redis.Conn) (any, error) { return redis.DoContext(conn, ctx, cmd, args...) })
}

// redisCmd is one command of a pipeline.
type redisCmd struct {
	name string
	args []any
}

// pipe sends cmds in one round trip, inside MULTI/EXEC with tx, and returns their replies in
// order, or the first error among them.
func (c *redisClient) pipe(ctx context.Context, tx bool, cmds ...redisCmd) ([]any, error) {
	reply, err := c.run(ctx, func(conn redis.Conn) (any, error) {
		if tx {
			if err := conn.Send("MULTI"); err != nil {
				return nil, err
			}
		}
		for _, cmd := range cmds {
			if err := conn.Send(cmd.name, cmd.args...); err != nil {
				return nil, err
			}
		}
		if tx {
			return redis.DoContext(conn, ctx, "EXEC")
		}
		return redis.DoContext(conn, ctx, "")
	})
	replies, _ := reply.([]any)
	if err == nil {
		for _, r := range replies {
			if e, ok := r.(redis.Error); ok {
				return replies, e
			}
		}
	}
	return replies, err
}

// run calls f on a connection from the pool, again on another after a broken connection (up
// to maxRetries times), and reports the outcome. An error reply (redis.Error) shows that
// Redis answers: a success for the backend's state. Failures are the errors of reaching it:
// refused, reset, timed out, pool exhausted.
func (c *redisClient) run(ctx context.Context, f func(redis.Conn) (any, error)) (any, error) {
	var reply any
	var err error
	backoff := c.cfg.minBackoff
	for attempt := 0; ; attempt++ {
		reply, err = c.once(ctx, f)
		if attempt >= c.cfg.maxRetries || !retryRedis(err) || ctx.Err() != nil {
			break
		}
		if !sleepCtx(ctx, backoff) {
			break
		}
		backoff = min(2*backoff, c.cfg.maxBackoff)
	}
	if c.state != nil {
		var answer redis.Error
		if errors.As(err, &answer) {
			c.state.observe(ctx, nil)
		} else {
			c.state.observe(ctx, err)
		}
	}
	return reply, err
}

func (c *redisClient) once(ctx context.Context, f func(redis.Conn) (any, error)) (any, error) {
	gctx, cancel := ctx, context.CancelFunc(func() {})
	if c.cfg.poolTimeout > 0 {
		gctx, cancel = context.WithTimeout(ctx, c.cfg.poolTimeout)
	}
	conn, err := c.pool.GetContext(gctx)
	cancel()
	if err != nil {
		if ctx.Err() == nil && errors.Is(err, context.DeadlineExceeded) {
			err = errRedisPoolTimeout
		}
		return nil, err
	}
	defer conn.Close()
	return f(conn)
}

// retryRedis reports whether a call that failed with err may be tried again on another
// connection: the connection was never made, or it broke (Redis restarted, an idle
// connection was dropped), or Redis asks for it. Timeouts are not retried: a write may have
// been applied.
func retryRedis(err error) bool {
	if err == nil || errors.Is(err, context.Canceled) {
		return false
	}
	var op *net.OpError
	if errors.As(err, &op) && op.Op == "dial" {
		return true
	}
	if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, syscall.ECONNRESET) || errors.Is(err, syscall.EPIPE) {
		return true
	}
	var reply redis.Error
	if errors.As(err, &reply) {
		for _, p := range []string{"LOADING ", "READONLY ", "MASTERDOWN ", "TRYAGAIN ", "CLUSTERDOWN "} {
			if strings.HasPrefix(string(reply), p) {
				return true
			}
		}
	}
	return false
}
