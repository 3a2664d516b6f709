package results

import (
	"errors"
	"reflect"
	"strings"
	"testing"
	"time"
)

// shardResult is knownResult marked as shard index of count.
func shardResult(t *testing.T, index, count int) *Result {
	t.Helper()
	r, _ := knownResult(t, "swiper", 0, 2, 10, time.Millisecond)
	r.Seed = 7
	r.Shard = &Shard{Index: index, Count: count}
	return r
}

func TestMergeShardsRefusesOtherRuns(t *testing.T) {
	start := mergeEpoch.Add(time.Minute)
	tests := []struct {
		name   string
		modify func(rs []*Result)
		want   string
	}{
		{"duplicate index", func(rs []*Result) { rs[2].Shard.Index = 0 }, "shard 0/3 given twice: a.json and c.json"},
		{"another count", func(rs []*Result) { rs[1].Shard.Count = 4 }, "b.json is not a shard of the same run: it is a run in 4 shards, a.json in 3"},
		{"another seed", func(rs []*Result) { rs[1].Seed = 8 }, "it is seed 8, a.json seed 7"},
		{"another start", func(rs []*Result) { rs[1].Shard.Start = start }, "b.json is not a shard of the same run: it is a run started at"},
		{"another run id", func(rs []*Result) {
			for _, r := range rs {
				r.Shard.RunID = "r1"
			}
			rs[2].Shard.RunID = "r2"
		}, `it is run "r2", a.json run "r1"`},
		{"index out of range", func(rs []*Result) { rs[1].Shard.Index = 3 }, "shard 3 of 3, want an index 0..2"},
		{"not a shard", func(rs []*Result) { rs[1].Shard = nil }, "a.json is shard 0/3 of a sharded run but b.json is not a shard"},
		{"another scenario", func(rs []*Result) { rs[1].Scenario = "echo" }, `is scenario "echo"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rs := []*Result{shardResult(t, 0, 3), shardResult(t, 1, 3), shardResult(t, 2, 3)}
			tt.modify(rs)
			_, err := MergeWith(MergeOptions{Names: []string{"a.json", "b.json", "c.json"}}, rs...)
			if !errors.Is(err, ErrMismatch) || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("got %v, want ErrMismatch saying %q", err, tt.want)
			}
			if _, err := MergeWith(MergeOptions{Force: true}, rs...); err != nil {
				t.Errorf("forced: got %v, want a merge", err)
			}
		})
	}
}

func TestMergeShardsComplete(t *testing.T) {
	start := mergeEpoch.Add(-time.Second)
	var rs []*Result
	for i := range 3 {
		r := shardResult(t, i, 3)
		r.Shard.Start, r.Shard.RunID = start, "run-1"
		r.RateAsked = 100                                                                                                         // each shard's part of 300/s
		r.Started, r.Ended = r.Started.Add(time.Duration(i)*7*time.Millisecond), r.Ended.Add(time.Duration(i)*7*time.Millisecond) // a little apart
		rs = append(rs, r)
	}
	m, err := Merge(rs[2], rs[0], rs[1])
	if err != nil {
		t.Fatal(err)
	}
	if m.Requests != 60 || m.Shard != nil {
		t.Errorf("merged %d requests, shard %+v; want 60 and no shard of its own", m.Requests, m.Shard)
	}
	if m.RateAsked != 300 {
		t.Errorf("merged rate_asked %v, want the shards' 100/s parts added: 300", m.RateAsked)
	}
	want := &Coordination{Shards: []ShardInfo{{Index: 0}, {Index: 1}, {Index: 2}}}
	if !reflect.DeepEqual(m.Coordination, want) {
		t.Errorf("coordination = %+v, want shards 0, 1, 2", m.Coordination)
	}
	for _, w := range m.Warnings {
		if w.Code == WarnShardsMissing {
			t.Errorf("warning %q on a complete run", w.Message)
		}
	}
}

func TestMergeShardsMissing(t *testing.T) {
	m, err := Merge(shardResult(t, 0, 5), shardResult(t, 3, 5), shardResult(t, 2, 5))
	if err != nil {
		t.Fatal(err)
	}
	var got *Warning
	for i := range m.Warnings {
		if m.Warnings[i].Code == WarnShardsMissing {
			got = &m.Warnings[i]
		}
	}
	if got == nil {
		t.Fatalf("warnings %+v, want %s", m.Warnings, WarnShardsMissing)
	}
	if !strings.Contains(got.Message, "shard(s) 1, 4 of 5 are missing") || got.Values["missing"] != 2 || got.Values["count"] != 5 {
		t.Errorf("warning %+v, want shards 1 and 4 of 5 named", got)
	}
	if n := len(m.Coordination.Shards); n != 3 {
		t.Errorf("coordination names %d shards, want the 3 given", n)
	}
}

func TestMergeWithoutShardsUnchanged(t *testing.T) {
	a, _ := knownResult(t, "echo", 0, 2, 10, time.Millisecond)
	b, _ := knownResult(t, "echo", 5, 2, 10, time.Millisecond)
	m, err := Merge(a, b)
	if err != nil {
		t.Fatal(err)
	}
	if m.Coordination != nil || m.Shard != nil {
		t.Errorf("merge of unsharded runs got coordination %+v shard %+v, want none", m.Coordination, m.Shard)
	}
}
