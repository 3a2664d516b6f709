package capacity

import (
	"context"
	"fmt"
	"math"
	"runtime"
	"slices"
	"strings"
	"sync"
)

// Scheme is how a resharding places keys on nodes.
type Scheme string

// The placement schemes of Reshard.
const (
	// SchemeModulo is id % n on the id itself.
	SchemeModulo Scheme = "mod"
	// SchemeConsistent is a consistent-hashing ring with virtual nodes.
	SchemeConsistent Scheme = "consistent"
	// SchemeJump is Lamping and Veach's jump consistent hash.
	SchemeJump Scheme = "jump"
	// SchemeRendezvous is rendezvous (highest random weight) hashing.
	SchemeRendezvous Scheme = "rendezvous"
)

// Schemes are all the placement schemes, in the order Reshard reports them.
var Schemes = []Scheme{SchemeModulo, SchemeConsistent, SchemeJump, SchemeRendezvous}

// SchemeAll names every scheme at once in ParseSchemes.
const SchemeAll = "all"

// ParseSchemes reads a scheme name, or a comma-separated list of them, or "all".
func ParseSchemes(s string) ([]Scheme, error) {
	if strings.TrimSpace(s) == SchemeAll {
		return Schemes, nil
	}
	var out []Scheme
	for name := range strings.SplitSeq(s, ",") {
		sc := Scheme(strings.TrimSpace(name))
		switch {
		case !isScheme(sc):
			return nil, fmt.Errorf("unknown scheme %q (allowed: mod, consistent, jump, rendezvous, all)", strings.TrimSpace(name))
		case !slices.Contains(out, sc):
			out = append(out, sc)
		}
	}
	return out, nil
}

func isScheme(s Scheme) bool { return slices.Contains(Schemes, s) }

// Bounds of a resharding's inputs: a ring of MaxNodes × MaxVirtualNodes points would take
// far more memory than the keys it places, so their product is bounded too.
const (
	MaxNodes        = 65536
	MaxVirtualNodes = 10000
	MaxRingPoints   = 1 << 24
	// MaxKeys is about a trillion keys: hours of placing, and far from overflow.
	MaxKeys = 1 << 40
)

// ReshardInput is a resharding to price: keys 1..Keys placed on From nodes, then on To.
type ReshardInput struct {
	Keys     uint64
	From, To int
	Schemes  []Scheme
	// VirtualNodes is the number of points per node on the consistent-hashing ring.
	VirtualNodes int
	// BytesPerKey and CopyRate (bytes per second), when > 0, price the keys that move.
	BytesPerKey float64
	CopyRate    float64
	// Workers place the keys in parallel; 0 means GOMAXPROCS.
	Workers int
}

// Validate checks a resharding's inputs; the errors are InputErrors naming the field.
func (in ReshardInput) Validate() error {
	switch {
	case in.Keys == 0 || in.Keys > MaxKeys:
		return badInput("keys", float64(in.Keys), "a whole number of keys from 1 to 2^40")
	case in.From < 1 || in.From > MaxNodes:
		return badInput("from", float64(in.From), "a whole number of nodes from 1 to 65536")
	case in.To < 1 || in.To > MaxNodes:
		return badInput("to", float64(in.To), "a whole number of nodes from 1 to 65536")
	case in.To == in.From:
		return badInput("to", float64(in.To), fmt.Sprintf("a node count other than from (%d): nothing would move", in.From))
	case len(in.Schemes) == 0:
		return fmt.Errorf("capacity: no scheme given (allowed: mod, consistent, jump, rendezvous)")
	case in.BytesPerKey < 0 || isInf(in.BytesPerKey) || math.IsNaN(in.BytesPerKey):
		return badInput("bytes_per_key", in.BytesPerKey, "a size of 0 or more bytes")
	case in.CopyRate < 0 || isInf(in.CopyRate) || math.IsNaN(in.CopyRate):
		return badInput("copy_rate", in.CopyRate, "a rate greater than 0, e.g. 100MB/s")
	}
	for _, s := range in.Schemes {
		if !isScheme(s) {
			return fmt.Errorf("capacity: unknown scheme %q (allowed: mod, consistent, jump, rendezvous)", s)
		}
	}
	if slices.Contains(in.Schemes, SchemeConsistent) {
		if in.VirtualNodes < 1 || in.VirtualNodes > MaxVirtualNodes {
			return badInput("vnodes", float64(in.VirtualNodes), "a whole number of virtual nodes per node from 1 to 10000")
		}
		if points := max(in.From, in.To) * in.VirtualNodes; points > MaxRingPoints {
			return badInput("vnodes", float64(in.VirtualNodes), fmt.Sprintf("at most %d with %d nodes (a ring of at most %d points)",
				MaxRingPoints/max(in.From, in.To), max(in.From, in.To), MaxRingPoints))
		}
	}
	return nil
}

// Reshard is the priced resharding: for each scheme, what moves and how balanced the
// nodes are before and after.
type Reshard struct {
	Input ReshardInput
	// IdealMovedShare is the least any scheme can move: |To − From| / max(From, To), the
	// share of the keys that must land on the added nodes or leave the removed ones.
	IdealMovedShare float64
	Results         []SchemeReshard
}

// SchemeReshard is one scheme's resharding, counted key by key.
type SchemeReshard struct {
	Scheme       Scheme
	VirtualNodes int // of the consistent scheme; 0 for the others
	MovedKeys    uint64
	MovedShare   float64
	// ExpectedMovedShare is the share the scheme moves by its model: 1 − min(A,B) /
	// lcm(A,B) for modulo (a key stays where id ≡ r mod lcm(A,B) for some r < min(A,B));
	// for the ring, the share of the hash space that changes owner on this very ring (its
	// mean over rings is the ideal share, its spread about 1/√vnodes of it); the ideal
	// share for jump and rendezvous.
	ExpectedMovedShare float64
	MovedBytes         float64
	// CopySeconds is MovedBytes / CopyRate; 0 without a rate.
	CopySeconds   float64
	Before, After Balance
}

// Balance is how evenly keys lie on the nodes: Ratio is the largest node ÷ the mean (1 is
// perfect; the largest node fills first and sets the capacity of all).
type Balance struct {
	Nodes    int
	Largest  uint64
	Smallest uint64
	Mean     float64
	Ratio    float64
}

// ExpectedMovedShare is the share of keys the scheme moves from `from` to `to` nodes by
// its model: for modulo exactly 1 − min(A,B) / lcm(A,B), for the others the ideal
// |B − A| / max(A,B) (for a ring, the mean over rings).
func ExpectedMovedShare(s Scheme, from, to int) float64 {
	if s == SchemeModulo {
		lcm := float64(from) / float64(gcd(from, to)) * float64(to)
		return 1 - float64(min(from, to))/lcm
	}
	return idealMovedShare(from, to)
}

func idealMovedShare(from, to int) float64 {
	return math.Abs(float64(to-from)) / float64(max(from, to))
}

func gcd(a, b int) int {
	for b != 0 {
		a, b = b, a%b
	}
	return a
}

// PlanReshard places keys 1..in.Keys under each scheme before and after and counts, key
// by key, those that change node and the keys on each node. Keys are streamed: memory is
// the nodes' counters and the ring, whatever the key count. ctx stops it early.
func PlanReshard(ctx context.Context, in ReshardInput) (Reshard, error) {
	if err := in.Validate(); err != nil {
		return Reshard{}, err
	}
	placers := make([]placer, len(in.Schemes))
	for i, s := range in.Schemes {
		placers[i] = newPlacer(s, in)
	}
	total, err := countPlacements(ctx, in, placers)
	if err != nil {
		return Reshard{}, err
	}
	out := Reshard{Input: in, IdealMovedShare: idealMovedShare(in.From, in.To)}
	for i, s := range in.Schemes {
		r := SchemeReshard{Scheme: s, MovedKeys: total[i].moved,
			MovedShare:         float64(total[i].moved) / float64(in.Keys),
			ExpectedMovedShare: ExpectedMovedShare(s, in.From, in.To),
			MovedBytes:         float64(total[i].moved) * in.BytesPerKey,
			Before:             balanceOf(total[i].before, in.Keys),
			After:              balanceOf(total[i].after, in.Keys)}
		if rp, ok := placers[i].(ringPlacer); ok {
			r.VirtualNodes = in.VirtualNodes
			r.ExpectedMovedShare = rp.from.movedArcShare(rp.to)
		}
		if in.CopyRate > 0 {
			r.CopySeconds = r.MovedBytes / in.CopyRate
		}
		out.Results = append(out.Results, r)
	}
	return out, nil
}

func newPlacer(s Scheme, in ReshardInput) placer {
	switch s {
	case SchemeConsistent:
		return ringPlacer{from: newRing(in.From, in.VirtualNodes), to: newRing(in.To, in.VirtualNodes)}
	case SchemeJump:
		return jumpPlacer{from: int32(in.From), to: int32(in.To)}
	case SchemeRendezvous:
		return newRendezvous(in.From, in.To)
	}
	return moduloPlacer{from: uint64(in.From), to: uint64(in.To)}
}

// tally is one scheme's counts: keys moved, keys per node before and after.
type tally struct {
	moved         uint64
	before, after []uint64
}

func newTallies(in ReshardInput, n int) []tally {
	t := make([]tally, n)
	for i := range t {
		t[i] = tally{before: make([]uint64, in.From), after: make([]uint64, in.To)}
	}
	return t
}

// chunkKeys is how many keys a worker places between looks at ctx.
const chunkKeys = 1 << 16

// countPlacements splits 1..Keys into chunks that Workers goroutines take in turn, each
// counting into its own tallies, and sums them. The sums do not depend on the split.
func countPlacements(ctx context.Context, in ReshardInput, placers []placer) ([]tally, error) {
	workers := in.Workers
	if workers <= 0 {
		workers = runtime.GOMAXPROCS(0)
	}
	chunks := (in.Keys + chunkKeys - 1) / chunkKeys
	workers = int(min(uint64(workers), chunks))
	var (
		mu    sync.Mutex
		next  uint64
		parts = make([][]tally, workers)
		wg    sync.WaitGroup
	)
	take := func() (uint64, bool) {
		mu.Lock()
		defer mu.Unlock()
		if next == chunks || ctx.Err() != nil {
			return 0, false
		}
		next++
		return next - 1, true
	}
	for w := range workers {
		parts[w] = newTallies(in, len(placers))
		wg.Go(func() {
			for c, ok := take(); ok; c, ok = take() {
				first := c*chunkKeys + 1
				placeKeys(first, min(first+chunkKeys-1, in.Keys), placers, parts[w])
			}
		})
	}
	wg.Wait()
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("capacity: resharding stopped after %d of %d keys: %w", min(next*chunkKeys, in.Keys), in.Keys, err)
	}
	total := newTallies(in, len(placers))
	for _, p := range parts {
		for i := range total {
			total[i].moved += p[i].moved
			addCounts(total[i].before, p[i].before)
			addCounts(total[i].after, p[i].after)
		}
	}
	return total, nil
}

// placeKeys places keys first..last (inclusive) with every placer: the key's hash once.
func placeKeys(first, last uint64, placers []placer, t []tally) {
	for id := first; id <= last; id++ {
		h := keyHash(id)
		for i, p := range placers {
			b, a := p.place(id, h)
			t[i].before[b]++
			t[i].after[a]++
			if b != a {
				t[i].moved++
			}
		}
	}
}

func addCounts(dst, src []uint64) {
	for i, v := range src {
		dst[i] += v
	}
}

func balanceOf(counts []uint64, keys uint64) Balance {
	b := Balance{Nodes: len(counts), Smallest: math.MaxUint64, Mean: float64(keys) / float64(len(counts))}
	for _, c := range counts {
		b.Largest = max(b.Largest, c)
		b.Smallest = min(b.Smallest, c)
	}
	b.Ratio = float64(b.Largest) / b.Mean
	return b
}
