package cluster

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"maps"
	"net"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/loadtestdev/loadtest/results"
)

// TestIntervalAppliedAllOrNothing: an interval whose latency histogram is good and whose
// service-time histogram is corrupt is refused whole (400, nothing applied), so that resending
// the good interval counts it once: requests and both histograms agree.
func TestIntervalAppliedAllOrNothing(t *testing.T) {
	tests := []struct {
		name  string
		spoil int // the payload spoiled: the frame's order is latency, service time, then of each name
	}{
		{"service time", 1},
		{"request service time", 3},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, addr := startCoordinator(t, CoordinatorOptions{Count: 1, StartDelay: time.Millisecond})
			s := &rawShard{t: t, base: "http://" + addr}
			s.post(PathJoin, joinRequest(0, 1), http.StatusOK)
			s.post(PathReady, ReadyRequest{Index: 0}, http.StatusOK)
			s.post(PathInterval, IntervalRequest{Index: 0, Seq: 1, Figures: namedFigures(t, 700)}, http.StatusOK)
			head, payloads, timeline := frameParts(t, IntervalRequest{Index: 0, Seq: 2, Base: 1, Figures: namedFigures(t, 300)})
			payloads[tt.spoil] = []byte{0xff} // an escaped gap and count, their uvarints missing
			bad, err := appendFrameOf(nil, head, payloads, timeline)
			if err != nil {
				t.Fatal(err)
			}
			if body := s.send(http.MethodPost, PathInterval, bytes.NewReader(bad), http.StatusBadRequest); !strings.Contains(body, "service time") {
				t.Errorf("got %s, want the refusal to name the service-time histogram", body)
			}
			body := s.post(PathInterval, IntervalRequest{Index: 0, Seq: 3, Base: 1, Figures: namedFigures(t, 300)}, http.StatusOK)
			var resp IntervalResponse
			if err := json.Unmarshal([]byte(body), &resp); err != nil || resp.Applied != 3 {
				t.Fatalf("got %s (%v), want applied 3", body, err)
			}
			r, err := c.Snapshot()
			if err != nil {
				t.Fatal(err)
			}
			c.mu.Lock()
			sum := c.shards[0].sum.figures
			c.mu.Unlock()
			for _, got := range []struct {
				what string
				n    int64
			}{
				{"run requests", int64(r.Requests)}, {"run latency histogram", histCount(t, r.Histograms.Latency)},
				{"run service-time histogram", histCount(t, r.Histograms.ServiceTime)},
				{"run GET / service-time histogram", histCount(t, r.ByRequest["GET /"].Histograms.ServiceTime)},
				{"shard requests", int64(sum.requests)}, {"shard latency histogram", sum.lat.TotalCount()},
				{"shard service-time histogram", sum.svc.TotalCount()},
			} {
				if got.n != 1000 {
					t.Errorf("%s: got %d, want 1000 (700 + 300, the refused interval applied nowhere)", got.what, got.n)
				}
			}
		})
	}
}

// namedFigures is fakeFigures with its requests under one name, "GET /".
func namedFigures(t testing.TB, n int) *results.Result {
	f := fakeFigures(t, n)
	f.ByRequest = map[string]*results.RequestStats{"GET /": {Requests: f.Requests, Successes: f.Successes,
		StatusCodes: maps.Clone(f.StatusCodes), Histograms: f.Histograms}}
	return f
}

func histCount(t *testing.T, enc string) int64 {
	t.Helper()
	h, err := results.DecodeHistogram(enc)
	if err != nil {
		t.Fatal(err)
	}
	return h.TotalCount()
}

// TestServerTimeouts: the coordinator's server closes a kept-alive connection left idle, a
// connection that never finishes its headers, and at once one refused for its token; a
// shard's ready request still waits for the start longer than the read timeout.
func TestServerTimeouts(t *testing.T) {
	short := ServerTimeouts{ReadHeader: 200 * time.Millisecond, Read: 300 * time.Millisecond, Idle: 200 * time.Millisecond}
	_, addr := startCoordinator(t, CoordinatorOptions{Count: 2, StartDelay: time.Millisecond, Timeouts: short})
	auth := "Authorization: Bearer " + testToken + "\r\n"
	tests := []struct {
		name, send, wantStatus string
	}{
		{"idle after an answer", "GET " + PathClock + " HTTP/1.1\r\nHost: x\r\n" + auth + "\r\n", "200"},
		{"idle after a 401", "GET " + PathClock + " HTTP/1.1\r\nHost: x\r\n\r\n", "401"},
		{"headers never finished", "GET " + PathClock + " HTTP/1.1\r\nHost: x\r\n", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assertClosedByServer(t, addr, tt.send, tt.wantStatus)
		})
	}
	t.Run("ready waits beyond the read timeout", func(t *testing.T) {
		s := &rawShard{t: t, base: "http://" + addr}
		s.post(PathJoin, joinRequest(0, 2), http.StatusOK)
		s.post(PathJoin, joinRequest(1, 2), http.StatusOK)
		time.AfterFunc(time.Second, func() {
			_, _ = http.DefaultClient.Do(readyRequest(addr, 1))
		})
		resp, err := http.DefaultClient.Do(readyRequest(addr, 0))
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var st StartResponse
		if err := json.NewDecoder(resp.Body).Decode(&st); err != nil || resp.StatusCode != http.StatusOK || st.Start.IsZero() {
			t.Errorf("got %d %+v (%v), want 200 with the start instant", resp.StatusCode, st, err)
		}
	})
}

func readyRequest(addr string, i int) *http.Request {
	b, _ := json.Marshal(ReadyRequest{Index: i})
	req, _ := http.NewRequest(http.MethodPost, "http://"+addr+PathReady, bytes.NewReader(b))
	req.Header.Set(TokenHeader, "Bearer "+testToken)
	return req
}

// assertClosedByServer sends raw on a new connection, checks the answer's status (none when
// wantStatus is empty) and that the server then closes the connection (within a generous 10s).
func assertClosedByServer(t *testing.T, addr, raw, wantStatus string) {
	t.Helper()
	conn, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	if _, err := io.WriteString(conn, raw); err != nil {
		t.Fatal(err)
	}
	_ = conn.SetReadDeadline(time.Now().Add(10 * time.Second))
	br := bufio.NewReader(conn)
	if wantStatus != "" {
		resp, err := http.ReadResponse(br, nil)
		if err != nil {
			t.Fatalf("got %v, want an answer %s", err, wantStatus)
		}
		_, _ = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if got := strconv.Itoa(resp.StatusCode); got != wantStatus {
			t.Fatalf("got %s, want %s", got, wantStatus)
		}
	}
	if _, err := br.ReadByte(); err != io.EOF {
		var ne net.Error
		if errors.As(err, &ne) && ne.Timeout() {
			t.Fatalf("the connection is still open after 10s, want it closed by the server")
		}
		if err == nil {
			t.Fatalf("got more bytes, want the connection closed")
		}
	}
}

// TestLostShardToldToStopAndCounted: a shard counted lost that speaks again is told to stop
// (Lost set), nothing more of it is merged, and the merged result counts what it sent after:
// a shard_back_after_lost warning with the hits and the requests not merged.
func TestLostShardToldToStopAndCounted(t *testing.T) {
	srv, _ := countingTarget(t)
	c, addr := startCoordinator(t, CoordinatorOptions{Count: 2, Duration: 3 * time.Second, StartDelay: 300 * time.Millisecond, LostAfter: 500 * time.Millisecond, Seed: 1})
	silent := &rawShard{t: t, base: "http://" + addr}
	silent.post(PathJoin, joinRequest(1, 2), http.StatusOK)
	done := make(chan error, 1)
	var own *results.Result
	go func() {
		var err error
		own, err = runShard(t.Context(), addr, 0, 2, srv.URL, 20, 3*time.Second)
		done <- err
	}()
	silent.post(PathReady, ReadyRequest{Index: 1, Planned: 30}, http.StatusOK)
	silent.post(PathInterval, IntervalRequest{Index: 1, Seq: 1, Sent: 7, Figures: namedFigures(t, 7)}, http.StatusOK)
	deadline := time.Now().Add(20 * time.Second)
	for !shardLost(c, 1) {
		if time.Now().After(deadline) {
			t.Fatal("shard 1 was not counted lost within 20s of silence")
		}
		time.Sleep(50 * time.Millisecond)
	}
	// it comes back with its backlog: told to stop, nothing applied
	var resp IntervalResponse
	body := silent.post(PathInterval, IntervalRequest{Index: 1, Seq: 2, Base: 1, Sent: 12, Figures: namedFigures(t, 5)}, http.StatusOK)
	if err := json.Unmarshal([]byte(body), &resp); err != nil || !resp.Stop || !resp.Lost || resp.Applied != 1 || !strings.Contains(resp.Reason, "counted lost") {
		t.Fatalf("got %s (%v), want stop, lost, applied 1 and the reason", body, err)
	}
	final := namedFigures(t, 13)
	final.Sent = 13
	body = silent.post(PathResult, ResultRequest{Index: 1, Result: final}, http.StatusOK)
	if err := json.Unmarshal([]byte(body), &resp); err != nil || !resp.Lost {
		t.Fatalf("result: got %s (%v), want lost", body, err)
	}
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	out, err := c.Wait()
	if err != nil {
		t.Fatal(err)
	}
	if got := out.Result.Requests - own.Requests; got != 7 {
		t.Errorf("got %d requests of shard 1 merged, want the 7 it reported before it was counted lost", got)
	}
	var back *results.Warning
	for i, w := range out.Result.Warnings {
		if w.Code == WarnShardBack {
			back = &out.Result.Warnings[i]
		}
	}
	if back == nil || back.Values["sent_after_last_report"] != 6 || back.Values["requests_not_merged"] != 6 || !strings.Contains(back.Message, "shard 1") {
		t.Errorf("got warning %+v, want shard_back_after_lost for shard 1: 6 hits sent after (13 - 7), 6 requests not merged", back)
	}
}

func shardLost(c *Coordinator, i int) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.shards[i].lost
}

// TestCoordinatorStallIsNotShardSilence: when the coordinator itself did not run for longer
// than half of LostAfter (frozen, starved), the shards' silence is its own: none is counted
// lost for it, and each gets a whole LostAfter from then.
func TestCoordinatorStallIsNotShardSilence(t *testing.T) {
	c, err := NewCoordinator(CoordinatorOptions{Count: 2, Token: testToken, LostAfter: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	stalled := time.Now().Add(-10 * time.Second)
	c.lastCheck = stalled
	for _, s := range c.shards {
		s.lastSeen = stalled
	}
	c.checkShards()
	for i := range c.shards {
		if shardLost(c, i) {
			t.Errorf("shard %d counted lost after the coordinator's own stall, want it given time to speak", i)
		}
	}
	c.lastCheck = time.Now().Add(-100 * time.Millisecond) // a regular check, the shards still silent
	for _, s := range c.shards {
		s.lastSeen = stalled
	}
	c.checkShards()
	if !shardLost(c, 0) || !shardLost(c, 1) {
		t.Errorf("got shards lost %v %v after 10 s of their own silence, want both lost", shardLost(c, 0), shardLost(c, 1))
	}
}
