package cluster

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/loadtestdev/loadtest/engine"
	"github.com/loadtestdev/loadtest/gate"
	"github.com/loadtestdev/loadtest/results"
)

// CoordinatorOptions describe the run a coordinator holds together.
type CoordinatorOptions struct {
	// Count is the number of shards, the coordinator's own included.
	Count int
	// Scenario, Fingerprint and Describe are what every shard's JoinRequest must match
	// (Describe is only for the message); Seed is the run's seed, given to shards that were
	// given none.
	Scenario, Fingerprint, Describe string
	Seed                            int64
	// Token must be presented on every request.
	Token string
	// JoinTimeout bounds the wait for every shard (default DefaultJoinTimeout), StartDelay
	// sets the start instant after the last join (default DefaultStartDelay) and LostAfter
	// the silence after which a shard is lost (default DefaultLostAfter).
	JoinTimeout, StartDelay, LostAfter time.Duration
	// Duration is the run's planned length, for the live progress.
	Duration time.Duration
	// Thresholds are evaluated on the merged result; with AbortOnFail also every second on
	// the merged live figures, and every shard is stopped once one can no longer pass.
	Thresholds  []gate.Threshold
	AbortOnFail bool
	// Timeouts bound the server's waits on its clients (zero fields: DefaultServerTimeouts).
	Timeouts ServerTimeouts
	// OnSecond, when set, is given the merged live progress once a second (on a goroutine
	// of the coordinator; Partial is nil).
	OnSecond func(engine.Progress)
	// ProgressLog, when set, receives a progress line (WriteProgressLine) every
	// ProgressEvery (default DefaultProgressEvery) of the run: for an output that is not a
	// terminal, where a redrawn status line would not do (a pod's log, a CI log).
	ProgressLog   io.Writer
	ProgressEvery time.Duration
}

// Coordinator is the server side of a coordinated run. Serve it on a listener; Wait returns
// the merged outcome once every shard delivered its result or was lost.
type Coordinator struct {
	o     CoordinatorOptions
	runID string

	mu          sync.Mutex
	shards      []*shardState
	startAt     time.Time     // the start instant, zero until every shard is ready
	started     chan struct{} // closed when startAt is set
	failed      chan struct{} // closed when joining failed (failure says why)
	failure     error
	stop        string // why every shard must stop, "" while the run goes on
	finished    chan struct{}
	watcher     *gate.Watcher
	aborted     *gate.Abort
	interrupted bool
	progress    *progressLog
	// run is the sum of every shard's intervals: the live view the gate checks
	run *accumulator
	// live is the sum of the latency histograms of the shards' latest intervals (those of
	// the shards with inLive set), kept as intervals come and go: the live p99
	live *bucketCounts
	// lastCheck is when checkShards last ran (on the watch goroutine, under mu)
	lastCheck time.Time

	srv *http.Server
}

// shardState is what the coordinator knows of one shard.
type shardState struct {
	joined, ready bool
	host, node    string
	offset, rtt   time.Duration
	planned, sent uint64
	lastSeen      time.Time
	// applied is the Seq of the last interval applied to sum; lastRate and lastLat are that
	// interval's rate and latency histogram, lastAt when it came (zero: none yet); inLive
	// says lastLat is in the coordinator's live sum.
	applied  uint64
	sum      *accumulator
	lastRate float64
	lastLat  sparseHist
	lastAt   time.Time
	inLive   bool
	final    *results.Result
	// hosts are the host samples the shard's intervals carried, for its part if it is lost
	hosts []results.Snapshot
	lost  bool
	// early: the shard was interrupted on its own and delivered what it measured (lost, but
	// not silent)
	early  bool
	lostAt time.Duration
	// after lost: sentAtLost is sent when the shard was counted lost; back says it spoke again
	// (it is told to stop, and nothing more of it is merged); unmerged is the most requests
	// its late intervals carried beyond the merged ones, late its final result if it came
	sentAtLost uint64
	back       bool
	unmerged   uint64
	late       *results.Result
}

// Outcome is a coordinated run's merged result and verdict.
type Outcome struct {
	Result *results.Result
	// Verdict is the gate's verdict on the merged result (nil: every threshold passed).
	Verdict error
	Aborted *gate.Abort
	// Lost lists the shards that stopped reporting.
	Lost []int
}

// NewCoordinator checks o and returns a coordinator ready to Serve.
func NewCoordinator(o CoordinatorOptions) (*Coordinator, error) {
	if o.Count < 1 {
		return nil, fmt.Errorf("cluster: %d shards, want at least 1", o.Count)
	}
	if o.Token == "" {
		return nil, errors.New("cluster: the coordinator needs a token: give --cluster-token or LOADTEST_CLUSTER_TOKEN")
	}
	if o.JoinTimeout <= 0 {
		o.JoinTimeout = DefaultJoinTimeout
	}
	if o.StartDelay <= 0 {
		o.StartDelay = DefaultStartDelay
	}
	if o.LostAfter <= 0 {
		o.LostAfter = DefaultLostAfter
	}
	c := &Coordinator{o: o, runID: newRunID(), started: make(chan struct{}), failed: make(chan struct{}),
		finished: make(chan struct{}), run: newAccumulator(false), live: &bucketCounts{}}
	c.run.gateNeeds = gateHistograms(o.Thresholds)
	for range o.Count {
		c.shards = append(c.shards, &shardState{})
	}
	if o.ProgressLog != nil {
		if o.ProgressEvery <= 0 {
			o.ProgressEvery = DefaultProgressEvery
		}
		c.o.ProgressEvery = o.ProgressEvery
		c.progress = &progressLog{w: o.ProgressLog, every: o.ProgressEvery, next: o.ProgressEvery}
	}
	return c, nil
}

func newRunID() string {
	var b [8]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

// RunID names the run.
func (c *Coordinator) RunID() string { return c.runID }

// Serve answers the protocol on ln until Close, and watches the join timeout and the shards.
func (c *Coordinator) Serve(ln net.Listener) {
	t := c.o.Timeouts.withDefaults()
	c.srv = &http.Server{Handler: c.Handler(), ReadHeaderTimeout: t.ReadHeader, ReadTimeout: t.Read, IdleTimeout: t.Idle}
	go func() { _ = c.srv.Serve(ln) }()
	go c.watch()
}

// Close stops serving.
func (c *Coordinator) Close() error {
	if c.srv == nil {
		return nil
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	return c.srv.Shutdown(ctx)
}

// Interrupt tells every shard to stop (Ctrl-C or SIGTERM to the coordinator); what they send
// back is still merged, and the merged result is marked interrupted.
func (c *Coordinator) Interrupt() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.interrupted = true
	c.stopLocked("the coordinator was interrupted")
}

func (c *Coordinator) stopLocked(reason string) {
	if c.stop == "" {
		c.stop = reason
	}
}

// Fail ends a run that has not started with err: Wait returns it, and the shards waiting
// for the start are answered with it (503). A run that started is not changed.
func (c *Coordinator) Fail(err error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.failLocked(err)
}

func (c *Coordinator) failLocked(err error) {
	if c.startAt.IsZero() && c.failure == nil {
		c.failure = err
		close(c.failed)
	}
}

// Wait waits until every shard delivered its result or was lost, then merges them. It fails
// when not every shard joined within the join timeout, naming the missing ones.
func (c *Coordinator) Wait() (*Outcome, error) {
	select {
	case <-c.failed:
		return nil, c.failure
	case <-c.started:
	}
	<-c.finished
	return c.merge()
}

// watch fails the run when the join timeout passes first, then, once it started, checks the
// shards four times a second for silence and once a second merges the live view.
func (c *Coordinator) watch() {
	joinTimer := time.NewTimer(c.o.JoinTimeout)
	defer joinTimer.Stop()
	select {
	case <-c.started:
	case <-c.failed:
		return
	case <-joinTimer.C:
		c.mu.Lock()
		if c.startAt.IsZero() {
			c.failLocked(fmt.Errorf("cluster: shard(s) %s did not join within --join-timeout %s", c.missingLocked(), c.o.JoinTimeout))
			c.mu.Unlock()
			return
		}
		c.mu.Unlock()
	}
	if c.o.AbortOnFail {
		c.watcher = gate.NewWatcher(c.o.Thresholds, c.planned())
	}
	time.Sleep(time.Until(c.startAt))
	check := time.NewTicker(250 * time.Millisecond)
	defer check.Stop()
	// a quarter second after each of the shards' seconds, so that their intervals are in
	nextSecond := c.startAt.Add(time.Second + 250*time.Millisecond)
	for range check.C {
		if c.checkShards() {
			break
		}
		if now := time.Now(); !now.Before(nextSecond) {
			nextSecond = nextSecond.Add(time.Second)
			c.second(now)
		} else {
			c.gateVerdictSoon(now)
		}
	}
	if c.watcher != nil {
		c.watcher.Stop()
		c.aborted = c.watcher.Aborted()
	}
	close(c.finished)
}

// gateVerdictSoon asks the gate between the seconds whether its last check found a threshold
// lost (the snapshot is handed over once a second, in second), so that the shards hear the
// stop at their next interval instead of a second later.
func (c *Coordinator) gateVerdictSoon(now time.Time) {
	if c.watcher == nil {
		return
	}
	if err := c.watcher.Observe(gate.Tick{Elapsed: now.Sub(c.startAt)}); err != nil {
		c.mu.Lock()
		c.stopLocked("a threshold can no longer pass on the whole run (--abort-on-fail)")
		c.mu.Unlock()
	}
}

// missingLocked lists the indexes of the shards not yet ready.
func (c *Coordinator) missingLocked() string {
	var idx []string
	for i, s := range c.shards {
		if !s.ready {
			idx = append(idx, fmt.Sprint(i))
		}
	}
	return strings.Join(idx, ", ")
}

func (c *Coordinator) planned() uint64 {
	c.mu.Lock()
	defer c.mu.Unlock()
	var n uint64
	for _, s := range c.shards {
		n += s.planned
	}
	return n
}

// checkShards marks the silent shards lost and reports whether every shard is accounted for
// (delivered its result or lost).
func (c *Coordinator) checkShards() (done bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	now := time.Now()
	if !c.lastCheck.IsZero() && now.Sub(c.lastCheck) > c.o.LostAfter/2 {
		// the coordinator itself did not run for a while (frozen, starved): the shards'
		// silence is its own, and each gets a whole LostAfter from now to speak
		for _, s := range c.shards {
			s.lastSeen = now
		}
	}
	c.lastCheck = now
	done = true
	for _, s := range c.shards {
		if s.final != nil {
			continue
		}
		if !s.lost && now.Sub(s.lastSeen) > c.o.LostAfter {
			s.lost, s.lostAt, s.sentAtLost = true, s.lastSeen.Sub(c.startAt), s.sent
		}
		done = done && s.lost
	}
	return done
}
