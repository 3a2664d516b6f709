package capacity

import (
	"math/bits"
	"slices"
	"strconv"

	"github.com/cespare/xxhash/v2"
)

// The four placement schemes of a resharding. Each places key id (1..N) with 64-bit hash
// h (xxHash64 of the id's decimal digits) on one of n nodes, numbered 0..n-1; node i is
// the same node before and after, so that growing from A to B nodes adds nodes A..B-1 and
// shrinking removes nodes B..A-1.
//
// They are written here rather than taken from a package: the Go packages for a ring
// (golang/groupcache's consistenthash, stathat/consistent) take string keys and hash with
// 32-bit CRC-32, which costs an allocation per lookup and clusters sequential ids; the
// popular buraksezer/consistent bounds the load of partitions, which changes the very
// figures this command reports; jump hash is the paper's seven lines, checked against
// Guava's cross-language golden values in the tests.

// placer places one key on one of the nodes of a layout: before (From) or after (To).
type placer interface {
	// place returns the key's node before and after.
	place(id, h uint64) (before, after int)
}

// moduloPlacer is id % n on the id itself, as in the Swiper notes' sharding table.
type moduloPlacer struct{ from, to uint64 }

func (p moduloPlacer) place(id, _ uint64) (int, int) {
	return int(id % p.from), int(id % p.to)
}

// JumpHash is the jump consistent hash of J. Lamping and E. Veach, "A Fast, Minimal
// Memory, Consistent Hash Algorithm", arXiv:1406.2294, 2014 (figure 1, transcribed): the
// bucket in [0, buckets) of a 64-bit key. Growing from n to n+1 buckets moves a key only
// to the new bucket, with probability 1/(n+1). buckets must be at least 1.
func JumpHash(key uint64, buckets int32) int32 {
	b, j := int64(-1), int64(0)
	for j < int64(buckets) {
		b = j
		key = key*2862933555777941757 + 1
		j = int64(float64(b+1) * (float64(int64(1)<<31) / float64((key>>33)+1)))
	}
	return int32(b)
}

type jumpPlacer struct{ from, to int32 }

// place runs JumpHash's loop once for both bucket counts: the jumps are the same sequence,
// and the smaller count's bucket is the last one below it.
func (p jumpPlacer) place(_, h uint64) (int, int) {
	small, large := min(p.from, p.to), int64(max(p.from, p.to))
	key, b, j := h, int64(-1), int64(0)
	smallB := int64(-1)
	for j < large {
		if j < int64(small) {
			smallB = j
		}
		b = j
		key = key*2862933555777941757 + 1
		j = int64(float64(b+1) * (float64(int64(1)<<31) / float64((key>>33)+1)))
	}
	if p.from < p.to {
		return int(smallB), int(b)
	}
	return int(b), int(smallB)
}

// ring is a consistent-hashing ring (D. Karger et al., "Consistent Hashing and Random
// Trees", STOC 1997) with virtual nodes: each node owns vnodes points at xxHash64 of
// "node-<i>-<v>", and a key belongs to the node of the first point at or after its hash,
// wrapping around (the layout of libketama and of Dynamo's tokens).
type ring struct {
	points []uint64 // sorted
	owners []int32  // owners[i] owns points[i]
	// first[b] is the index of the first point at or after b << shift: a key's search
	// starts there and steps over the point or two of its bucket, instead of a binary
	// search's dozen unpredictable branches.
	first []int32
	shift uint
}

func newRing(nodes, vnodes int) ring {
	type point struct {
		at    uint64
		owner int32
	}
	pts := make([]point, 0, nodes*vnodes)
	buf := make([]byte, 0, 32)
	for n := range nodes {
		for v := range vnodes {
			buf = strconv.AppendInt(append(strconv.AppendInt(append(buf[:0], "node-"...), int64(n), 10), '-'), int64(v), 10)
			pts = append(pts, point{xxhash.Sum64(buf), int32(n)})
		}
	}
	// Ties (a 64-bit collision) go to the lower node, the same before and after.
	slices.SortFunc(pts, func(a, b point) int {
		if a.at != b.at {
			if a.at < b.at {
				return -1
			}
			return 1
		}
		return int(a.owner - b.owner)
	})
	r := ring{points: make([]uint64, len(pts)), owners: make([]int32, len(pts))}
	for i, p := range pts {
		r.points[i], r.owners[i] = p.at, p.owner
	}
	// About two buckets per point, at most 2^22 of them (16 MiB).
	width := min(bits.Len(uint(len(pts)))+1, 22)
	r.shift = uint(64 - width)
	r.first = make([]int32, 1<<width)
	i := 0
	for b := range r.first {
		for i < len(r.points) && r.points[i]>>r.shift < uint64(b) {
			i++
		}
		r.first[b] = int32(i)
	}
	return r
}

// owner returns the node of hash h: the first point at or after h, clockwise.
func (r ring) owner(h uint64) int {
	i := int(r.first[h>>r.shift])
	for i < len(r.points) && r.points[i] < h {
		i++
	}
	if i == len(r.points) {
		i = 0
	}
	return int(r.owners[i])
}

// movedArcShare is the share of the hash space whose owner differs between the rings r
// (before) and to (after): the arcs, each ending at a point, whose owner in the larger
// ring is a node the smaller ring lacks (the rings share the smaller one's points). It is
// the share of keys the ring moves in expectation over keys, for this ring.
func (r ring) movedArcShare(to ring) float64 {
	large, small := to, r
	if len(r.points) > len(to.points) {
		large, small = r, to
	}
	nodes := int32(0)
	for _, o := range small.owners {
		nodes = max(nodes, o+1)
	}
	moved := 0.0
	for i, at := range large.points {
		if large.owners[i] < nodes {
			continue
		}
		prev := large.points[(i+len(large.points)-1)%len(large.points)]
		moved += float64(at - prev) // wraps around for the first point
	}
	return moved / (1 << 64)
}

type ringPlacer struct{ from, to ring }

func (p ringPlacer) place(_, h uint64) (int, int) { return p.from.owner(h), p.to.owner(h) }

// rendezvousPlacer is rendezvous or highest-random-weight hashing (D. G. Thaler and C. V.
// Ravishankar, "Using Name-Based Mappings to Increase Hit Rates", IEEE/ACM Transactions on
// Networking 6(1), 1998): a key belongs to the node with the highest weight
// fmix64(h ⊕ hash(node)), fmix64 being MurmurHash3's 64-bit finaliser. Removing a node moves
// only its keys; adding one takes the keys for which it scores highest.
type rendezvousPlacer struct {
	from, to int
	nodes    []uint64 // xxHash64 of "node-<i>" for max(from, to) nodes
}

func newRendezvous(from, to int) rendezvousPlacer {
	p := rendezvousPlacer{from: from, to: to, nodes: make([]uint64, max(from, to))}
	for i := range p.nodes {
		p.nodes[i] = xxhash.Sum64String("node-" + strconv.Itoa(i))
	}
	return p
}

// place scores the larger layout once: the smaller one is its first nodes, so its winner
// is the best of that prefix.
func (p rendezvousPlacer) place(_, h uint64) (int, int) {
	small := min(p.from, p.to)
	best, bestW := 0, uint64(0)
	for i, n := range p.nodes[:small] {
		if w := fmix64(h ^ n); i == 0 || w > bestW {
			best, bestW = i, w
		}
	}
	smallBest := best
	for i := small; i < len(p.nodes); i++ {
		if w := fmix64(h ^ p.nodes[i]); w > bestW {
			best, bestW = i, w
		}
	}
	if p.from <= p.to {
		return smallBest, best
	}
	return best, smallBest
}

// fmix64 is the 64-bit finaliser of Austin Appleby's MurmurHash3: a bijection whose every
// input bit flips each output bit with probability about 1/2.
func fmix64(k uint64) uint64 {
	k ^= k >> 33
	k *= 0xff51afd7ed558ccd
	k ^= k >> 33
	k *= 0xc4ceb9fe1a85ec53
	k ^= k >> 33
	return k
}

// keyHash is the hash of key id that the hashed schemes place: xxHash64 of its decimal
// digits, as a store hashes the key "12345".
func keyHash(id uint64) uint64 {
	var buf [20]byte
	return xxhash.Sum64(strconv.AppendUint(buf[:0], id, 10))
}
