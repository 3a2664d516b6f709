package cluster

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/loadtestdev/loadtest/results"
)

// rawShard speaks the protocol by hand, for the refusals and for shards that misbehave.
type rawShard struct {
	t     *testing.T
	base  string
	token string // "" means testToken
}

// post sends v to path and checks the status; it returns the body.
// An IntervalRequest goes as its frame.
func (s *rawShard) post(path string, v any, want int) string {
	s.t.Helper()
	if req, ok := v.(IntervalRequest); ok {
		return s.send(http.MethodPost, path, bytes.NewReader(mustFrame(s.t, req)), want)
	}
	b, err := json.Marshal(v)
	if err != nil {
		s.t.Fatal(err)
	}
	return s.send(http.MethodPost, path, bytes.NewReader(b), want)
}

func mustFrame(t testing.TB, req IntervalRequest) []byte {
	t.Helper()
	b, err := appendFrame(nil, req)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func (s *rawShard) send(method, path string, body io.Reader, want int) string {
	s.t.Helper()
	req, err := http.NewRequest(method, s.base+path, body)
	if err != nil {
		s.t.Fatal(err)
	}
	token := s.token
	if token == "" {
		token = testToken
	}
	if token != "-" {
		req.Header.Set(TokenHeader, "Bearer "+token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		s.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != want {
		s.t.Fatalf("%s %s: got %d %s, want %d", method, path, resp.StatusCode, b, want)
	}
	return string(b)
}

// fakeFigures is an interval of n successful requests of 1 ms each.
func fakeFigures(t testing.TB, n int) *results.Result {
	t.Helper()
	h := results.NewHistogram()
	for range n {
		results.RecordDuration(h, time.Millisecond)
	}
	enc, err := results.EncodeHistogram(h)
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	return &results.Result{Schema: results.Schema, Scenario: "echo", Started: now.Add(-time.Second), Ended: now, DurationS: 1,
		Requests: uint64(n), Successes: uint64(n), StatusCodes: map[string]uint64{"200": uint64(n)},
		Histograms: results.Histograms{Latency: enc, ServiceTime: enc}}
}

// TestTokenRequired: every path refuses a request without the token, or with another, with 401.
func TestTokenRequired(t *testing.T) {
	_, addr := startCoordinator(t, CoordinatorOptions{Count: 1})
	for _, path := range []string{PathJoin, PathClock, PathReady, PathInterval, PathResult} {
		for _, token := range []string{"-", "wrong"} {
			t.Run(path+"/"+token, func(t *testing.T) {
				s := &rawShard{t: t, base: "http://" + addr, token: token}
				method := http.MethodPost
				if path == PathClock {
					method = http.MethodGet
				}
				body := s.send(method, path, strings.NewReader("{}"), http.StatusUnauthorized)
				if !strings.Contains(body, "cluster token") {
					t.Errorf("got %s, want the refusal to name the cluster token", body)
				}
			})
		}
	}
	// and the client says so
	_, err := Join(t.Context(), ShardOptions{Addr: addr, Token: "wrong", Join: joinRequest(0, 1)})
	if !errors.Is(err, ErrRefused) || !strings.Contains(err.Error(), "401") {
		t.Errorf("got %v, want a refusal with 401", err)
	}
}

// TestJoinRefusesAnotherRun: a shard of another run (count, index, scenario, flags, seed), of
// another build (protocol version) or a second shard of one index is refused with 409 and a message that says what differs.
func TestJoinRefusesAnotherRun(t *testing.T) {
	_, addr := startCoordinator(t, CoordinatorOptions{Count: 2, Seed: 7})
	s := &rawShard{t: t, base: "http://" + addr}
	s.post(PathJoin, joinRequest(0, 2), http.StatusOK)
	tests := []struct {
		name string
		edit func(*JoinRequest)
		want string
	}{
		{"count", func(j *JoinRequest) { j.Count = 3 }, "this run has 2 shards"},
		{"index", func(j *JoinRequest) { j.Index = 5 }, "want 0 to 1"},
		{"scenario", func(j *JoinRequest) { j.Scenario = "swiper" }, `scenario "swiper", this run is "echo"`},
		{"flags", func(j *JoinRequest) { j.Fingerprint, j.Describe = "other", "echo at 5/s" }, "(echo at 5/s) differ from the coordinator's (echo as tested)"},
		{"seed", func(j *JoinRequest) { j.Seed, j.SeedSet = 8, true }, "--seed 8, this run's is 7"},
		{"duplicate", func(j *JoinRequest) {}, "shard 0 has already joined"},
		{"older build", func(j *JoinRequest) { j.Protocol = 0 }, "speaks protocol version 0, this coordinator version 2: run the same loadtest build"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			j := joinRequest(0, 2)
			tt.edit(&j)
			s.t = t
			var eb errorBody
			if body := s.post(PathJoin, j, http.StatusConflict); json.Unmarshal([]byte(body), &eb) != nil || !strings.Contains(eb.Error, tt.want) {
				t.Errorf("got %s, want %q", body, tt.want)
			}
		})
	}
}

// TestStrictBodies: unknown fields, trailing data and oversized bodies are refused with 400.
func TestStrictBodies(t *testing.T) {
	_, addr := startCoordinator(t, CoordinatorOptions{Count: 1})
	s := &rawShard{t: t, base: "http://" + addr}
	tests := []struct {
		name, path, body, want string
	}{
		{"unknown field", PathJoin, `{"index":0,"count":1,"bogus":1}`, "unknown field"},
		{"trailing data", PathJoin, `{"index":0,"count":1} {}`, "data after"},
		{"oversized", PathJoin, `{"scenario":"` + strings.Repeat("x", maxSmallBody) + `"}`, "larger than"},
		{"not a frame", PathInterval, `nope`, "bad body: not an interval frame"},
		{"a JSON interval", PathInterval, `{"index":0,"seq":1}`, "run the same loadtest build"},
		{"another frame version", PathInterval, frameMagic + "\x07", "version 7"},
		{"truncated frame", PathInterval, frameMagic + "\x01\x09{}", "bad body: head"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s.t = t
			if body := s.send(http.MethodPost, tt.path, strings.NewReader(tt.body), http.StatusBadRequest); !strings.Contains(body, tt.want) {
				t.Errorf("got %s, want %q", body, tt.want)
			}
		})
	}
}

// TestResentIntervalCountedOnce: an interval whose answer was lost is resent from the old base;
// the coordinator does not apply it twice and says which interval it applied last.
func TestResentIntervalCountedOnce(t *testing.T) {
	c, addr := startCoordinator(t, CoordinatorOptions{Count: 1, StartDelay: time.Millisecond})
	s := &rawShard{t: t, base: "http://" + addr}
	s.post(PathJoin, joinRequest(0, 1), http.StatusOK)
	s.post(PathReady, ReadyRequest{Index: 0}, http.StatusOK)
	s.post(PathInterval, IntervalRequest{Index: 0, Seq: 1, Base: 0, Figures: fakeFigures(t, 5)}, http.StatusOK)
	body := s.post(PathInterval, IntervalRequest{Index: 0, Seq: 2, Base: 0, Figures: fakeFigures(t, 8)}, http.StatusOK)
	var resp IntervalResponse
	if err := json.Unmarshal([]byte(body), &resp); err != nil || resp.Applied != 1 {
		t.Fatalf("got %s (%v), want applied 1", body, err)
	}
	s.post(PathInterval, IntervalRequest{Index: 0, Seq: 3, Base: 1, Figures: fakeFigures(t, 3)}, http.StatusOK)
	c.mu.Lock()
	got := c.shards[0].sum.figures.requests
	c.mu.Unlock()
	if got != 8 {
		t.Errorf("got %d requests summed, want 8 (5 + 3, the resent 8 not applied)", got)
	}
}

// TestIntervalFiguresSumToCumulative: the intervals between successive cumulative snapshots
// add up (results.MergeWith) to the last snapshot, histograms bucket for bucket.
func TestIntervalFiguresSumToCumulative(t *testing.T) {
	began := time.Now().Add(-time.Hour)
	lat, svc := results.NewHistogram(), results.NewHistogram()
	byName := map[string]*results.RequestStats{}
	var snaps []*results.Result
	codes := map[string]uint64{}
	var requests, successes uint64
	var errs []results.ErrorCount
	for sec := 1; sec <= 4; sec++ {
		for i := range 50 * sec {
			d := time.Duration(100+i*sec*37) * time.Microsecond
			results.RecordDuration(lat, d)
			results.RecordDuration(svc, d/2)
			requests++
			if i%10 == 0 {
				codes["500"]++
			} else {
				successes++
				codes["200"]++
			}
		}
		if sec >= 2 {
			errs = []results.ErrorCount{{Class: "http_500", Message: "500", Count: codes["500"]}}
		}
		l, _ := results.EncodeHistogram(lat)
		s, _ := results.EncodeHistogram(svc)
		byName["echo"] = &results.RequestStats{Requests: requests, Successes: successes, StatusCodes: clone(codes),
			Histograms: results.Histograms{Latency: l, ServiceTime: s}}
		snaps = append(snaps, &results.Result{Schema: results.Schema, Scenario: "echo", Started: began,
			Ended: began.Add(time.Duration(sec) * time.Second), Requests: requests, Successes: successes, Connections: 4,
			StatusCodes: clone(codes), Errors: append([]results.ErrorCount(nil), errs...), ByRequest: copyByName(byName),
			Histograms: results.Histograms{Latency: l, ServiceTime: s}})
	}
	var sum *results.Result
	var prev *results.Result
	for _, cur := range snaps {
		d, err := intervalFigures(prev, cur)
		if err != nil {
			t.Fatal(err)
		}
		if sum == nil {
			sum = d
		} else if sum, err = results.MergeWith(results.MergeOptions{}, sum, d); err != nil {
			t.Fatal(err)
		}
		prev = cur
	}
	last := snaps[len(snaps)-1]
	if sum.Requests != last.Requests || sum.Successes != last.Successes || sum.Connections != 4 ||
		!reflect.DeepEqual(sum.StatusCodes, last.StatusCodes) || sum.Errors[0].Count != last.Errors[0].Count {
		t.Errorf("got %d/%d requests, %d connections, codes %v, errors %v; want %d/%d, 4, %v, %v", sum.Requests, sum.Successes,
			sum.Connections, sum.StatusCodes, sum.Errors, last.Requests, last.Successes, last.StatusCodes, last.Errors)
	}
	for _, pair := range [][2]string{
		{sum.Histograms.Latency, last.Histograms.Latency},
		{sum.Histograms.ServiceTime, last.Histograms.ServiceTime},
		{sum.ByRequest["echo"].Histograms.Latency, last.ByRequest["echo"].Histograms.Latency},
	} {
		a, _ := results.DecodeHistogram(pair[0])
		b, _ := results.DecodeHistogram(pair[1])
		if !reflect.DeepEqual(a.Export().Counts, b.Export().Counts) {
			t.Errorf("the summed histogram (%d values) differs from the cumulative one (%d values)", a.TotalCount(), b.TotalCount())
		}
	}
	if len(sum.Timeline) != 4 {
		t.Errorf("got %d timeline seconds, want 4, one per interval", len(sum.Timeline))
	}
}

func clone(m map[string]uint64) map[string]uint64 {
	out := map[string]uint64{}
	for k, v := range m {
		out[k] = v
	}
	return out
}

func copyByName(m map[string]*results.RequestStats) map[string]*results.RequestStats {
	out := map[string]*results.RequestStats{}
	for k, v := range m {
		c := *v
		out[k] = &c
	}
	return out
}

// TestClockSpread warns above 10 ms of spread, not at or below it.
func TestClockSpread(t *testing.T) {
	tests := []struct {
		name    string
		offsets []float64
		want    bool
	}{
		{"one shard", []float64{40}, false},
		{"within", []float64{-4, 0, 6}, false},
		{"at the limit", []float64{0, 10}, false},
		{"beyond", []float64{-3, 0, 8}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var shards []results.ShardInfo
			for i, o := range tt.offsets {
				shards = append(shards, results.ShardInfo{Index: i, OffsetMS: o})
			}
			w, got := clockSpread(shards)
			if got != tt.want || (got && w.Code != WarnClockSpread) {
				t.Errorf("got %v %+v, want %v", got, w, tt.want)
			}
		})
	}
}

// TestJoinOlderCoordinator: a coordinator of a build before protocol versions refuses the join's
// protocol field as unknown; the shard says that the builds differ.
func TestJoinOlderCoordinator(t *testing.T) {
	old := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		refuse(w, http.StatusBadRequest, "cluster: join: bad body: json: unknown field %q", "protocol")
	}))
	defer old.Close()
	_, err := Join(t.Context(), ShardOptions{Addr: strings.TrimPrefix(old.URL, "http://"), Token: testToken, Join: joinRequest(0, 1)})
	if !errors.Is(err, ErrRefused) || !strings.Contains(err.Error(), "older loadtest build") {
		t.Errorf("got %v, want a refusal that names the older build", err)
	}
}
