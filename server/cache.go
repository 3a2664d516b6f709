package server

import (
	"container/heap"
	"context"
	"sync"
	"time"

	"github.com/hashicorp/golang-lru/v2/expirable"
)

// RankEntry is one line of the hot rank: a user and their points.
type RankEntry struct {
	UID   int64   `json:"uid"`
	Score float64 `json:"score"`
}

// Cache is the cache tier: profile JSON by uid, login codes with a TTL, and the hot rank.
// Implementations must be safe for concurrent use.
type Cache interface {
	// Kind names the backend: "memory" or "redis".
	Kind() string
	Ping(ctx context.Context) error
	// Profile returns the cached profile JSON of uid; ok is false on a miss.
	Profile(ctx context.Context, uid int64) (data []byte, ok bool, err error)
	SetProfiles(ctx context.Context, profiles map[int64][]byte) error
	DeleteProfile(ctx context.Context, uid int64) error
	// SetCode stores a login code for phone; it expires after the cache's code TTL.
	SetCode(ctx context.Context, phone, code string) error
	// TakeCode returns and deletes the code stored for phone; ok is false if none is live.
	TakeCode(ctx context.Context, phone string) (code string, ok bool, err error)
	// AddRank adds points to uid's score in the hot rank.
	AddRank(ctx context.Context, uid int64, points float64) error
	// TopRank returns the n highest scores, highest first (the order of ties is the backend's).
	TopRank(ctx context.Context, n int) ([]RankEntry, error)
	Close() error
}

// memoryCache is the in-process Cache: bounded LRUs from hashicorp/golang-lru and a rank map.
type memoryCache struct {
	profiles *expirable.LRU[int64, []byte]
	codes    *expirable.LRU[string, string]
	codesMu  sync.Mutex // makes TakeCode's get-and-delete atomic

	rankMu sync.Mutex
	rank   map[int64]float64
}

func newMemoryCache(size int, codeTTL time.Duration) *memoryCache {
	return &memoryCache{
		profiles: expirable.NewLRU[int64, []byte](size, nil, 0),
		codes:    expirable.NewLRU[string, string](size, nil, codeTTL),
		rank:     make(map[int64]float64),
	}
}

func (c *memoryCache) Kind() string               { return "memory" }
func (c *memoryCache) Ping(context.Context) error { return nil }
func (c *memoryCache) Close() error               { c.profiles.Purge(); c.codes.Purge(); return nil }
func (c *memoryCache) DeleteProfile(_ context.Context, uid int64) error {
	c.profiles.Remove(uid)
	return nil
}

func (c *memoryCache) Profile(_ context.Context, uid int64) ([]byte, bool, error) {
	data, ok := c.profiles.Get(uid)
	return data, ok, nil
}

func (c *memoryCache) SetProfiles(_ context.Context, profiles map[int64][]byte) error {
	for uid, data := range profiles {
		c.profiles.Add(uid, data)
	}
	return nil
}

func (c *memoryCache) SetCode(_ context.Context, phone, code string) error {
	c.codes.Add(phone, code)
	return nil
}

func (c *memoryCache) TakeCode(_ context.Context, phone string) (string, bool, error) {
	c.codesMu.Lock()
	defer c.codesMu.Unlock()
	code, ok := c.codes.Get(phone)
	if ok {
		c.codes.Remove(phone)
	}
	return code, ok, nil
}

func (c *memoryCache) AddRank(_ context.Context, uid int64, points float64) error {
	c.rankMu.Lock()
	c.rank[uid] += points
	c.rankMu.Unlock()
	return nil
}

// TopRank keeps the best n in a min-heap while scanning the scores: O(len·log n).
func (c *memoryCache) TopRank(_ context.Context, n int) ([]RankEntry, error) {
	h := rankHeap{}
	c.rankMu.Lock()
	for uid, score := range c.rank {
		e := RankEntry{UID: uid, Score: score}
		if len(h) < n {
			heap.Push(&h, e)
		} else if n > 0 && rankBefore(e, h[0]) {
			h[0] = e
			heap.Fix(&h, 0)
		}
	}
	c.rankMu.Unlock()
	out := make([]RankEntry, len(h))
	for i := len(h) - 1; i >= 0; i-- {
		out[i] = heap.Pop(&h).(RankEntry)
	}
	return out, nil
}

// rankBefore orders the rank: higher score first, then lower uid.
func rankBefore(a, b RankEntry) bool {
	if a.Score != b.Score {
		return a.Score > b.Score
	}
	return a.UID < b.UID
}

// rankHeap is a min-heap in rank order: its root is the entry that ranks last.
type rankHeap []RankEntry

func (h rankHeap) Len() int           { return len(h) }
func (h rankHeap) Less(i, j int) bool { return rankBefore(h[j], h[i]) }
func (h rankHeap) Swap(i, j int)      { h[i], h[j] = h[j], h[i] }
func (h *rankHeap) Push(x any)        { *h = append(*h, x.(RankEntry)) }
func (h *rankHeap) Pop() any {
	old := *h
	e := old[len(old)-1]
	*h = old[:len(old)-1]
	return e
}
