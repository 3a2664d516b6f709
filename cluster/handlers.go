package cluster

import (
	"fmt"
	"net/http"
	"time"

	"github.com/loadtestdev/loadtest/results"
)

// Handler serves the protocol: every request must carry the token (else 401), bodies are
// size-limited and decoded strictly (else 400), and a shard of another run is refused (409).
func (c *Coordinator) Handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("POST "+PathJoin, c.handleJoin)
	mux.HandleFunc("GET "+PathClock, c.handleClock)
	mux.HandleFunc("POST "+PathReady, c.handleReady)
	mux.HandleFunc("POST "+PathInterval, c.handleInterval)
	mux.HandleFunc("POST "+PathResult, c.handleResult)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !checkToken(r, c.o.Token) {
			w.Header().Set("Connection", "close") // a client without the token keeps no connection
			refuse(w, http.StatusUnauthorized, "cluster: missing or wrong cluster token: give every shard the coordinator's --cluster-token (or LOADTEST_CLUSTER_TOKEN)")
			return
		}
		mux.ServeHTTP(w, r)
	})
}

func (c *Coordinator) handleJoin(w http.ResponseWriter, r *http.Request) {
	var req JoinRequest
	if err := decodeStrict(w, r, maxSmallBody, &req); err != nil {
		refuse(w, http.StatusBadRequest, "cluster: join: %v", err)
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	switch {
	case req.Protocol != ProtocolVersion:
		refuse(w, http.StatusConflict, "cluster: shard %d speaks protocol version %d, this coordinator version %d: run the same loadtest build on every shard",
			req.Index, req.Protocol, ProtocolVersion)
	case req.Count != c.o.Count:
		refuse(w, http.StatusConflict, "cluster: shard %d/%d is of another run: this run has %d shards", req.Index, req.Count, c.o.Count)
	case req.Index < 0 || req.Index >= c.o.Count:
		refuse(w, http.StatusConflict, "cluster: shard index %d is out of range, want 0 to %d", req.Index, c.o.Count-1)
	case req.Scenario != c.o.Scenario:
		refuse(w, http.StatusConflict, "cluster: shard %d is of another run: scenario %q, this run is %q", req.Index, req.Scenario, c.o.Scenario)
	case req.Fingerprint != c.o.Fingerprint:
		refuse(w, http.StatusConflict, "cluster: shard %d is of another run: its scenario and flags (%s) differ from the coordinator's (%s); give every shard the same",
			req.Index, req.Describe, c.o.Describe)
	case req.SeedSet && req.Seed != c.o.Seed:
		refuse(w, http.StatusConflict, "cluster: shard %d is of another run: --seed %d, this run's is %d", req.Index, req.Seed, c.o.Seed)
	case c.shards[req.Index].joined:
		refuse(w, http.StatusConflict, "cluster: shard %d has already joined this run", req.Index)
	case !c.startAt.IsZero() || c.failure != nil:
		refuse(w, http.StatusConflict, "cluster: shard %d is too late: the run has started or failed", req.Index)
	default:
		s := c.shards[req.Index]
		s.joined, s.host, s.node, s.lastSeen = true, req.Host, req.Node, time.Now()
		if s.host == "" {
			s.host = r.RemoteAddr
		}
		writeJSON(w, http.StatusOK, JoinResponse{RunID: c.runID, Seed: c.o.Seed})
	}
}

func (c *Coordinator) handleClock(w http.ResponseWriter, _ *http.Request) {
	writeJSON(w, http.StatusOK, ClockResponse{UnixNano: time.Now().UnixNano()})
}

func (c *Coordinator) handleReady(w http.ResponseWriter, r *http.Request) {
	var req ReadyRequest
	if err := decodeStrict(w, r, maxSmallBody, &req); err != nil {
		refuse(w, http.StatusBadRequest, "cluster: ready: %v", err)
		return
	}
	c.mu.Lock()
	s := c.shard(req.Index)
	if s == nil {
		c.mu.Unlock()
		refuse(w, http.StatusConflict, "cluster: shard %d has not joined this run", req.Index)
		return
	}
	s.ready, s.offset, s.rtt, s.planned, s.lastSeen = true, time.Duration(req.OffsetNS), time.Duration(req.RTTNS), req.Planned, time.Now()
	if c.startAt.IsZero() && c.failure == nil && c.allReadyLocked() {
		c.startAt = time.Now().Add(c.o.StartDelay)
		for _, s := range c.shards {
			s.lastSeen = c.startAt
		}
		close(c.started)
	}
	c.mu.Unlock()
	select {
	case <-c.started:
		writeJSON(w, http.StatusOK, StartResponse{RunID: c.runID, Start: c.startAt})
	case <-c.failed:
		refuse(w, http.StatusServiceUnavailable, "%v", c.failure)
	case <-r.Context().Done():
	}
}

// shard returns the joined shard of index i, nil if there is none.
func (c *Coordinator) shard(i int) *shardState {
	if i < 0 || i >= len(c.shards) || !c.shards[i].joined {
		return nil
	}
	return c.shards[i]
}

func (c *Coordinator) allReadyLocked() bool {
	for _, s := range c.shards {
		if !s.ready {
			return false
		}
	}
	return true
}

func (c *Coordinator) handleInterval(w http.ResponseWriter, r *http.Request) {
	// the histograms are decoded before the lock, so that the shards' intervals decode in
	// parallel; one that is not applied (resent, or of a lost shard) is decoded for nothing
	var req IntervalRequest
	figures, figuresErr, err := readFrame(w, r, maxFiguresBody, &req)
	if err != nil {
		refuse(w, http.StatusBadRequest, "cluster: interval: %v", err)
		return
	}
	if figures != nil {
		defer figures.release()
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	s := c.shard(req.Index)
	if s == nil {
		refuse(w, http.StatusConflict, "cluster: shard %d has not joined this run", req.Index)
		return
	}
	if s.lost && !s.early {
		s.backLocked(req.Sent, nil)
		if req.Figures != nil && req.Base == s.applied {
			s.unmerged = max(s.unmerged, req.Figures.Requests)
		}
		writeJSON(w, http.StatusOK, IntervalResponse{Applied: s.applied, Stop: true, Lost: true, Reason: c.lostReason(req.Index, s)})
		return
	}
	s.lastSeen = time.Now()
	s.sent = max(s.sent, req.Sent)
	if req.Host != nil && (len(s.hosts) == 0 || req.Host.Time.After(s.hosts[len(s.hosts)-1].Time)) {
		s.hosts = append(s.hosts, *req.Host)
	}
	if req.Figures != nil && req.Base == s.applied && req.Seq > s.applied {
		if figuresErr != nil {
			refuse(w, http.StatusBadRequest, "cluster: interval of shard %d: %v", req.Index, figuresErr)
			return
		}
		c.apply(s, figures)
		s.applied = req.Seq
	}
	writeJSON(w, http.StatusOK, IntervalResponse{Applied: s.applied, Stop: c.stop != "", Reason: c.stop})
}

// apply adds one interval's figures, decoded and checked whole (decodeInterval), to the
// shard's running sum and to the run's, and makes its latency the shard's latest in the live
// view.
func (c *Coordinator) apply(s *shardState, d *decodedInterval) {
	if s.sum == nil {
		s.sum = newAccumulator(true)
	}
	s.sum.add(d)
	c.run.add(d)
	if s.inLive {
		c.live.sub(s.lastLat)
	}
	c.live.add(d.lat)
	// the shard's own copy: d's buckets go back to the arenas
	s.lastLat = sparseHist{buckets: append(s.lastLat.buckets[:0], d.lat.buckets...), total: d.lat.total}
	s.lastRate, s.lastAt, s.inLive = results.PerSecond(d.f.Requests, d.f.DurationS), time.Now(), true
}

func (c *Coordinator) handleResult(w http.ResponseWriter, r *http.Request) {
	var req ResultRequest
	if err := decodeStrict(w, r, maxFiguresBody, &req); err != nil {
		refuse(w, http.StatusBadRequest, "cluster: result: %v", err)
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	s := c.shard(req.Index)
	switch {
	case s == nil:
		refuse(w, http.StatusConflict, "cluster: shard %d has not joined this run", req.Index)
	case req.Result == nil:
		refuse(w, http.StatusBadRequest, "cluster: result of shard %d is empty", req.Index)
	case s.lost && !s.early:
		// counted lost while silent: its result is counted, not merged (the merged result
		// holds what it reported until then)
		s.backLocked(req.Result.Sent, req.Result)
		writeJSON(w, http.StatusOK, IntervalResponse{Applied: s.applied, Stop: true, Lost: true, Reason: c.lostReason(req.Index, s)})
	default:
		s.final, s.lost, s.lastSeen = req.Result, false, time.Now()
		if req.Result.Interrupted && c.stop == "" {
			// it ended early on its own (a SIGTERM to it, its pod deleted) while the run went
			// on: lost, with what it delivered kept and the rest of its hits never sent
			s.lost, s.early, s.lostAt = true, true, time.Since(c.startAt)
		}
		writeJSON(w, http.StatusOK, IntervalResponse{Applied: s.applied, Stop: c.stop != "", Reason: c.stop})
	}
}

// backLocked records a lost shard speaking again: its send counter and, with its final result,
// that result.
func (s *shardState) backLocked(sent uint64, final *results.Result) {
	s.back, s.sent = true, max(s.sent, sent)
	if final != nil {
		s.late = final
	}
}

// lostReason is what a shard counted lost is told when it speaks again.
func (c *Coordinator) lostReason(i int, s *shardState) string {
	return fmt.Sprintf("shard %d was counted lost %.1fs into the run, after more than %s without a word: it must stop; the merged result keeps what it reported until then and counts what it sent after",
		i, s.lostAt.Seconds(), c.o.LostAfter)
}
