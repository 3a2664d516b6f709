package cluster

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/loadtestdev/loadtest/collector"
	"github.com/loadtestdev/loadtest/engine"
	"github.com/loadtestdev/loadtest/results"
)

// ErrStopped is what a shard's observer returns when the coordinator asked every shard to
// stop (the run was aborted or interrupted there): the shard stops and delivers its result.
var ErrStopped = errors.New("cluster: stopped by the coordinator")

// ErrCoordinatorLost is what a shard's observer returns when the coordinator stopped
// answering: the shard stops and keeps its own result.
var ErrCoordinatorLost = errors.New("cluster: the coordinator is gone")

// ErrLost is wrapped, with ErrStopped, by the stop of a shard the coordinator counted lost
// (it was silent too long: frozen, or cut off) and then heard again: its result is no longer
// merged, so the shard keeps it itself.
var ErrLost = errors.New("cluster: counted lost by the coordinator")

// ErrRefused is wrapped by the errors of a coordinator's refusal (wrong token, another run).
var ErrRefused = errors.New("cluster: refused by the coordinator")

// ShardOptions describe how a shard reaches its coordinator.
type ShardOptions struct {
	// Addr is the coordinator's HOST:PORT; Token the cluster token.
	Addr, Token string
	Join        JoinRequest
	// JoinTimeout bounds the attempts to join (the coordinator may start later) and the wait
	// for the start (default DefaultJoinTimeout); LostAfter the silence after which the
	// coordinator is gone (default DefaultLostAfter).
	JoinTimeout, LostAfter time.Duration
}

// Shard is one shard's side of a coordinated run.
type Shard struct {
	o      ShardOptions
	base   string
	client *http.Client
	// RunID and Seed are the run's, from the coordinator; Offset is the coordinator's clock
	// minus this one's and RTT the round trip it was measured with.
	RunID       string
	Seed        int64
	Offset, RTT time.Duration

	snaps   chan snapshot
	quit    chan struct{}
	sending sync.WaitGroup
	mu      sync.Mutex
	stopErr error
	// told: Observe has returned stopErr to the engine; lastAnswer is when the coordinator
	// last answered (both guarded by mu: Hold reads them on the engine's pacer goroutine)
	told       bool
	lastAnswer time.Time
	// the sender's state: the last acknowledged interval and its snapshot, the snapshots sent
	// and not yet acknowledged
	seq, acked uint64
	ackedSnap  *results.Result
	unacked    map[uint64]*results.Result
	// host samples the shard's own host for the intervals; hostSent is the time of the last
	// sample sent
	host     *collector.Sampler
	stopHost context.CancelFunc
	hostSent time.Time
}

type snapshot struct {
	partial *engine.Partial
	sent    uint64
}

// Join joins the coordinator (retrying while it cannot be reached, up to the join timeout) and
// measures the clock offset to it.
func Join(ctx context.Context, o ShardOptions) (*Shard, error) {
	if o.JoinTimeout <= 0 {
		o.JoinTimeout = DefaultJoinTimeout
	}
	if o.LostAfter <= 0 {
		o.LostAfter = DefaultLostAfter
	}
	o.Join.Protocol = ProtocolVersion
	s := &Shard{o: o, base: "http://" + o.Addr, unacked: map[uint64]*results.Result{},
		client: &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 2, ResponseHeaderTimeout: 0}}}
	deadline := time.Now().Add(o.JoinTimeout)
	var resp JoinResponse
	for {
		err := s.call(ctx, http.MethodPost, PathJoin, o.Join, &resp, 10*time.Second)
		if err == nil {
			break
		}
		if errors.Is(err, ErrRefused) && strings.Contains(err.Error(), `unknown field "protocol"`) {
			return nil, fmt.Errorf("cluster: join the coordinator at %s: it is of an older loadtest build, before protocol version %d: run the same build on every shard: %w",
				o.Addr, ProtocolVersion, err)
		}
		if errors.Is(err, ErrRefused) || ctx.Err() != nil || time.Now().After(deadline) {
			return nil, fmt.Errorf("cluster: join the coordinator at %s: %w", o.Addr, err)
		}
		select {
		case <-ctx.Done():
			return nil, fmt.Errorf("cluster: join the coordinator at %s: %w", o.Addr, ctx.Err())
		case <-time.After(250 * time.Millisecond):
		}
	}
	s.RunID, s.Seed = resp.RunID, resp.Seed
	if err := s.syncClock(ctx); err != nil {
		return nil, err
	}
	return s, nil
}

// syncClock estimates the offset to the coordinator's clock by Cristian's method: over a few
// round trips, the coordinator's time is taken to be halfway through the round trip, and the
// estimate of the round trip with the smallest RTT is kept (its error is at most RTT/2).
func (s *Shard) syncClock(ctx context.Context) error {
	best := time.Duration(-1)
	for range clockRounds {
		var cr ClockResponse
		t0 := time.Now()
		if err := s.call(ctx, http.MethodGet, PathClock, nil, &cr, 5*time.Second); err != nil {
			return fmt.Errorf("cluster: clock of the coordinator at %s: %w", s.o.Addr, err)
		}
		t1 := time.Now()
		rtt := t1.Sub(t0)
		if best < 0 || rtt < best {
			best = rtt
			mid := t0.Add(rtt / 2)
			s.Offset, s.RTT = time.Unix(0, cr.UnixNano).Sub(mid), rtt
		}
	}
	return nil
}

// Ready says this shard will send planned hits and waits for the start instant, which it
// returns on this shard's own clock.
func (s *Shard) Ready(ctx context.Context, planned uint64) (time.Time, error) {
	var st StartResponse
	req := ReadyRequest{Index: s.o.Join.Index, OffsetNS: int64(s.Offset), RTTNS: int64(s.RTT), Planned: planned}
	if err := s.call(ctx, http.MethodPost, PathReady, req, &st, s.o.JoinTimeout+10*time.Second); err != nil {
		return time.Time{}, fmt.Errorf("cluster: wait for the start: %w", err)
	}
	s.answered(nil)
	var hctx context.Context
	hctx, s.stopHost = context.WithCancel(context.WithoutCancel(ctx))
	s.host = collector.NewSampler(collector.SamplerOptions{Interval: time.Second, Watch: []collector.Watch{collector.Self()}})
	go func() { _ = s.host.Run(hctx) }()
	s.snaps, s.quit = make(chan snapshot, 1), make(chan struct{})
	s.sending.Add(1)
	go s.send()
	return st.Start.Add(-s.Offset), nil
}

// Observe is the shard's runner observer: it hands the second's snapshot to the sender (which
// sends it off the engine's goroutine) and returns ErrStopped or ErrCoordinatorLost once the
// run must stop.
func (s *Shard) Observe(p engine.Progress) error {
	if err := s.stoppedTold(); err != nil {
		return err
	}
	if p.Partial == nil || s.snaps == nil || len(s.snaps) > 0 { // the sender is busy: the next interval carries this second too
		return nil
	}
	select {
	case s.snaps <- snapshot{partial: p.Partial(), sent: p.Sent}:
	default:
	}
	return nil
}

// Stopped returns why the shard must stop, nil while it goes on.
func (s *Shard) Stopped() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.stopErr
}

func (s *Shard) setStop(err error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.stopErr == nil {
		s.stopErr = err
	}
}

// heartbeat is how often a shard asks the coordinator, between its intervals, whether to
// stop: a stop is heard within it, and the engine stops at its next second.
const heartbeat = 250 * time.Millisecond

// send posts an interval for every snapshot, and a heartbeat in every quarter second without one.
func (s *Shard) send() {
	defer s.sending.Done()
	tick := time.NewTicker(heartbeat)
	defer tick.Stop()
	last := time.Now()
	for {
		select {
		case <-s.quit:
			return
		case sn := <-s.snaps:
			s.interval(&sn)
			last = time.Now()
		case now := <-tick.C:
			if now.Sub(last) >= heartbeat {
				s.interval(nil)
				last = now
			}
		}
	}
}

// interval sends one interval (sn nil: a heartbeat) and reads the answer.
func (s *Shard) interval(sn *snapshot) {
	s.seq++
	req := IntervalRequest{Index: s.o.Join.Index, Seq: s.seq, Base: s.acked}
	var cur *results.Result
	var payloads [][]byte
	if sn != nil {
		req.Sent = sn.sent
		var err error
		if cur, err = sn.partial.Result(); err == nil {
			req.Figures, payloads, err = intervalWithPayloads(s.ackedSnap, cur)
		}
		if err != nil {
			s.setStop(fmt.Errorf("cluster: figures of the interval: %w", err))
			return
		}
		s.unacked[s.seq] = cur
		if samples := s.host.Samples(); len(samples) > 0 && samples[len(samples)-1].Time.After(s.hostSent) {
			req.Host = &samples[len(samples)-1]
		}
	}
	frame, err := appendFramePayloads(nil, req, payloads)
	if err != nil {
		s.setStop(fmt.Errorf("cluster: frame of the interval: %w", err))
		return
	}
	var resp IntervalResponse
	if err := s.post(context.Background(), PathInterval, frame, FrameContentType, &resp, 2*time.Second); err != nil {
		if errors.Is(err, syscall.ECONNREFUSED) || errors.Is(err, ErrRefused) || s.silence() > s.o.LostAfter {
			s.setStop(fmt.Errorf("%w: %v", ErrCoordinatorLost, err))
		}
		return
	}
	var stop error
	switch {
	case resp.Stop && resp.Lost:
		stop = fmt.Errorf("%w: %w: %s", ErrStopped, ErrLost, resp.Reason)
	case resp.Stop:
		stop = fmt.Errorf("%w: %s", ErrStopped, resp.Reason)
	}
	s.answered(stop)
	if req.Host != nil {
		s.hostSent = req.Host.Time
	}
	if snap, ok := s.unacked[resp.Applied]; ok && resp.Applied != s.acked {
		s.acked, s.ackedSnap = resp.Applied, snap
	}
	for k := range s.unacked {
		if k <= s.acked {
			delete(s.unacked, k)
		}
	}
}

// Deliver ends the intervals and sends the shard's final result. It fails with
// ErrCoordinatorLost when the coordinator is gone, and with ErrLost when the coordinator
// counted this shard lost (it still counts the result, but does not merge it): the caller
// keeps the result itself (KeepOwn).
func (s *Shard) Deliver(ctx context.Context, r *results.Result) error {
	if s.quit != nil {
		close(s.quit)
		s.sending.Wait()
		s.quit = nil
		s.stopHost()
	}
	if errors.Is(s.Stopped(), ErrCoordinatorLost) {
		return s.Stopped()
	}
	deadline := time.Now().Add(s.o.LostAfter)
	for {
		var resp IntervalResponse
		err := s.call(ctx, http.MethodPost, PathResult, ResultRequest{Index: s.o.Join.Index, Result: r}, &resp, 10*time.Second)
		if err == nil && resp.Lost {
			return fmt.Errorf("%w: %w: %s", ErrStopped, ErrLost, resp.Reason)
		}
		if err == nil || errors.Is(err, ErrRefused) {
			return err
		}
		if errors.Is(err, syscall.ECONNREFUSED) || time.Now().After(deadline) || ctx.Err() != nil {
			return fmt.Errorf("%w: deliver the result: %v", ErrCoordinatorLost, err)
		}
		time.Sleep(250 * time.Millisecond)
	}
}

// call sends one request of the protocol and decodes the answer into out. A refusal (4xx)
// wraps ErrRefused with the coordinator's message.
func (s *Shard) call(ctx context.Context, method, path string, in, out any, timeout time.Duration) error {
	if in == nil {
		return s.request(ctx, method, path, nil, "", out, timeout)
	}
	b, err := json.Marshal(in)
	if err != nil {
		return err
	}
	return s.request(ctx, method, path, bytes.NewReader(b), "application/json", out, timeout)
}

// post sends body, of contentType, as call does.
func (s *Shard) post(ctx context.Context, path string, body []byte, contentType string, out any, timeout time.Duration) error {
	return s.request(ctx, http.MethodPost, path, bytes.NewReader(body), contentType, out, timeout)
}

func (s *Shard) request(ctx context.Context, method, path string, body io.Reader, contentType string, out any, timeout time.Duration) error {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, method, s.base+path, body)
	if err != nil {
		return err
	}
	req.Header.Set(TokenHeader, "Bearer "+s.o.Token)
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	resp, err := s.client.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, maxSmallBody))
	if err != nil {
		return err
	}
	if resp.StatusCode != http.StatusOK {
		var eb errorBody
		if json.Unmarshal(b, &eb) != nil || eb.Error == "" {
			eb.Error = resp.Status
		}
		if resp.StatusCode >= 400 && resp.StatusCode < 500 {
			return fmt.Errorf("%w (%d): %s", ErrRefused, resp.StatusCode, eb.Error)
		}
		return fmt.Errorf("coordinator answered %d: %s", resp.StatusCode, eb.Error)
	}
	return json.Unmarshal(b, out)
}

// Close releases the shard's connections.
func (s *Shard) Close() { s.client.CloseIdleConnections() }
