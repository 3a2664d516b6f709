package cluster

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/loadtestdev/loadtest/engine"
	"github.com/loadtestdev/loadtest/gate"
	"github.com/loadtestdev/loadtest/results"
	"github.com/loadtestdev/loadtest/scenarios"
)

const testToken = "test-token"

// countingTarget is an HTTP server on loopback that counts the requests it served.
func countingTarget(t *testing.T) (*httptest.Server, *atomic.Uint64) {
	t.Helper()
	var n atomic.Uint64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		n.Add(1)
		_, _ = w.Write([]byte("ok"))
	}))
	t.Cleanup(srv.Close)
	return srv, &n
}

// startCoordinator serves a coordinator of o on 127.0.0.1:0 and returns it with its address.
func startCoordinator(t *testing.T, o CoordinatorOptions) (*Coordinator, string) {
	t.Helper()
	if o.Token == "" {
		o.Token = testToken
	}
	if o.Scenario == "" {
		o.Scenario, o.Fingerprint, o.Describe = "echo", "fp", "echo as tested"
	}
	c, err := NewCoordinator(o)
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	c.Serve(ln)
	t.Cleanup(func() { _ = c.Close() })
	return c, ln.Addr().String()
}

func joinRequest(i, n int) JoinRequest {
	// shards 0 and 1 share node-0 (as pods on one Kubernetes node), shard 2 has node-1
	return JoinRequest{Protocol: ProtocolVersion, Index: i, Count: n, Scenario: "echo", Fingerprint: "fp", Describe: "echo as tested", Host: "test",
		Node: fmt.Sprintf("node-%d", i/2)}
}

// runShard runs shard i of n in process: join, wait for the start, run the engine against
// target with the shard's observer, deliver the result.
func runShard(ctx context.Context, addr string, i, n int, target string, rate float64, d time.Duration) (*results.Result, error) {
	sh, err := Join(ctx, ShardOptions{Addr: addr, Token: testToken, Join: joinRequest(i, n), JoinTimeout: 30 * time.Second})
	if err != nil {
		return nil, err
	}
	defer sh.Close()
	sc, err := scenarios.Load("echo")
	if err != nil {
		return nil, err
	}
	plan, err := sc.Plan(scenarios.PlanOptions{Target: target, Seed: 1})
	if err != nil {
		return nil, err
	}
	eo := engine.Options{Targeter: plan, Scenario: "echo", Target: target, RatePerSec: rate, Duration: d, Seed: 1,
		Connections: 4, Shard: engine.Shard{Index: i, Count: n}, OnSecond: sh.Observe, Hold: sh.Hold}
	start, err := sh.Ready(ctx, eo.PlannedRequests())
	if err != nil {
		return nil, err
	}
	eo.StartAt = start
	r, runErr := engine.Run(ctx, eo)
	if r == nil {
		return nil, runErr
	}
	return r, sh.Deliver(context.WithoutCancel(ctx), r) // an interrupted shard still delivers, as run does
}

// TestCoordinatedRunMergesExactly: two in-process shards against one counting server; the
// merged result has every request the server saw, both shards' sums, and the coordination.
func TestCoordinatedRunMergesExactly(t *testing.T) {
	srv, served := countingTarget(t)
	c, addr := startCoordinator(t, CoordinatorOptions{Count: 2, Duration: 2 * time.Second, StartDelay: 500 * time.Millisecond})
	var wg sync.WaitGroup
	got := make([]*results.Result, 2)
	errs := make([]error, 2)
	for i := range 2 {
		wg.Go(func() { got[i], errs[i] = runShard(t.Context(), addr, i, 2, srv.URL, 20, 2*time.Second) })
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Fatalf("shard %d: %v", i, err)
		}
	}
	out, err := c.Wait()
	if err != nil {
		t.Fatal(err)
	}
	m := out.Result
	if want := got[0].Requests + got[1].Requests; m.Requests != want || m.Requests != served.Load() || m.Requests == 0 {
		t.Errorf("got %d merged requests, want %d (the shards' sum) = %d (the server's count), not 0", m.Requests, want, served.Load())
	}
	if h, err := results.DecodeHistogram(m.Histograms.Latency); err != nil || uint64(h.TotalCount()) != m.Requests {
		t.Errorf("got a merged latency histogram of %v values (%v), want %d", h.TotalCount(), err, m.Requests)
	}
	if m.Coordination == nil || len(m.Coordination.Shards) != 2 || len(m.Sources) != 2 {
		t.Fatalf("got coordination %+v and sources %v, want 2 shards", m.Coordination, m.Sources)
	}
	for i, s := range m.Coordination.Shards {
		if s.Index != i || s.Lost || s.RTTMS <= 0 || s.Node != "node-0" {
			t.Errorf("got shard info %+v, want index %d, not lost, a positive RTT, node node-0", s, i)
		}
	}
	if got := fmt.Sprint(m.Sources); !strings.Contains(got, "shard 1 (test on node-0)") {
		t.Errorf("got sources %s, want shard 1 named with its host and node", got)
	}
	if len(out.Lost) != 0 || out.Verdict != nil {
		t.Errorf("got lost %v verdict %v, want none", out.Lost, out.Verdict)
	}
}

// TestAbortOnFailStopsEveryShard: p99<1us cannot pass; the coordinator's gate on the merged
// view stops both shards long before their 60 s, and every measured request is merged.
func TestAbortOnFailStopsEveryShard(t *testing.T) {
	srv, served := countingTarget(t)
	th, err := gate.Parse("p99<1us")
	if err != nil {
		t.Fatal(err)
	}
	c, addr := startCoordinator(t, CoordinatorOptions{Count: 2, Duration: time.Minute, StartDelay: 500 * time.Millisecond,
		Thresholds: []gate.Threshold{th}, AbortOnFail: true})
	var wg sync.WaitGroup
	errs := make([]error, 2)
	began := time.Now()
	for i := range 2 {
		wg.Go(func() { _, errs[i] = runShard(t.Context(), addr, i, 2, srv.URL, 20, time.Minute) })
	}
	wg.Wait()
	if took := time.Since(began); took > 40*time.Second {
		t.Errorf("the shards ran %s, want them stopped well before their 60 s", took)
	}
	for i, err := range errs {
		if !errors.Is(err, nil) && !errors.Is(err, ErrStopped) {
			t.Errorf("shard %d: %v", i, err)
		}
	}
	out, err := c.Wait()
	if err != nil {
		t.Fatal(err)
	}
	if out.Aborted == nil || out.Verdict == nil {
		t.Fatalf("got aborted %v verdict %v, want the run stopped by --abort-on-fail", out.Aborted, out.Verdict)
	}
	if out.Result.Requests != served.Load() {
		t.Errorf("got %d merged requests, want the server's %d", out.Result.Requests, served.Load())
	}
}

// TestLostShard: a shard that goes silent after one interval is lost; its interval stays in
// the merged result, with a shard_lost warning naming it.
func TestLostShard(t *testing.T) {
	srv, served := countingTarget(t)
	c, addr := startCoordinator(t, CoordinatorOptions{Count: 2, Duration: 2 * time.Second, StartDelay: 300 * time.Millisecond, LostAfter: time.Second, Seed: 1})
	silent := &rawShard{t: t, base: "http://" + addr}
	silent.post(PathJoin, joinRequest(1, 2), http.StatusOK)
	done := make(chan error, 1)
	go func() { _, err := runShard(t.Context(), addr, 0, 2, srv.URL, 20, 2*time.Second); done <- err }()
	silent.post(PathReady, ReadyRequest{Index: 1, Planned: 40}, http.StatusOK)
	figures := fakeFigures(t, 7)
	sample := results.Snapshot{Time: time.Now(), Hostname: "silent-host", NumCPU: 2}
	silent.post(PathInterval, IntervalRequest{Index: 1, Seq: 1, Figures: figures, Host: &sample}, http.StatusOK)
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	out, err := c.Wait()
	if err != nil {
		t.Fatal(err)
	}
	if len(out.Lost) != 1 || out.Lost[0] != 1 || !out.Result.Coordination.Shards[1].Lost {
		t.Fatalf("got lost %v, want shard 1", out.Lost)
	}
	if want := served.Load() + 7; out.Result.Requests != want {
		t.Errorf("got %d merged requests, want %d: shard 0's and the 7 shard 1 reported", out.Result.Requests, want)
	}
	var hostKept bool
	for _, h := range out.Result.SourceHosts {
		hostKept = hostKept || (h.Generator != nil && len(h.Generator.Samples) == 1 && h.Generator.Samples[0].Hostname == "silent-host")
	}
	if !hostKept {
		t.Errorf("got source hosts %+v, want the lost shard's host sample kept", out.Result.SourceHosts)
	}
	var lost *results.Warning
	for i, w := range out.Result.Warnings {
		if w.Code == WarnShardLost {
			lost = &out.Result.Warnings[i]
		}
	}
	if lost == nil || !strings.Contains(lost.Message, "shard 1") || !strings.Contains(lost.Message, "due to send 40 hits") {
		t.Errorf("got warning %+v, want shard_lost naming shard 1 and its 40 hits", lost)
	}
}

// TestCoordinatorLost: a shard whose coordinator disappears is told to stop, quickly.
func TestCoordinatorLost(t *testing.T) {
	c, addr := startCoordinator(t, CoordinatorOptions{Count: 1, StartDelay: 100 * time.Millisecond})
	sh, err := Join(t.Context(), ShardOptions{Addr: addr, Token: testToken, Join: joinRequest(0, 1)})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := sh.Ready(t.Context(), 10); err != nil {
		t.Fatal(err)
	}
	if err := sh.Observe(engine.Progress{}); err != nil {
		t.Fatalf("got %v before the coordinator went, want nil", err)
	}
	_ = c.Close()
	deadline := time.Now().Add(20 * time.Second)
	for sh.Observe(engine.Progress{}) == nil && time.Now().Before(deadline) {
		time.Sleep(50 * time.Millisecond)
	}
	if err := sh.Observe(engine.Progress{}); !errors.Is(err, ErrCoordinatorLost) {
		t.Errorf("got %v, want ErrCoordinatorLost", err)
	}
	if err := sh.Deliver(t.Context(), &results.Result{}); !errors.Is(err, ErrCoordinatorLost) {
		t.Errorf("Deliver: got %v, want ErrCoordinatorLost", err)
	}
}

// TestJoinTimeoutNamesMissing: the coordinator gives up on shards that did not join, naming them.
func TestJoinTimeoutNamesMissing(t *testing.T) {
	c, addr := startCoordinator(t, CoordinatorOptions{Count: 3, JoinTimeout: 300 * time.Millisecond})
	raw := &rawShard{t: t, base: "http://" + addr}
	raw.post(PathJoin, joinRequest(0, 3), http.StatusOK)
	raw.post(PathReady, ReadyRequest{Index: 0}, http.StatusServiceUnavailable)
	_, err := c.Wait()
	if err == nil || !strings.Contains(err.Error(), "shard(s) 1, 2 did not join") {
		t.Errorf("got %v, want the missing shards 1, 2 named", err)
	}
}

// TestShardInterruptedOnItsOwnIsLost: a shard interrupted by its own signal (a SIGTERM, its
// pod deleted) delivers what it measured, and the run goes on without it: it is lost (not
// silent: its delivered result is kept), and the whole run is not marked interrupted.
func TestShardInterruptedOnItsOwnIsLost(t *testing.T) {
	srv, served := countingTarget(t)
	c, addr := startCoordinator(t, CoordinatorOptions{Count: 2, Duration: 2 * time.Second, StartDelay: 300 * time.Millisecond, Seed: 1})
	var wg sync.WaitGroup
	errs := make([]error, 2)
	wg.Go(func() { _, errs[0] = runShard(t.Context(), addr, 0, 2, srv.URL, 20, 2*time.Second) })
	wg.Go(func() {
		ctx, cancel := context.WithCancel(t.Context())
		time.AfterFunc(time.Second, cancel) // its SIGTERM, about half way
		_, errs[1] = runShard(ctx, addr, 1, 2, srv.URL, 20, 2*time.Second)
	})
	wg.Wait()
	if errs[0] != nil {
		t.Fatalf("shard 0: %v", errs[0])
	}
	out, err := c.Wait()
	if err != nil {
		t.Fatal(err)
	}
	if len(out.Lost) != 1 || out.Lost[0] != 1 || !out.Result.Coordination.Shards[1].Lost {
		t.Fatalf("got lost %v, want shard 1", out.Lost)
	}
	if out.Result.Interrupted {
		t.Errorf("the merged run is marked interrupted, want only shard 1 lost")
	}
	found := false
	for _, w := range out.Result.Warnings {
		found = found || (w.Code == WarnShardLost && strings.Contains(w.Message, "shard 1") && strings.Contains(w.Message, "interrupted on its own"))
	}
	if !found {
		t.Errorf("got warnings %+v, want shard_lost saying shard 1 was interrupted on its own", out.Result.Warnings)
	}
	if out.Result.Requests != served.Load() {
		t.Errorf("got %d merged requests, want every one the server saw (%d): the lost shard delivered its own", out.Result.Requests, served.Load())
	}
}
