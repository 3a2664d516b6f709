package server

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strconv"
	"sync"
	"time"

	"github.com/redis/go-redis/v9"
)

// redisCache is the Cache over Redis: a string key per profile, SET EX for codes and a
// sorted set (ZINCRBY, ZREVRANGE) for the rank. Every key starts with prefix.
type redisCache struct {
	rdb     *redis.Client
	prefix  string
	codeTTL time.Duration
}

// openRedisCache connects to Redis and pings it. From then on every command's outcome goes
// to a backendState that writes to log when Redis stops answering and when it answers again.
func openRedisCache(ctx context.Context, rawURL, prefix string, codeTTL time.Duration, poolSize int, log io.Writer) (*redisCache, error) {
	opt, err := redis.ParseURL(rawURL)
	if err != nil {
		return nil, fmt.Errorf("server: cache %s: %w", redactURL(rawURL), err)
	}
	opt.PoolSize = poolSize
	quietRedisOnce.Do(func() { redis.SetLogger(quietRedis{}) })
	c := &redisCache{rdb: redis.NewClient(opt), prefix: prefix, codeTTL: codeTTL}
	if err := c.Ping(ctx); err != nil {
		c.rdb.Close()
		return nil, fmt.Errorf("server: cache %s: %w", redactURL(rawURL), err)
	}
	c.rdb.AddHook(stateHook{newBackendState("cache "+redactURL(rawURL), log)})
	return c, nil
}

// quietRedis discards go-redis's own log, which writes to os.Stderr one line per failed dial
// (five retries, every request) while Redis is down; backendState reports outages instead,
// once each, to the server's Log. go-redis has one logger per process, so this is set once.
type quietRedis struct{}

func (quietRedis) Printf(context.Context, string, ...any) {}

var quietRedisOnce sync.Once

// stateHook reports every command's and pipeline's outcome to a backendState. A reply, even
// an error reply (redis.Nil for no such key, or an ERR such as an older Redis's answer to
// the CLIENT SETINFO that go-redis sends on connecting), shows that Redis answers: a success.
// Failures are the errors of reaching it: refused, reset, timed out, pool exhausted.
type stateHook struct{ state *backendState }

func (h stateHook) DialHook(next redis.DialHook) redis.DialHook { return next }

func (h stateHook) ProcessHook(next redis.ProcessHook) redis.ProcessHook {
	return func(ctx context.Context, cmd redis.Cmder) error {
		return h.observe(ctx, next(ctx, cmd))
	}
}

func (h stateHook) ProcessPipelineHook(next redis.ProcessPipelineHook) redis.ProcessPipelineHook {
	return func(ctx context.Context, cmds []redis.Cmder) error {
		return h.observe(ctx, next(ctx, cmds))
	}
}

func (h stateHook) observe(ctx context.Context, err error) error {
	var reply redis.Error
	if errors.As(err, &reply) {
		h.state.observe(ctx, nil)
		return err
	}
	return h.state.observe(ctx, err)
}

func (c *redisCache) Kind() string { return "redis" }
func (c *redisCache) Close() error { return c.rdb.Close() }
func (c *redisCache) Ping(ctx context.Context) error {
	return c.rdb.Ping(ctx).Err()
}

func (c *redisCache) profileKey(uid int64) string {
	return c.prefix + "user:" + strconv.FormatInt(uid, 10)
}

func (c *redisCache) Profile(ctx context.Context, uid int64) ([]byte, bool, error) {
	data, err := c.rdb.Get(ctx, c.profileKey(uid)).Bytes()
	if errors.Is(err, redis.Nil) {
		return nil, false, nil
	}
	return data, err == nil, err
}

// SetProfiles writes the profiles in pipelined batches.
func (c *redisCache) SetProfiles(ctx context.Context, profiles map[int64][]byte) error {
	pipe := c.rdb.Pipeline()
	for uid, data := range profiles {
		pipe.Set(ctx, c.profileKey(uid), data, 0)
		if pipe.Len() >= 500 {
			if _, err := pipe.Exec(ctx); err != nil {
				return err
			}
		}
	}
	_, err := pipe.Exec(ctx)
	return err
}

func (c *redisCache) DeleteProfile(ctx context.Context, uid int64) error {
	return c.rdb.Del(ctx, c.profileKey(uid)).Err()
}

func (c *redisCache) SetCode(ctx context.Context, phone, code string) error {
	return c.rdb.Set(ctx, c.prefix+"vcode:"+phone, code, c.codeTTL).Err()
}

// TakeCode uses GETDEL so a code can be used once even under concurrent logins.
func (c *redisCache) TakeCode(ctx context.Context, phone string) (string, bool, error) {
	code, err := c.rdb.GetDel(ctx, c.prefix+"vcode:"+phone).Result()
	if errors.Is(err, redis.Nil) {
		return "", false, nil
	}
	return code, err == nil, err
}

func (c *redisCache) AddRank(ctx context.Context, uid int64, points float64) error {
	return c.rdb.ZIncrBy(ctx, c.prefix+"rank", points, strconv.FormatInt(uid, 10)).Err()
}

func (c *redisCache) TopRank(ctx context.Context, n int) ([]RankEntry, error) {
	zs, err := c.rdb.ZRevRangeWithScores(ctx, c.prefix+"rank", 0, int64(n)-1).Result()
	if err != nil {
		return nil, err
	}
	out := make([]RankEntry, 0, len(zs))
	for _, z := range zs {
		member, _ := z.Member.(string)
		uid, err := strconv.ParseInt(member, 10, 64)
		if err != nil {
			return nil, fmt.Errorf("rank member %q: %w", member, err)
		}
		out = append(out, RankEntry{UID: uid, Score: z.Score})
	}
	return out, nil
}
