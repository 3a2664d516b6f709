package scenarios

import (
	"encoding/binary"
	"fmt"
	"math/bits"
	"strconv"
	"sync"
	"time"

	"github.com/loadtestdev/loadtest/server/auth"
)

// rng is SplitMix64 (Steele, Lea and Flood, "Fast splittable pseudorandom number generators",
// OOPSLA 2014): one uint64 of state, so every hit gets its own generator on the stack, derived
// from the seed and the hit's sequence number. Hit N therefore draws the same numbers for a
// given seed whichever goroutine renders it, with no lock shared between workers.
type rng struct{ s uint64 }

const golden = 0x9e3779b97f4a7c15

func mix64(z uint64) uint64 {
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9
	z = (z ^ (z >> 27)) * 0x94d049bb133111eb
	return z ^ (z >> 31)
}

// hitRNG is the generator of hit number seq under seed.
func hitRNG(seed, seq uint64) rng { return rng{s: mix64(seed ^ mix64(seq*golden))} }

func (r *rng) next() uint64 {
	r.s += golden
	return mix64(r.s)
}

// below returns a number in [0, n) by Lemire's multiply-shift (bias below n/2^64).
func (r *rng) below(n uint64) uint64 {
	hi, _ := bits.Mul64(r.next(), n)
	return hi
}

// between returns a number in [lo, hi]; the parser guarantees hi-lo fits in an int64.
func (r *rng) between(lo, hi int64) int64 {
	return lo + int64(r.below(uint64(hi-lo)+1))
}

// betweenExcept returns a number in [lo, hi] other than x (lo < hi).
func (r *rng) betweenExcept(lo, hi, x int64) int64 {
	if x < lo || x > hi {
		return r.between(lo, hi)
	}
	v := r.between(lo, hi-1)
	if v >= x {
		v++
	}
	return v
}

const hexDigits = "0123456789abcdef"

// appendUUID appends a random version 4 UUID (RFC 9562) in its 36-character form.
func appendUUID(dst []byte, r *rng) []byte {
	var b [16]byte
	binary.LittleEndian.PutUint64(b[:8], r.next())
	binary.LittleEndian.PutUint64(b[8:], r.next())
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	for i, c := range b {
		if i == 4 || i == 6 || i == 8 || i == 10 {
			dst = append(dst, '-')
		}
		dst = append(dst, hexDigits[c>>4], hexDigits[c&0xf])
	}
	return dst
}

// parseInt parses a decimal integer from bytes, without allocating for short ones.
func parseInt(b []byte) (int64, bool) {
	if len(b) == 0 || len(b) > 18 {
		n, err := strconv.ParseInt(string(b), 10, 64)
		return n, err == nil
	}
	neg := b[0] == '-'
	if neg || b[0] == '+' {
		b = b[1:]
		if len(b) == 0 {
			return 0, false
		}
	}
	var n int64
	for _, c := range b {
		if c < '0' || c > '9' {
			return 0, false
		}
		n = n*10 + int64(c-'0')
	}
	if neg {
		n = -n
	}
	return n, true
}

// Tokens are minted valid for tokenTTL and reused until half of it has passed, so a long run
// never sends an expired token and a short one signs each user's token once.
const (
	tokenTTL       = time.Hour
	tokenShards    = 64
	tokensPerShard = 4096 // at most 262144 cached tokens (about 25 MB) however wide the uid range
)

// tokenCache mints session tokens with server/auth and caches them per uid.
type tokenCache struct {
	secret []byte
	now    func() time.Time
	shards [tokenShards]tokenShard
}

type tokenShard struct {
	mu sync.RWMutex
	m  map[int64]cachedToken
	_  [32]byte // keep shards on separate cache lines
}

type cachedToken struct {
	token   string
	renewAt int64 // Unix nanoseconds
}

func newTokenCache(secret []byte, now func() time.Time) *tokenCache {
	c := &tokenCache{secret: secret, now: now}
	for i := range c.shards {
		c.shards[i].m = make(map[int64]cachedToken)
	}
	return c
}

func (c *tokenCache) get(uid int64) string {
	now := c.now()
	sh := &c.shards[uint64(uid)%tokenShards]
	sh.mu.RLock()
	t, ok := sh.m[uid]
	sh.mu.RUnlock()
	if ok && now.UnixNano() < t.renewAt {
		return t.token
	}
	t = cachedToken{token: auth.Mint(c.secret, uid, now.Add(tokenTTL)), renewAt: now.Add(tokenTTL / 2).UnixNano()}
	sh.mu.Lock()
	if len(sh.m) >= tokensPerShard {
		clear(sh.m)
	}
	sh.m[uid] = t
	sh.mu.Unlock()
	return t.token
}

// hit is the scratch state of one Next call, pooled and reused.
type hit struct {
	seq  uint64
	rng  rng
	row  []string // this hit's feeder row, fetched on first use
	vals []span   // value of each variable (indexed like Plan.vars) in vbuf
	vbuf []byte
	out  []byte // rendered URL and header values
	ends []int
	body []byte
}

type span struct{ start, end int }

func (h *hit) reset(seq uint64, r rng, nvars int) {
	h.seq, h.rng, h.row = seq, r, nil
	if cap(h.vals) < nvars {
		h.vals = make([]span, nvars)
	}
	h.vals = h.vals[:nvars]
	h.vbuf, h.out, h.ends, h.body = h.vbuf[:0], h.out[:0], h.ends[:0], h.body[:0]
}

// maxPooledBuffer keeps one huge rendered body from pinning its buffer in the pool.
const maxPooledBuffer = 1 << 20

func (h *hit) shrink() {
	if cap(h.body) > maxPooledBuffer {
		h.body = nil
	}
	if cap(h.vbuf) > maxPooledBuffer {
		h.vbuf = nil
	}
	if cap(h.out) > maxPooledBuffer {
		h.out = nil
	}
}

// render appends the output of ops for hit h to dst.
func (p *Plan) render(h *hit, dst []byte, ops []op) ([]byte, error) {
	for i := range ops {
		o := &ops[i]
		start := len(dst)
		switch o.kind {
		case opText:
			dst = append(dst, o.text...)
		case opRandInt:
			dst = strconv.AppendInt(dst, h.rng.between(o.lo, o.hi), 10)
		case opRandIntExcept:
			x, err := p.operand(h, o.arg)
			if err != nil {
				return dst, err
			}
			dst = strconv.AppendInt(dst, h.rng.betweenExcept(o.lo, o.hi, x), 10)
		case opChoice:
			dst = append(dst, o.choices[h.rng.below(uint64(len(o.choices)))]...)
		case opCounter:
			dst = strconv.AppendUint(dst, h.seq, 10)
		case opUUID:
			dst = appendUUID(dst, &h.rng)
		case opCSV:
			if h.row == nil {
				h.row = p.feeder.next()
			}
			dst = append(dst, h.row[o.idx]...)
		case opVar:
			v := h.vals[o.idx]
			dst = append(dst, h.vbuf[v.start:v.end]...)
		case opToken:
			uid, err := p.operand(h, o.arg)
			if err != nil {
				return dst, err
			}
			dst = append(dst, p.tokens.get(uid)...)
		}
		if len(o.xforms) > 0 {
			dst = applyXforms(dst, start, o.xforms)
		}
		if o.esc != escRaw {
			dst = escapeTail(dst, start, o.esc)
		}
	}
	return dst, nil
}

// operand is the integer value of a literal or of a variable of hit h.
func (p *Plan) operand(h *hit, a operand) (int64, error) {
	if a.name == "" {
		return a.n, nil
	}
	v := h.vals[a.v]
	n, ok := parseInt(h.vbuf[v.start:v.end])
	if !ok {
		return 0, fmt.Errorf("scenarios: variable %s is %q, not an integer", a.name, h.vbuf[v.start:v.end])
	}
	return n, nil
}
