package capacity

import (
	"context"
	"errors"
	"math"
	"slices"
	"testing"
)

// TestJumpHashGolden checks JumpHash against Guava's cross-language golden values
// (HashingTest.testConsistentHash_linearCongruentialGeneratorCompatibility, which checks
// Guava against Google's internal implementation) and the Rust jump_consistent_hash
// crate's documented examples, so that the hash is the paper's, not a look-alike.
func TestJumpHashGolden(t *testing.T) {
	golden100 := []int32{0, 55, 62, 8, 45, 59, 86, 97, 82, 59, 73, 37, 17, 56, 86, 21, 90, 37, 38, 83}
	for key, want := range golden100 {
		if got := JumpHash(uint64(key), 100); got != want {
			t.Errorf("JumpHash(%d, 100): got %d, want %d", key, got, want)
		}
	}
	for _, tt := range []struct {
		key     uint64
		buckets int32
		want    int32
	}{
		{10863919174838991, 11, 6},
		{2016238256797177309, 11, 3},
		{1673758223894951030, 11, 5},
		{2, 100001, 80343},
		{2201, 100001, 22152},
		{2202, 100001, 15018},
		{0, 60, 0},
		{1, 60, 55},
		{2, 60, 46},
		{12345, 1, 0},
	} {
		if got := JumpHash(tt.key, tt.buckets); got != tt.want {
			t.Errorf("JumpHash(%d, %d): got %d, want %d", tt.key, tt.buckets, got, tt.want)
		}
	}
}

// TestJumpPlacerMatchesJumpHash checks the one-loop placement against JumpHash run twice.
func TestJumpPlacerMatchesJumpHash(t *testing.T) {
	for _, n := range [][2]int32{{1, 2}, {4, 5}, {5, 4}, {10, 1000}, {1000, 10}, {1, 65536}} {
		p := jumpPlacer{from: n[0], to: n[1]}
		for id := uint64(1); id <= 20_000; id++ {
			h := keyHash(id)
			b, a := p.place(id, h)
			if wb, wa := int(JumpHash(h, n[0])), int(JumpHash(h, n[1])); b != wb || a != wa {
				t.Fatalf("%d→%d, key %d: got %d→%d, want %d→%d", n[0], n[1], id, b, a, wb, wa)
			}
		}
	}
}

func reshard(t *testing.T, in ReshardInput) Reshard {
	t.Helper()
	r, err := PlanReshard(context.Background(), in)
	if err != nil {
		t.Fatalf("PlanReshard(%+v): %v", in, err)
	}
	return r
}

// TestReshardModuloExact checks the modulo scheme's moves exactly: from A to B a key stays
// only where id % A == id % B, which is min(A, B) ids in every lcm(A, B), so with keys a
// multiple of the lcm exactly keys × (1 − min/lcm) move; from N to N+1 that is N/(N+1).
func TestReshardModuloExact(t *testing.T) {
	for _, tt := range []struct {
		name     string
		keys     uint64
		from, to int
		moved    uint64
	}{
		{"1→2 moves half (the notes' figure)", 1000, 1, 2, 500},
		{"2→3 moves 2/3", 6 * 1000, 2, 3, 4000},
		{"3→4 moves 3/4", 12 * 1000, 3, 4, 9000},
		{"4→5 moves 4/5", 20 * 5000, 4, 5, 80000},
		{"9→10 moves 9/10", 90 * 1000, 9, 10, 81000},
		{"99→100 moves 99/100", 9900 * 10, 99, 100, 98010},
		{"4→8 (doubling) moves half", 8 * 1000, 4, 8, 4000},
		{"8→4 (halving) moves half", 8 * 1000, 8, 4, 4000},
		{"4→6: lcm 12, 4 of 12 stay", 12 * 100, 4, 6, 800},
		// By hand: ids 1..10, id%2 vs id%3 agree for 1, 6 and 7 only.
		{"2→3 on 10 keys, counted by hand", 10, 2, 3, 7},
	} {
		t.Run(tt.name, func(t *testing.T) {
			r := reshard(t, ReshardInput{Keys: tt.keys, From: tt.from, To: tt.to, Schemes: []Scheme{SchemeModulo}, Workers: 3})
			got := r.Results[0]
			if got.MovedKeys != tt.moved {
				t.Errorf("moved keys: got %d, want %d", got.MovedKeys, tt.moved)
			}
			if tt.keys > 10 && math.Abs(got.MovedShare-got.ExpectedMovedShare) > 1e-12 {
				t.Errorf("moved share: got %v, want the model's %v", got.MovedShare, got.ExpectedMovedShare)
			}
			// Modulo spreads consecutive ids perfectly: every node holds keys/nodes.
			if tt.keys > 10 && (got.Before.Ratio != 1 || got.After.Ratio != 1) {
				t.Errorf("balance: got %v before and %v after, want 1 and 1", got.Before.Ratio, got.After.Ratio)
			}
		})
	}
}

// TestReshardConsistentSchemesMoveTheMinimum checks that jump and rendezvous hashing move
// about 1/(N+1) of the keys from N to N+1 nodes (and |B−A|/max(A,B) in general). Each key
// moves independently with probability p, so the count is Binomial(K, p) with standard
// deviation sd = √(K·p·(1−p)); K = 1,000,000 keys and N = 4 give p = 0.2 and sd = 400
// keys (0.04 percentage points). The tolerance is 5 sd: a correct hash fails it with
// probability below 10⁻⁶, while a wrong scheme (modulo moves 80%) misses by hundreds of sd.
func TestReshardConsistentSchemesMoveTheMinimum(t *testing.T) {
	const keys = 1_000_000
	for _, tt := range []struct{ from, to int }{{4, 5}, {1, 2}, {10, 11}, {5, 4}, {8, 12}} {
		r := reshard(t, ReshardInput{Keys: keys, From: tt.from, To: tt.to, Schemes: []Scheme{SchemeJump, SchemeRendezvous}})
		p := math.Abs(float64(tt.to-tt.from)) / float64(max(tt.from, tt.to))
		sd := math.Sqrt(keys * p * (1 - p))
		for _, s := range r.Results {
			if got := float64(s.MovedKeys); math.Abs(got-keys*p) > 5*sd {
				t.Errorf("%s %d→%d: moved %v keys, want %v ± %.0f (5 sd)", s.Scheme, tt.from, tt.to, got, keys*p, 5*sd)
			}
			if s.ExpectedMovedShare != p || r.IdealMovedShare != p {
				t.Errorf("%s %d→%d: expected share %v, ideal %v; want %v", s.Scheme, tt.from, tt.to, s.ExpectedMovedShare, r.IdealMovedShare, p)
			}
		}
	}
}

// TestReshardMovesOnlyToNewNodes checks the property that makes jump and rendezvous
// consistent: growing, a key that moves lands on an added node, so every old node only
// loses keys. (Old nodes' counts after ≤ before, and the moved keys are exactly those on
// the new nodes.)
func TestReshardMovesOnlyToNewNodes(t *testing.T) {
	r := reshard(t, ReshardInput{Keys: 200_000, From: 6, To: 9, VirtualNodes: 40,
		Schemes: []Scheme{SchemeJump, SchemeRendezvous, SchemeConsistent}})
	for _, s := range r.Results {
		if s.Before.Nodes != 6 || s.After.Nodes != 9 {
			t.Fatalf("%s: got %d and %d nodes, want 6 and 9", s.Scheme, s.Before.Nodes, s.After.Nodes)
		}
	}
	// Recount with the placers to see where the moved keys went.
	in := r.Input
	for _, s := range in.Schemes {
		p := newPlacer(s, in)
		for id := uint64(1); id <= in.Keys; id++ {
			if b, a := p.place(id, keyHash(id)); b != a && a < in.From {
				t.Fatalf("%s: key %d moved from node %d to old node %d", s, id, b, a)
			}
		}
	}
}

// TestReshardRingBalanceImprovesWithVirtualNodes checks the reason virtual nodes exist:
// with one point per node the arcs, and so the loads, vary wildly; with 160 per node (as
// libketama) each node's share is a sum of 160 arcs and the largest node sits near the mean.
func TestReshardRingBalanceImprovesWithVirtualNodes(t *testing.T) {
	bal := func(v int) SchemeReshard {
		return reshard(t, ReshardInput{Keys: 500_000, From: 10, To: 11, VirtualNodes: v, Schemes: []Scheme{SchemeConsistent}}).Results[0]
	}
	one, many := bal(1), bal(160)
	if !(many.After.Ratio < one.After.Ratio && many.Before.Ratio < one.Before.Ratio) {
		t.Errorf("balance with 160 vnodes (%.3f before, %.3f after) is not better than with 1 (%.3f, %.3f)",
			many.Before.Ratio, many.After.Ratio, one.Before.Ratio, one.After.Ratio)
	}
	// A node's share with v points has a relative sd of about 1/√v (8% at 160): the largest
	// of 11 sits within 1.3 of the mean; one point per node leaves it far above.
	if many.After.Ratio > 1.3 || one.After.Ratio < 1.5 {
		t.Errorf("balance after: got %.3f with 160 vnodes and %.3f with 1, want < 1.3 and > 1.5", many.After.Ratio, one.After.Ratio)
	}
	// Each key moves when its hash falls in an arc that changes owner: the count is
	// Binomial(K, arc share), sd = √(K·p·(1−p)) ≈ 200 keys here; 5 sd of tolerance.
	for _, s := range []SchemeReshard{one, many} {
		p := s.ExpectedMovedShare
		if sd := math.Sqrt(500_000 * p * (1 - p)); math.Abs(float64(s.MovedKeys)-500_000*p) > 5*sd {
			t.Errorf("%d vnodes: moved %d keys, want the ring's arc share %.5f × 500,000 ± %.0f", s.VirtualNodes, s.MovedKeys, p, 5*sd)
		}
	}
	// With many points the ring moves about the ideal share; 1/11 = 9.1%.
	if math.Abs(many.MovedShare-1.0/11) > 0.03 {
		t.Errorf("ring with 160 vnodes moved %.4f, want about 1/11 = %.4f", many.MovedShare, 1.0/11)
	}
}

// TestReshardPricing checks bytes and copy time: 800,000 keys move (modulo 4→5 on a
// million keys) × 1,000 bytes = 800 MB, at 100 MB/s 8 s.
func TestReshardPricing(t *testing.T) {
	r := reshard(t, ReshardInput{Keys: 1_000_000, From: 4, To: 5, Schemes: []Scheme{SchemeModulo}, BytesPerKey: 1000, CopyRate: 100e6})
	got := r.Results[0]
	if got.MovedKeys != 800_000 || got.MovedBytes != 800e6 || got.CopySeconds != 8 {
		t.Errorf("got %d keys, %v bytes, %v s; want 800000, 8e8, 8", got.MovedKeys, got.MovedBytes, got.CopySeconds)
	}
	if got.Before.Largest != 250_000 || got.After.Largest != 200_000 || got.After.Mean != 200_000 {
		t.Errorf("balance: got %+v before, %+v after", got.Before, got.After)
	}
}

// TestReshardWorkersAgree checks that the counts do not depend on how the keys are split.
func TestReshardWorkersAgree(t *testing.T) {
	in := ReshardInput{Keys: 300_001, From: 3, To: 7, VirtualNodes: 16, Schemes: Schemes}
	in.Workers = 1
	one := reshard(t, in)
	in.Workers = 5
	five := reshard(t, in)
	for i := range one.Results {
		a, b := one.Results[i], five.Results[i]
		if a.MovedKeys != b.MovedKeys || a.Before != b.Before || a.After != b.After {
			t.Errorf("%s: 1 worker %+v, 5 workers %+v", a.Scheme, a, b)
		}
	}
}

// TestRingOwner checks the ring's bucketed lookup against a plain binary search, at the
// ends of the hash space (which wrap around to the first point) and on points themselves.
func TestRingOwner(t *testing.T) {
	for _, shape := range []struct{ nodes, vnodes int }{{1, 1}, {2, 1}, {10, 160}, {7, 3}} {
		r := newRing(shape.nodes, shape.vnodes)
		hashes := []uint64{0, 1, math.MaxUint64, math.MaxUint64 - 1}
		for _, p := range r.points {
			hashes = append(hashes, p, p-1, p+1)
		}
		for id := uint64(1); id <= 10_000; id++ {
			hashes = append(hashes, keyHash(id))
		}
		for _, h := range hashes {
			i, _ := slices.BinarySearch(r.points, h)
			want := int(r.owners[i%len(r.points)])
			if got := r.owner(h); got != want {
				t.Fatalf("%d nodes × %d: owner(%d) = %d, want %d", shape.nodes, shape.vnodes, h, got, want)
			}
		}
	}
}

func TestReshardExpectedMovedShare(t *testing.T) {
	for _, tt := range []struct {
		s        Scheme
		from, to int
		want     float64
	}{
		{SchemeModulo, 1, 2, 0.5},
		{SchemeModulo, 4, 5, 0.8},
		{SchemeModulo, 4, 6, 1 - 4.0/12},
		{SchemeModulo, 3, 5, 1 - 3.0/15},
		{SchemeJump, 4, 5, 0.2},
		{SchemeRendezvous, 10, 8, 0.2},
		{SchemeConsistent, 2, 8, 0.75},
	} {
		if got := ExpectedMovedShare(tt.s, tt.from, tt.to); math.Abs(got-tt.want) > 1e-15 {
			t.Errorf("%s %d→%d: got %v, want %v", tt.s, tt.from, tt.to, got, tt.want)
		}
	}
}

func TestReshardBadInput(t *testing.T) {
	ok := ReshardInput{Keys: 10, From: 2, To: 3, Schemes: Schemes, VirtualNodes: 10}
	for _, tt := range []struct {
		name  string
		edit  func(*ReshardInput)
		field string
	}{
		{"no keys", func(in *ReshardInput) { in.Keys = 0 }, "keys"},
		{"too many keys", func(in *ReshardInput) { in.Keys = MaxKeys + 1 }, "keys"},
		{"from zero", func(in *ReshardInput) { in.From = 0 }, "from"},
		{"to negative", func(in *ReshardInput) { in.To = -1 }, "to"},
		{"to equals from", func(in *ReshardInput) { in.To = 2 }, "to"},
		{"too many nodes", func(in *ReshardInput) { in.To = MaxNodes + 1 }, "to"},
		{"no vnodes", func(in *ReshardInput) { in.VirtualNodes = 0 }, "vnodes"},
		{"ring too large", func(in *ReshardInput) { in.To, in.VirtualNodes = 20000, 1000 }, "vnodes"},
		{"negative bytes", func(in *ReshardInput) { in.BytesPerKey = -1 }, "bytes_per_key"},
		{"negative rate", func(in *ReshardInput) { in.CopyRate = -1 }, "copy_rate"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			in := ok
			tt.edit(&in)
			_, err := PlanReshard(context.Background(), in)
			var ie *InputError
			if !errors.As(err, &ie) || ie.Field != tt.field {
				t.Errorf("got %v, want an InputError for %s", err, tt.field)
			}
		})
	}
	in := ok
	in.VirtualNodes = 0
	in.Schemes = []Scheme{SchemeJump}
	if _, err := PlanReshard(context.Background(), in); err != nil {
		t.Errorf("vnodes are only checked for the consistent scheme: %v", err)
	}
}

func TestParseSchemes(t *testing.T) {
	for _, tt := range []struct {
		in      string
		want    []Scheme
		wantErr bool
	}{
		{"all", Schemes, false},
		{"jump", []Scheme{SchemeJump}, false},
		{"mod, jump,mod", []Scheme{SchemeModulo, SchemeJump}, false},
		{"ketama", nil, true},
		{"", nil, true},
	} {
		got, err := ParseSchemes(tt.in)
		if (err != nil) != tt.wantErr || len(got) != len(tt.want) {
			t.Errorf("ParseSchemes(%q): got %v, %v; want %v", tt.in, got, err, tt.want)
			continue
		}
		for i := range got {
			if got[i] != tt.want[i] {
				t.Errorf("ParseSchemes(%q): got %v, want %v", tt.in, got, tt.want)
			}
		}
	}
}

func TestReshardCancelled(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err := PlanReshard(ctx, ReshardInput{Keys: 1 << 30, From: 1, To: 2, Schemes: Schemes, VirtualNodes: 160})
	if !errors.Is(err, context.Canceled) {
		t.Errorf("got %v, want context.Canceled", err)
	}
}

// BenchmarkReshard10M places 10 million keys under all four schemes, 10 → 11 nodes, ring
// with 160 vnodes (go test -bench Reshard10M -benchmem ./capacity): the figure in
// docs/capacity.md. Memory is the counters and the ring, not the keys.
func BenchmarkReshard10M(b *testing.B) {
	in := ReshardInput{Keys: 10_000_000, From: 10, To: 11, VirtualNodes: 160, Schemes: Schemes}
	for b.Loop() {
		if _, err := PlanReshard(context.Background(), in); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkReshardScheme places a million keys 10 → 11 under one scheme at a time.
func BenchmarkReshardScheme(b *testing.B) {
	for _, s := range Schemes {
		b.Run(string(s), func(b *testing.B) {
			in := ReshardInput{Keys: 1_000_000, From: 10, To: 11, VirtualNodes: 160, Schemes: []Scheme{s}, Workers: 1}
			for b.Loop() {
				if _, err := PlanReshard(context.Background(), in); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// FuzzParseSchemes checks that any text is either refused or a list of known schemes
// without repeats.
func FuzzParseSchemes(f *testing.F) {
	for _, s := range []string{"all", "mod", "mod,jump", " jump , rendezvous ", "ketama", "", ",", "all,mod", "consistent,consistent"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got, err := ParseSchemes(s)
		if err != nil {
			return
		}
		if len(got) == 0 {
			t.Fatalf("ParseSchemes(%q): no scheme and no error", s)
		}
		seen := map[Scheme]bool{}
		for _, sc := range got {
			if !isScheme(sc) || seen[sc] {
				t.Fatalf("ParseSchemes(%q) = %v: unknown or repeated %q", s, got, sc)
			}
			seen[sc] = true
		}
	})
}
