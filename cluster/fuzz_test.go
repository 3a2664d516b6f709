package cluster

import (
	"bytes"
	"encoding/json"
	"maps"
	"net/http"
	"net/http/httptest"
	"reflect"
	"slices"
	"testing"

	hdrhistogram "github.com/HdrHistogram/hdrhistogram-go"
	"github.com/loadtestdev/loadtest/results"
)

// FuzzHandler: whatever body a token holder sends to any path, the coordinator answers with
// one of the protocol's statuses and does not panic.
func FuzzHandler(f *testing.F) {
	for _, seed := range []string{
		`{"index":0,"count":1,"scenario":"echo","fingerprint":"fp"}`,
		`{"index":0,"seq":1,"base":0,"figures":{"schema":"loadtest.result/v1","requests":3,"histograms":{"latency":"x"}}}`,
		`{"index":0,"result":null}`, `{"index":7}`, `[]`, `{"index":0} {}`, ``,
	} {
		for _, path := range []string{PathJoin, PathInterval, PathResult} {
			f.Add(path, []byte(seed))
		}
	}
	f.Add(PathInterval, mustFrame(f, IntervalRequest{Index: 0, Seq: 1, Figures: namedFigures(f, 3)}))
	f.Add(PathInterval, mustFrame(f, IntervalRequest{Index: 0, Seq: 1}))
	f.Fuzz(func(t *testing.T, path string, body []byte) {
		c, err := NewCoordinator(CoordinatorOptions{Count: 1, Scenario: "echo", Fingerprint: "fp", Token: testToken})
		if err != nil {
			t.Fatal(err)
		}
		// joined, so that interval and result bodies reach their decoding and checks
		c.shards[0].joined = true
		if path == "" || path[0] != '/' {
			path = "/" + path
		}
		req := httptest.NewRequest(http.MethodPost, "http://coordinator"+PathJoin, bytes.NewReader(body))
		req.URL.Path = path
		req.Header.Set(TokenHeader, "Bearer "+testToken)
		w := httptest.NewRecorder()
		c.Handler().ServeHTTP(w, req)
		switch w.Code {
		case http.StatusOK, http.StatusBadRequest, http.StatusConflict, http.StatusNotFound, http.StatusMethodNotAllowed,
			http.StatusMovedPermanently, http.StatusTemporaryRedirect: // the mux cleaning a path
		default:
			t.Errorf("%s %q: got status %d", path, body, w.Code)
		}
	})
}

// FuzzHistogramPayload: whatever bytes an interval frame holds as a histogram, payloadHist
// refuses them or reads buckets in ascending order that add up to its total and fit the
// geometry, and that a shard's writing of them (appendPacked) reads back as.
func FuzzHistogramPayload(f *testing.F) {
	h := results.NewHistogram()
	for _, v := range []int64{1, 900, 2000, 2049, 150_000, results.HistogramMaxMicros} {
		_ = h.RecordValues(v, v%5+1)
	}
	big := results.NewHistogram()
	_ = big.RecordValues(4000, 1<<49)
	for _, s := range []*hdrhistogram.Histogram{h, big, extremes(), results.NewHistogram()} {
		p, err := histogramPayload(mustEncode(f, s))
		if err != nil {
			f.Fatal(err)
		}
		f.Add(p)
		f.Add(p[:len(p)/2])
	}
	// an escape cut short; a gap past the geometry; counts past MaxInt64
	f.Add([]byte{0xff})
	f.Add([]byte{0xe0, 0xff, 0x87, 0x01})
	f.Add(bytes.Repeat([]byte{0x1f, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f}, 3))
	f.Fuzz(func(t *testing.T, payload []byte) {
		got, _, err := payloadHist(payload, nil)
		if err != nil {
			return
		}
		c := counts(got)
		if c == nil {
			t.Fatal("buckets out of order, empty, or not adding up to their total")
		}
		dense := make([]int64, standardCountsLen)
		for i, n := range c {
			if i < 0 || i >= standardCountsLen {
				t.Fatalf("bucket index %d outside the geometry", i)
			}
			dense[i] = n
		}
		again, _, err := payloadHist(appendPacked(nil, dense), nil)
		if err != nil || !reflect.DeepEqual(counts(again), c) {
			t.Errorf("written again and read back: got error %v or other buckets", err)
		}
	})
}

// FuzzIntervalFrame: whatever body a shard sends as an interval, parseFrame refuses it or
// reads it into a request whose decoded histograms are well formed, and never panics.
func FuzzIntervalFrame(f *testing.F) {
	for _, req := range []IntervalRequest{
		{Index: 0, Seq: 1},
		{Index: 1, Seq: 2, Base: 1, Sent: 9, Figures: namedFigures(f, 7)},
		{Index: 0, Seq: 3, Figures: benchIntervals(f, 100, 2)[1]},
	} {
		b := mustFrame(f, req)
		f.Add(b)
		f.Add(b[:len(b)-1])
		f.Add(append(b, 0))
	}
	f.Add([]byte(`{"index":0,"seq":1}`))
	f.Add([]byte(frameMagic + "\x02\x02{}"))
	f.Fuzz(func(t *testing.T, frame []byte) {
		var req IntervalRequest
		d, figuresErr, err := parseFrame(frame, &req)
		if err != nil || figuresErr != nil || d == nil {
			return
		}
		defer d.release()
		for name, p := range d.byName {
			if counts(p.lat) == nil || counts(p.svc) == nil {
				t.Errorf("request %s: decoded histograms out of order, or not adding up to their totals", name)
			}
		}
		if counts(d.lat) == nil || counts(d.svc) == nil {
			t.Error("decoded histograms out of order, or not adding up to their totals")
		}
	})
}

// TestFrameRoundTrip: an interval framed and parsed is the interval sent: its head, its timeline
// and every histogram, decoded to the buckets of the library's decoding of the original.
func TestFrameRoundTrip(t *testing.T) {
	tests := []struct {
		name string
		req  IntervalRequest
	}{
		{"heartbeat", IntervalRequest{Index: 3, Seq: 9, Base: 8, Sent: 1234}},
		{"named", IntervalRequest{Index: 1, Seq: 2, Base: 1, Sent: 9, Figures: namedFigures(t, 7)}},
		{"swiper mix at 10,000/s", IntervalRequest{Index: 0, Seq: 5, Base: 4, Figures: benchIntervals(t, 10000, 3)[2]}},
		{"empty histograms", IntervalRequest{Index: 0, Seq: 1, Figures: &results.Result{Schema: results.Schema,
			ByRequest: map[string]*results.RequestStats{"a": {}}, Timeline: []results.Second{{Unix: 5}}}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got IntervalRequest
			d, figuresErr, err := parseFrame(mustFrame(t, tt.req), &got)
			if err != nil || figuresErr != nil {
				t.Fatalf("got errors %v, %v", err, figuresErr)
			}
			want, hists, err := frameHeadOf(tt.req)
			if err != nil {
				t.Fatal(err)
			}
			if tt.req.Figures == nil {
				if d != nil || !reflect.DeepEqual(got, want) {
					t.Fatalf("got %+v and figures %v, want %+v and none", got, d, want)
				}
				return
			}
			defer d.release()
			want.Figures.Timeline = tt.req.Figures.Timeline
			gj, _ := json.Marshal(got)
			wj, _ := json.Marshal(want)
			if !bytes.Equal(gj, wj) {
				t.Errorf("got head %s, want %s", gj, wj)
			}
			decoded := []sparseHist{d.lat, d.svc}
			for _, name := range slices.Sorted(maps.Keys(d.byName)) {
				decoded = append(decoded, d.byName[name].lat, d.byName[name].svc)
			}
			if len(decoded) != len(hists) {
				t.Fatalf("got %d histograms, want %d", len(decoded), len(hists))
			}
			for i, enc := range hists {
				want := libraryBuckets(t, enc)
				if enc == "" {
					want = map[int32]int64{}
				}
				if g := counts(decoded[i]); !reflect.DeepEqual(g, want) {
					t.Errorf("histogram %d: got %d buckets, want the library's %d", i, len(g), len(want))
				}
			}
		})
	}
}

// frameParts returns what appendFrame writes of req: its head, its histograms' payloads and its
// timeline's latency histograms.
func frameParts(t testing.TB, req IntervalRequest) (IntervalRequest, [][]byte, []string) {
	t.Helper()
	head, hists, err := frameHeadOf(req)
	if err != nil {
		t.Fatal(err)
	}
	var payloads [][]byte
	for _, enc := range hists {
		p, err := histogramPayload(enc)
		if err != nil {
			t.Fatal(err)
		}
		payloads = append(payloads, p)
	}
	var timeline []string
	for _, s := range req.Figures.Timeline {
		timeline = append(timeline, s.Latency)
	}
	return head, payloads, timeline
}

// decodeSparse decodes an encoded histogram as a shard frames it and the coordinator reads it.
func decodeSparse(tb testing.TB, enc string) sparseHist {
	tb.Helper()
	p, err := histogramPayload(enc)
	if err != nil {
		tb.Fatal(err)
	}
	s, _, err := payloadHist(p, nil)
	if err != nil {
		tb.Fatal(err)
	}
	return s
}

// TestShardPayloadsLikeFrame: the payloads a shard packs from the histograms it subtracted are
// those appendFrame makes from their encoding.
func TestShardPayloadsLikeFrame(t *testing.T) {
	snaps := benchSnapshots(t, 1000, 3)
	for i, prev := range []*results.Result{nil, snaps[0], snaps[1]} {
		f, payloads, err := intervalWithPayloads(prev, snaps[i])
		if err != nil {
			t.Fatal(err)
		}
		req := IntervalRequest{Index: 1, Seq: uint64(i + 1), Figures: f}
		got, err := appendFramePayloads(nil, req, payloads)
		if err != nil {
			t.Fatal(err)
		}
		if want := mustFrame(t, req); !bytes.Equal(got, want) {
			t.Errorf("interval %d: got a frame of %d bytes, want appendFrame's %d", i, len(got), len(want))
		}
	}
}
