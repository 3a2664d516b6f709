package scenarios

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// shardSrc draws a random variable, a weighted choice, a uuid, a counter and a feeder row.
const shardSrc = `feeder: rows.csv
variables: {uid: "{{ randInt 1 1000000 }}"}
requests:
  - {name: a, weight: 3, path: "/a/{{ uid }}/{{ counter }}/{{ csv.id }}"}
  - {name: b, weight: 1, path: "/b/{{ uuid }}/{{ counter }}/{{ csv.id }}", method: POST, body: "{{ choice 1 2 3 4 5 6 7 8 9 }}"}
`

// writeRows writes a feeder of n rows, ids r0..r(n-1).
func writeRows(t *testing.T, n int) string {
	t.Helper()
	dir := t.TempDir()
	var b strings.Builder
	b.WriteString("id\n")
	for i := range n {
		fmt.Fprintf(&b, "r%d\n", i)
	}
	if err := os.WriteFile(filepath.Join(dir, "rows.csv"), []byte(b.String()), 0o600); err != nil {
		t.Fatal(err)
	}
	return dir
}

// hitWithoutRow is a rendered hit with its feeder row cut off (the last path segment).
func hitWithoutRow(i int, method, url string, body []byte) (string, string) {
	cut := strings.LastIndexByte(url, '/')
	return fmt.Sprintf("%d %s %s %s", i, method, url[:cut], body), url[cut+1:]
}

func TestShardPlansPartitionTheWholeRun(t *testing.T) {
	const hits = 600
	dir := writeRows(t, 1000) // more rows than hits: no row is taken twice
	whole := mustPlan(t, shardSrc, PlanOptions{Seed: 7, Dir: dir})
	want := make([]string, hits)
	for n := range hits {
		i, tgt := next(t, whole)
		want[n], _ = hitWithoutRow(i, tgt.Method, tgt.URL, tgt.Body)
	}
	for _, count := range []int{1, 2, 3, 7, 64} {
		t.Run(fmt.Sprint(count), func(t *testing.T) {
			got := make([]string, hits)
			rows := map[string]int{}
			for index := range count {
				p := mustPlan(t, shardSrc, PlanOptions{Seed: 7, Dir: dir, ShardIndex: index, ShardCount: count})
				for k := 0; k*count+index < hits; k++ {
					i, tgt := next(t, p)
					n := k*count + index // the whole run's hit, from 0
					hit, row := hitWithoutRow(i, tgt.Method, tgt.URL, tgt.Body)
					if !strings.Contains(hit, fmt.Sprintf("/%d ", n+1)) { // the counter ends the URL
						t.Fatalf("shard %d/%d hit %d: %q, want counter %d", index, count, k, hit, n+1)
					}
					got[n] = hit
					rows[row]++
					if want := fmt.Sprintf("r%d", k*count+index); row != want {
						t.Fatalf("shard %d/%d hit %d took row %s, want %s", index, count, k, row, want)
					}
				}
			}
			for n := range hits {
				if got[n] != want[n] {
					t.Fatalf("whole run's hit %d: sharded %q, unsharded %q", n+1, got[n], want[n])
				}
			}
			for row, times := range rows {
				if times != 1 {
					t.Errorf("row %s sent %d times across the shards, want once", row, times)
				}
			}
		})
	}
}

func TestShardFeederRowsNeverRepeatAcrossShards(t *testing.T) {
	// 10 rows for 3 shards: each shard cycles through its own rows only
	dir := writeRows(t, 10)
	owner := map[string]int{}
	for index := range 3 {
		p := mustPlan(t, shardSrc, PlanOptions{Seed: 1, Dir: dir, ShardIndex: index, ShardCount: 3})
		var got []string
		for range 9 {
			_, tgt := next(t, p)
			_, row := hitWithoutRow(0, "", tgt.URL, nil)
			got = append(got, row)
			if o, ok := owner[row]; ok && o != index {
				t.Errorf("row %s sent by shards %d and %d", row, o, index)
			}
			owner[row] = index
		}
		want := map[int]string{
			0: "r0 r3 r6 r9 r0 r3 r6 r9 r0",
			1: "r1 r4 r7 r1 r4 r7 r1 r4 r7",
			2: "r2 r5 r8 r2 r5 r8 r2 r5 r8",
		}[index]
		if g := strings.Join(got, " "); g != want {
			t.Errorf("shard %d/3 rows %s, want %s", index, g, want)
		}
	}
}

func TestShardPlanErrors(t *testing.T) {
	dir := writeRows(t, 2)
	tests := []struct {
		name         string
		index, count int
		want         string
	}{
		{"index = count", 3, 3, "shard 3/3: index must be 0..2"},
		{"negative index", -1, 2, "shard -1/2: index must be 0..1"},
		{"too many shards", 0, MaxShards + 1, "shard count 1025 is not allowed"},
		{"a shard without a feeder row", 2, 3, "2 row(s) for 3 shards: shard 2 has none of its own"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sc, err := Parse("test.yaml", []byte(shardSrc))
			if err != nil {
				t.Fatal(err)
			}
			_, err = sc.Plan(PlanOptions{Target: testTarget, Dir: dir, ShardIndex: tt.index, ShardCount: tt.count})
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("got %v, want an error saying %q", err, tt.want)
			}
		})
	}
}
