package engine

import (
	"context"
	"errors"
	"net/http"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/loadtestdev/loadtest/results"
)

func TestShardSplitsAddUp(t *testing.T) {
	totals := []uint64{0, 1, 2, 3, 7, 63, 64, 65, 100, 1000, 12345}
	for count := 1; count <= 64; count++ {
		for _, total := range totals {
			var hits uint64
			var conns int
			for i := range count {
				s := Shard{Index: i, Count: count}
				hits += s.Share(total)
				part := s.Part(int(total))
				conns += part
				// the first total mod count parts get one more
				want := int(total) / count
				if i < int(total)%count {
					want++
				}
				if part != want {
					t.Errorf("Shard{%d,%d}.Part(%d) = %d, want %d", i, count, total, part, want)
				}
			}
			if hits != total {
				t.Errorf("%d shards: shares of %d hits add up to %d", count, total, hits)
			}
			if conns != int(total) {
				t.Errorf("%d shards: parts of %d add up to %d", count, total, conns)
			}
		}
	}
}

func TestShardGlobalNumbersPartition(t *testing.T) {
	for _, count := range []int{1, 2, 3, 7, 64} {
		seen := map[uint64]int{}
		for i := range count {
			s := Shard{Index: i, Count: count}
			for k := range s.Share(500) {
				seen[s.Global(k)]++
			}
		}
		for n := range uint64(500) {
			if seen[n] != 1 {
				t.Errorf("%d shards: global hit %d sent %d times, want once", count, n, seen[n])
			}
		}
		if len(seen) != 500 {
			t.Errorf("%d shards: %d global hits, want 500", count, len(seen))
		}
	}
}

// scheduledHit is one hit a pacer lets out: its global number and intended send time.
type scheduledHit struct {
	n uint64
	t time.Duration
}

// paceAll runs o's pacers the way vegeta's attack loop calls them, every hit sent on time,
// and returns the hits they let out, bounded.
func paceAll(t *testing.T, o Options) []scheduledHit {
	t.Helper()
	o.Targeter = newFake("http://127.0.0.1:1", "/")
	p, err := newPlan(o)
	if err != nil {
		t.Fatal(err)
	}
	var hits []scheduledHit
	for k := uint64(0); k < 100_000; k++ {
		var at time.Duration
		if p.schedule != nil {
			at = p.schedule.SendTime(k)
		}
		if p.attackDu > 0 && at > p.attackDu {
			break
		}
		wait, stop := p.pacer.Pace(at, k)
		if stop {
			break
		}
		if wait != 0 {
			t.Fatalf("Pace(%s, %d) = %s, want 0 for a hit on time", at, k, wait)
		}
		hits = append(hits, scheduledHit{p.Shard.Global(k), at})
	}
	if uint64(len(hits)) != p.plannedHits && p.plannedHits > 0 {
		t.Errorf("shard %+v: pacer let out %d hits, PlannedRequests %d", o.Shard, len(hits), p.plannedHits)
	}
	return hits
}

func TestStripedSchedulesUnionIsTheWhole(t *testing.T) {
	ramp := []Stage{{Duration: 2 * time.Second, RatePerSec: 90}, {Duration: time.Second, RatePerSec: 90}, {Duration: time.Second, RatePerSec: 10}}
	tests := []struct {
		name string
		o    Options
	}{
		{"constant", Options{RatePerSec: 37, Duration: 3 * time.Second}},
		{"constant, fractional end", Options{RatePerSec: 3, Duration: 1500 * time.Millisecond}},
		{"constant, max requests", Options{RatePerSec: 50, Duration: 10 * time.Second, MaxRequests: 101}},
		{"stages", Options{Stages: ramp}},
		{"stages cut", Options{Stages: ramp, Duration: 2500 * time.Millisecond}},
		{"stages, max requests", Options{Stages: ramp, MaxRequests: 77}},
		{"max rate, max requests", Options{MaxRequests: 203}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			whole := paceAll(t, tt.o)
			if len(whole) == 0 {
				t.Fatal("the whole run sends nothing")
			}
			for _, count := range []int{1, 2, 3, 5, 8, 64} {
				var union []scheduledHit
				var planned uint64
				for i := range count {
					o := tt.o
					o.Shard, o.Connections = Shard{Index: i, Count: count}, 64
					if o.CheckShard() != nil {
						continue // a shard with nothing to send (tested in TestCheckShard)
					}
					for _, h := range paceAll(t, o) {
						if h.n%uint64(count) != uint64(i) {
							t.Fatalf("%d shards: shard %d sent global hit %d", count, i, h.n)
						}
						union = append(union, h)
					}
					planned += o.PlannedRequests()
				}
				slices.SortFunc(union, func(a, b scheduledHit) int { return int(a.n) - int(b.n) })
				if !slices.Equal(union, whole) {
					t.Errorf("%d shards: union of %d hits differs from the whole run's %d", count, len(union), len(whole))
				}
				if planned != tt.o.PlannedRequests() && len(whole) >= count {
					t.Errorf("%d shards: planned add up to %d, want %d", count, planned, tt.o.PlannedRequests())
				}
			}
		})
	}
}

func TestCheckShard(t *testing.T) {
	tests := []struct {
		name string
		o    Options
		want string // "" for no error
	}{
		{"whole run", Options{}, ""},
		{"one part", Options{Shard: Shard{Count: 1}}, ""},
		{"last index", Options{Shard: Shard{Index: 2, Count: 3}, RatePerSec: 10, Duration: time.Second}, ""},
		{"index = count", Options{Shard: Shard{Index: 3, Count: 3}}, "3/3: index must be 0..2"},
		{"negative index", Options{Shard: Shard{Index: -1, Count: 3}}, "index must be 0..2"},
		{"too many", Options{Shard: Shard{Count: MaxShards + 1}}, "count 1025 is not allowed"},
		{"fewer connections than shards", Options{Shard: Shard{Index: 2, Count: 3}, Connections: 2}, "no connection of its own"},
		{"fewer connections, a shard that has one", Options{Shard: Shard{Index: 1, Count: 3}, Connections: 2}, ""},
		{"fewer hits than shards", Options{Shard: Shard{Index: 2, Count: 3}, MaxRequests: 2}, "no request of its own"},
		{"rate × duration below the shards", Options{Shard: Shard{Index: 4, Count: 5}, RatePerSec: 2, Duration: 2 * time.Second}, "plans 4 request(s)"},
		{"unbounded", Options{Shard: Shard{Index: 4, Count: 5}, RatePerSec: 2}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.o.CheckShard()
			switch {
			case tt.want == "" && err != nil:
				t.Errorf("got %v, want no error", err)
			case tt.want != "" && (err == nil || !errors.Is(err, ErrShard) || !strings.Contains(err.Error(), tt.want)):
				t.Errorf("got %v, want an ErrShard saying %q", err, tt.want)
			}
			if tt.want != "" {
				o := tt.o
				o.Targeter = newFake("http://127.0.0.1:1", "/")
				if _, err := Run(context.Background(), o); !errors.Is(err, ErrShard) {
					t.Errorf("Run: got %v, want ErrShard before anything is sent", err)
				}
			}
		})
	}
}

func TestShardConnectionsAndRateRecorded(t *testing.T) {
	o := Options{Targeter: newFake("http://127.0.0.1:1", "/"), RatePerSec: 90, Duration: time.Second, Connections: 10, Shard: Shard{Index: 0, Count: 3}}
	p, err := newPlan(o)
	if err != nil {
		t.Fatal(err)
	}
	if p.Connections != 4 {
		t.Errorf("shard 0/3 of 10 connections got %d, want 4", p.Connections)
	}
	if r := p.pacer.Rate(0); r != 30 {
		t.Errorf("shard 0/3 of 90/s paces %v/s, want 30", r)
	}
}

// TestRunShardAtStartAt runs one shard of three that is to start a little later: nothing
// reaches the server before StartAt, the shard sends its share, and the result says which
// shard it is.
func TestRunShardAtStartAt(t *testing.T) {
	var mu sync.Mutex
	var first time.Time
	cs := newCountingServer(t, func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		if first.IsZero() {
			first = time.Now()
		}
		mu.Unlock()
		_, _ = w.Write([]byte("ok"))
	})
	start := time.Now().Add(300 * time.Millisecond)
	o := Options{Targeter: newFake(cs.URL, "/"), RatePerSec: 100, Duration: 500 * time.Millisecond,
		Connections: 9, Shard: Shard{Index: 1, Count: 3}, StartAt: start}
	r, err := Run(context.Background(), o)
	if err != nil {
		t.Fatal(err)
	}
	want := Shard{Index: 1, Count: 3}.Share(50) // 17 of hits 0..49
	if r.Requests != want || r.Planned != want || cs.count.Load() != want {
		t.Errorf("requests %d planned %d server %d, want %d", r.Requests, r.Planned, cs.count.Load(), want)
	}
	mu.Lock()
	defer mu.Unlock()
	if first.Before(start) {
		t.Errorf("first request at %s, before the start %s", first.Format(time.StampMicro), start.Format(time.StampMicro))
	}
	if !r.Started.Equal(start.Round(0)) {
		t.Errorf("started %s, want the start instant %s", r.Started, start)
	}
	if r.Shard == nil || r.Shard.Index != 1 || r.Shard.Count != 3 {
		t.Errorf("result shard = %+v, want 1 of 3", r.Shard)
	}
	if r.Connections != 3 || r.RateAsked != 100.0/3 {
		t.Errorf("result connections %d rate asked %v, want the shard's part: 3, 33.3", r.Connections, r.RateAsked)
	}
}

func TestRunStartAtCancelled(t *testing.T) {
	cs := newCountingServer(t, nil)
	ctx, cancel := context.WithCancel(context.Background())
	time.AfterFunc(50*time.Millisecond, cancel)
	r, err := Run(ctx, Options{Targeter: newFake(cs.URL, "/"), RatePerSec: 100, Duration: time.Second, StartAt: time.Now().Add(time.Hour)})
	if !errors.Is(err, context.Canceled) || r != nil || cs.count.Load() != 0 {
		t.Errorf("Run = %v, %v with %d requests received; want context.Canceled, no result, none sent", r, err, cs.count.Load())
	}
}

func TestRunShardAtMaxRate(t *testing.T) {
	cs := newCountingServer(t, nil)
	var total uint64
	for i := range 3 {
		r, err := Run(context.Background(), Options{Targeter: newFake(cs.URL, "/"), MaxRequests: 100, Connections: 5, Shard: Shard{Index: i, Count: 3}})
		if err != nil {
			t.Fatal(err)
		}
		want, conns := Shard{Index: i, Count: 3}.Share(100), Shard{Index: i, Count: 3}.Part(5)
		if r.Requests != want || r.Planned != want || r.Connections != conns || r.RateAsked != 0 {
			t.Errorf("shard %d/3: %d requests of %d planned on %d connections (rate %v), want %d on %d at max rate",
				i, r.Requests, r.Planned, r.Connections, r.RateAsked, want, conns)
		}
		total += r.Requests
	}
	if total != 100 || cs.count.Load() != 100 {
		t.Errorf("shards sent %d, server got %d, want 100", total, cs.count.Load())
	}
}

// TestRunStartAtPastCountsFromTheSchedule starts a run whose StartAt is already past: the
// hits due before Run was called leave late, and their latency counts from their intended
// times on StartAt's schedule, not from when they were sent.
func TestRunStartAtPastCountsFromTheSchedule(t *testing.T) {
	cs := newCountingServer(t, nil)
	const late = 300 * time.Millisecond
	start := time.Now().Add(-late)
	r, err := Run(context.Background(), Options{Targeter: newFake(cs.URL, "/"), RatePerSec: 100, Duration: 500 * time.Millisecond, StartAt: start})
	if err != nil {
		t.Fatal(err)
	}
	if r.Requests == 0 || r.Requests > 50 {
		t.Fatalf("requests %d, want some, at most the 50 planned", r.Requests)
	}
	// hit 0 was due at start and sent no earlier than start+late
	if r.LatencyMS.Max < float64(late-TimerSlack())/1e6 {
		t.Errorf("max latency %v ms, want at least %s: hit 0 was due %s before it could leave", r.LatencyMS.Max, late, late)
	}
	if r.ServiceTimeMS.Max >= r.LatencyMS.Max {
		t.Errorf("service time max %v ms ≥ latency max %v ms, want the lateness counted in latency only", r.ServiceTimeMS.Max, r.LatencyMS.Max)
	}
	if !r.Started.Equal(start.Round(0)) {
		t.Errorf("started %s, want StartAt %s", r.Started, start)
	}
}

// TestRunHold: Options.Hold is asked before every hit: HoldWait keeps the hits back (none
// reaches the server while held, however overdue), HoldStop sends no more, and a hold that
// lets exactly 5 hits go sends exactly 5.
func TestRunHold(t *testing.T) {
	t.Run("held, then stopped", func(t *testing.T) {
		cs := newCountingServer(t, nil)
		var state atomic.Int32
		state.Store(int32(HoldWait))
		o := Options{Targeter: newFake(cs.URL, "/"), RatePerSec: 200, Duration: 10 * time.Second, Connections: 4,
			Hold: func() HoldState { return HoldState(state.Load()) }}
		done := make(chan *results.Result, 1)
		go func() { r, _ := Run(context.Background(), o); done <- r }()
		time.Sleep(300 * time.Millisecond) // some 60 hits overdue
		if n := cs.count.Load(); n != 0 {
			t.Errorf("the server saw %d requests while the hits were held, want 0", n)
		}
		state.Store(int32(HoldStop))
		if r := <-done; r.Sent != 0 || r.Requests != 0 || cs.count.Load() != 0 {
			t.Errorf("got sent %d, requests %d, server %d after a hold then a stop, want 0: no backlog", r.Sent, r.Requests, cs.count.Load())
		}
	})
	t.Run("five, then stopped", func(t *testing.T) {
		cs := newCountingServer(t, nil)
		var asked atomic.Int32
		o := Options{Targeter: newFake(cs.URL, "/"), RatePerSec: 200, Duration: 10 * time.Second, Connections: 4,
			Hold: func() HoldState {
				if asked.Add(1) > 5 {
					return HoldStop
				}
				return HoldSend
			}}
		r, err := Run(context.Background(), o)
		if err != nil {
			t.Fatal(err)
		}
		if r.Sent != 5 || r.Requests != 5 || cs.count.Load() != 5 {
			t.Errorf("got sent %d, requests %d, server %d, want 5", r.Sent, r.Requests, cs.count.Load())
		}
	})
}

// TestRunHeldToTheEnd: hits held until the run's duration is over are never sent, and the
// run ends at its schedule's end rather than waiting for the hold.
func TestRunHeldToTheEnd(t *testing.T) {
	cs := newCountingServer(t, nil)
	o := Options{Targeter: newFake(cs.URL, "/"), RatePerSec: 100, Duration: 300 * time.Millisecond, Connections: 2,
		Hold: func() HoldState { return HoldWait }}
	done := make(chan *results.Result, 1)
	go func() { r, _ := Run(context.Background(), o); done <- r }()
	select {
	case r := <-done:
		if r.Sent != 0 || cs.count.Load() != 0 {
			t.Errorf("got sent %d, server %d, want nothing sent while held", r.Sent, cs.count.Load())
		}
		for _, w := range r.Warnings {
			if w.Code == "in_flight_abandoned" {
				t.Errorf("got warning %q: the run waited for a hit stuck in its hold, want the hold to end with the schedule", w.Message)
			}
		}
	case <-time.After(30 * time.Second): // generous: the run is 0.3 s
		t.Fatal("the run did not end while its hits were held past its duration")
	}
}
