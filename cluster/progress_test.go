package cluster

import (
	"bytes"
	"github.com/loadtestdev/loadtest/internal/testutil"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/loadtestdev/loadtest/engine"
)

func TestWriteProgressLine(t *testing.T) {
	tests := []struct {
		name string
		line ProgressLine
		want string
	}{
		{"running", ProgressLine{Elapsed: 10*time.Second + 200*time.Millisecond, Duration: time.Minute, Requests: 600, Errors: 3,
			RatePerSec: 59.96, P99MS: 1.516, Alive: 3, Shards: 3},
			"progress 10s/1m0s requests=600 rate=60.0/s p99=1.52ms errors=3 shards=3/3\n"},
		{"a shard lost", ProgressLine{Elapsed: 25 * time.Second, Duration: 90 * time.Second, Requests: 12345,
			RatePerSec: 400, P99MS: 250, Alive: 7, Shards: 8},
			"progress 25s/1m30s requests=12345 rate=400.0/s p99=250.00ms errors=0 shards=7/8\n"},
		{"unbounded, nothing yet", ProgressLine{Elapsed: 5 * time.Second, Alive: 2, Shards: 2},
			"progress 5s/unbounded requests=0 rate=0.0/s p99=0.00ms errors=0 shards=2/2\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var b bytes.Buffer
			if err := WriteProgressLine(&b, tt.line); err != nil {
				t.Fatal(err)
			}
			if b.String() != tt.want {
				t.Errorf("got %q, want %q", b.String(), tt.want)
			}
		})
	}
}

// TestProgressLogCadence: a line at each multiple of every that a second reached, one per
// multiple even when seconds are skipped (a coordinator that was starved), none before.
func TestProgressLogCadence(t *testing.T) {
	var b bytes.Buffer
	p := &progressLog{w: &b, every: 5 * time.Second, next: 5 * time.Second}
	for _, s := range []int{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 17, 18, 19, 20} {
		p.observe(engine.Progress{Elapsed: time.Duration(s) * time.Second, Requests: uint64(s)}, 1, 1)
	}
	var got []string
	for _, l := range strings.Split(strings.TrimSpace(b.String()), "\n") {
		got = append(got, strings.Fields(l)[1])
	}
	want := []string{"5s/unbounded", "10s/unbounded", "17s/unbounded", "20s/unbounded"}
	if strings.Join(got, " ") != strings.Join(want, " ") {
		t.Errorf("got lines at %v, want %v", got, want)
	}
	var nilLog *progressLog
	nilLog.observe(engine.Progress{Elapsed: time.Hour}, 1, 1) // no log: nothing, no panic
}

var progressRE = regexp.MustCompile(`^progress (\d+)s/3s requests=(\d+) rate=[0-9.]+/s p99=[0-9.]+ms errors=(\d+) shards=2/2$`)

// TestCoordinatorWritesProgress: a coordinated run of two in-process shards writes a
// progress line every second asked for, with the merged requests growing up to at most the
// merged result's, and both shards alive.
func TestCoordinatorWritesProgress(t *testing.T) {
	srv, _ := countingTarget(t)
	var log testutil.SyncBuffer
	c, addr := startCoordinator(t, CoordinatorOptions{Count: 2, Duration: 3 * time.Second, StartDelay: 300 * time.Millisecond,
		ProgressLog: &log, ProgressEvery: time.Second})
	var wg sync.WaitGroup
	for i := range 2 {
		wg.Go(func() {
			if _, err := runShard(t.Context(), addr, i, 2, srv.URL, 20, 3*time.Second); err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	out, err := c.Wait()
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(log.String()), "\n")
	if len(lines) < 2 {
		t.Fatalf("got %d progress lines, want one a second of a 3 s run:\n%s", len(lines), log.String())
	}
	lastSecond, lastRequests := 0, 0
	for _, l := range lines {
		m := progressRE.FindStringSubmatch(l)
		if m == nil {
			t.Fatalf("line %q does not match %s", l, progressRE)
		}
		sec, _ := strconv.Atoi(m[1])
		n, _ := strconv.Atoi(m[2])
		if sec <= lastSecond || n < lastRequests || uint64(n) > out.Result.Requests {
			t.Errorf("line %q after second %d with %d requests: want later seconds, growing requests up to the merged %d",
				l, lastSecond, lastRequests, out.Result.Requests)
		}
		lastSecond, lastRequests = sec, n
	}
}
