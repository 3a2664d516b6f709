package server

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strconv"
	"time"

	"github.com/gomodule/redigo/redis"
)

// redisCache is the Cache over Redis: a string key per profile, SET EX for codes and a
// sorted set (ZINCRBY, ZREVRANGE) for the rank. Every key starts with prefix.
type redisCache struct {
	rdb     *redisClient
	prefix  string
	codeTTL time.Duration
}

// openRedisCache connects to Redis with a pool of poolSize connections (unless the URL's
// pool_size says otherwise) and pings it. From then on every command's outcome goes to a
// backendState that writes to log when Redis stops answering and when it answers again.
func openRedisCache(ctx context.Context, rawURL, prefix string, codeTTL time.Duration, poolSize int, log io.Writer) (*redisCache, error) {
	cfg, err := parseRedisURL(rawURL, poolSize)
	if err != nil {
		return nil, fmt.Errorf("server: cache %s: %w", redactURL(rawURL), err)
	}
	c := &redisCache{rdb: newRedisClient(cfg, nil), prefix: prefix, codeTTL: codeTTL}
	if err := c.Ping(ctx); err != nil {
		c.rdb.Close()
		return nil, fmt.Errorf("server: cache %s: %w", redactURL(rawURL), err)
	}
	c.rdb.state = newBackendState("cache "+redactURL(rawURL), log)
	return c, nil
}

func (c *redisCache) Kind() string { return "redis" }
func (c *redisCache) Close() error { return c.rdb.Close() }
func (c *redisCache) Ping(ctx context.Context) error {
	_, err := c.rdb.do(ctx, "PING")
	return err
}

func (c *redisCache) profileKey(uid int64) string {
	return c.prefix + "user:" + strconv.FormatInt(uid, 10)
}

func (c *redisCache) Profile(ctx context.Context, uid int64) ([]byte, bool, error) {
	data, err := redis.Bytes(c.rdb.do(ctx, "GET", c.profileKey(uid)))
	if errors.Is(err, redis.ErrNil) {
		return nil, false, nil
	}
	return data, err == nil, err
}

// SetProfiles writes the profiles in pipelined batches of 500.
func (c *redisCache) SetProfiles(ctx context.Context, profiles map[int64][]byte) error {
	batch := make([]redisCmd, 0, min(len(profiles), 500))
	for uid, data := range profiles {
		batch = append(batch, redisCmd{"SET", []any{c.profileKey(uid), data}})
		if len(batch) == 500 {
			if _, err := c.rdb.pipe(ctx, false, batch...); err != nil {
				return err
			}
			batch = batch[:0]
		}
	}
	if len(batch) == 0 {
		return nil
	}
	_, err := c.rdb.pipe(ctx, false, batch...)
	return err
}

func (c *redisCache) DeleteProfile(ctx context.Context, uid int64) error {
	_, err := c.rdb.do(ctx, "DEL", c.profileKey(uid))
	return err
}

// SetCode stores a code for codeTTL (in milliseconds, as go-redis did for a TTL that is not
// whole seconds); a codeTTL of 0 keeps it.
func (c *redisCache) SetCode(ctx context.Context, phone, code string) error {
	args := []any{c.prefix + "vcode:" + phone, code}
	if c.codeTTL > 0 {
		if c.codeTTL%time.Second == 0 {
			args = append(args, "EX", int64(c.codeTTL/time.Second))
		} else {
			args = append(args, "PX", max(int64(c.codeTTL/time.Millisecond), 1))
		}
	}
	_, err := c.rdb.do(ctx, "SET", args...)
	return err
}

// TakeCode uses GETDEL so a code can be used once even under concurrent logins.
func (c *redisCache) TakeCode(ctx context.Context, phone string) (string, bool, error) {
	code, err := redis.String(c.rdb.do(ctx, "GETDEL", c.prefix+"vcode:"+phone))
	if errors.Is(err, redis.ErrNil) {
		return "", false, nil
	}
	return code, err == nil, err
}

func (c *redisCache) AddRank(ctx context.Context, uid int64, points float64) error {
	_, err := c.rdb.do(ctx, "ZINCRBY", c.prefix+"rank", points, strconv.FormatInt(uid, 10))
	return err
}

func (c *redisCache) TopRank(ctx context.Context, n int) ([]RankEntry, error) {
	vals, err := redis.Values(c.rdb.do(ctx, "ZREVRANGE", c.prefix+"rank", 0, n-1, "WITHSCORES"))
	if err != nil {
		return nil, err
	}
	out := make([]RankEntry, 0, len(vals)/2)
	for len(vals) >= 2 {
		var member string
		var score float64
		if vals, err = redis.Scan(vals, &member, &score); err != nil {
			return nil, fmt.Errorf("rank: %w", err)
		}
		uid, err := strconv.ParseInt(member, 10, 64)
		if err != nil {
			return nil, fmt.Errorf("rank member %q: %w", member, err)
		}
		out = append(out, RankEntry{UID: uid, Score: score})
	}
	return out, nil
}
