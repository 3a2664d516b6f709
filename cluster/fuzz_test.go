package cluster

import (
	"bytes"
	"net/http"
	"net/http/httptest"
	"testing"
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
