package cluster

import (
	"bytes"
	"net/http"
	"net/http/httptest"
	"reflect"
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

// FuzzDecodeSparse: whatever string an interval holds as a histogram, decodeSparse either
// gives exactly the buckets the library's decoding gives (merged into results.NewHistogram)
// or refuses it, as the library does or because a value does not fit.
func FuzzDecodeSparse(f *testing.F) {
	h := results.NewHistogram()
	for _, v := range []int64{1, 900, 2000, 2049, 150_000, results.HistogramMaxMicros} {
		_ = h.RecordValues(v, v%5+1)
	}
	big := results.NewHistogram()
	_ = big.RecordValues(4000, 1<<49)
	coarse := hdrhistogram.New(1, 10_000_000, 2)
	_ = coarse.RecordValue(12_345)
	wide := hdrhistogram.New(1, 3_600_000_000, 3)
	_ = wide.RecordValue(3_000_000_000)
	for _, s := range []*hdrhistogram.Histogram{h, big, coarse, wide, results.NewHistogram()} {
		enc, err := results.EncodeHistogram(s)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(enc)
		f.Add(enc[:len(enc)/2])
	}
	f.Add("")
	f.Add("not-a-histogram")
	f.Fuzz(func(t *testing.T, enc string) {
		got, _, err := decodeSparse(enc, nil)
		want := libraryBuckets(t, enc)
		switch {
		case err != nil && want != nil:
			t.Errorf("refused (%v) what the library decodes to %d buckets", err, len(want))
		case err == nil && want == nil:
			t.Errorf("decoded %d buckets of what the library refuses or does not fit", len(got.buckets))
		case err == nil && !reflect.DeepEqual(counts(got), want):
			t.Errorf("got other buckets than the library's")
		}
	})
}
