package server

import (
	"encoding/json"
	"io"
	"net/http"
	"testing"
)

// TestUnmatchedRoutesAnswerJSON checks that the router's own 404 and 405 answer
// {"error": ...} as application/json like every other error, and that 405 keeps its Allow.
func TestUnmatchedRoutesAnswerJSON(t *testing.T) {
	_, ts := newTestServer(t, backend{name: "sqlite+memory", cache: "memory"})
	tests := []struct {
		name, method, path string
		wantCode           int
		wantError          string
		wantAllow          string
	}{
		{"no route", "GET", "/nope", 404, "no route for GET /nope", ""},
		{"pprof off", "GET", "/debug/pprof/", 404, "no route for GET /debug/pprof/", ""},
		{"no route post", "POST", "/api/user/nope", 404, "no route for POST /api/user/nope", ""},
		{"wrong method", "DELETE", "/echo", 405, "method DELETE not allowed on /echo: allowed GET, HEAD, POST", "GET, HEAD, POST"},
		{"wrong method api", "GET", "/api/social/like", 405, "method GET not allowed on /api/social/like: allowed POST", "POST"},
		{"user not found stays", "GET", "/db/users/999999", 404, "user 999999 not found", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req, err := http.NewRequest(tt.method, ts.URL+tt.path, nil)
			if err != nil {
				t.Fatal(err)
			}
			resp, err := ts.Client().Do(req)
			if err != nil {
				t.Fatal(err)
			}
			body, err := io.ReadAll(resp.Body)
			resp.Body.Close()
			if err != nil {
				t.Fatal(err)
			}
			var e apiError
			if err := json.Unmarshal(body, &e); err != nil {
				t.Errorf("got body %q, want {\"error\": ...}: %v", body, err)
			}
			if resp.StatusCode != tt.wantCode || e.Error != tt.wantError {
				t.Errorf("got %d %q, want %d %q", resp.StatusCode, e.Error, tt.wantCode, tt.wantError)
			}
			if ct := resp.Header.Get("Content-Type"); ct != "application/json" {
				t.Errorf("got Content-Type %q, want application/json", ct)
			}
			if cl := resp.Header.Get("Content-Length"); resp.ContentLength != int64(len(body)) {
				t.Errorf("got Content-Length %q for a %d-byte body", cl, len(body))
			}
			if allow := resp.Header.Get("Allow"); allow != tt.wantAllow {
				t.Errorf("got Allow %q, want %q", allow, tt.wantAllow)
			}
		})
	}
}
