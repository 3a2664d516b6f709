package engine

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/loadtestdev/loadtest/results"
	"github.com/loadtestdev/loadtest/scenarios"
)

// bodyServer answers /ok with 200 and a body, /denied with 401 and a JSON error, /long with
// 500 and a body longer than an error sample keeps, /empty with 503 and no body.
func bodyServer(t *testing.T, h2c bool) *httptest.Server {
	t.Helper()
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/ok":
			_, _ = io.WriteString(w, "fine")
		case "/denied":
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(http.StatusUnauthorized)
			_, _ = io.WriteString(w, `{"error":"bad token signature"}`)
		case "/long":
			w.WriteHeader(http.StatusInternalServerError)
			_, _ = io.WriteString(w, strings.Repeat("x", 300)+"\xff")
		case "/empty":
			w.WriteHeader(http.StatusServiceUnavailable)
		}
	}))
	if h2c {
		srv.Config.Protocols = new(http.Protocols)
		srv.Config.Protocols.SetHTTP1(true)
		srv.Config.Protocols.SetUnencryptedHTTP2(true)
	}
	srv.Start()
	t.Cleanup(srv.Close)
	return srv
}

// wantSamples are the error samples bodyServer's error paths must give.
var wantSamples = map[string]struct {
	body      string
	truncated bool
}{
	"http 401": {`{"error":"bad token signature"}`, false},
	"http 500": {strings.Repeat("x", results.MaxErrorBody), true},
	"http 503": {"", false},
}

func checkErrorSamples(t *testing.T, where string, errs []results.ErrorCount) {
	t.Helper()
	if len(errs) != len(wantSamples) {
		t.Errorf("%s: got error classes %+v, want %d", where, errs, len(wantSamples))
	}
	for _, e := range errs {
		want, ok := wantSamples[e.Class]
		if !ok {
			t.Errorf("%s: unexpected error class %+v", where, e)
			continue
		}
		if e.Body != want.body || e.BodyTruncated != want.truncated {
			t.Errorf("%s: %s sample: got body %q (truncated %v), want %q (truncated %v)", where, e.Class, e.Body, e.BodyTruncated, want.body, want.truncated)
		}
	}
}

func TestErrorSamplesKeepTheStartOfTheBody(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		name  string
		http2 bool
	}{
		{"http/1.1 transport", false},
		{"standard transport (h2c)", true},
	} {
		t.Run(tt.name, func(t *testing.T) {
			srv := bodyServer(t, tt.http2)
			r, err := Run(context.Background(), Options{Targeter: newFake(srv.URL, "/ok", "/denied", "/long", "/empty"),
				MaxRequests: 40, Connections: 4, HTTP2: tt.http2})
			if err != nil {
				t.Fatal(err)
			}
			if r.Requests != 40 || r.Successes != 10 {
				t.Fatalf("got %d requests, %d successes; want 40, 10", r.Requests, r.Successes)
			}
			checkErrorSamples(t, "run", r.Errors)
			for name, rs := range r.ByRequest {
				if name == "GET /ok" {
					if len(rs.Errors) != 0 {
						t.Errorf("GET /ok: got errors %+v, want none", rs.Errors)
					}
					continue
				}
				if len(rs.Errors) != 1 || rs.Errors[0].Body != wantSamples[rs.Errors[0].Class].body {
					t.Errorf("%s: got errors %+v, want its own sample with the body", name, rs.Errors)
				}
			}
		})
	}
}

func TestFlowErrorSamplesKeepTheStartOfTheBody(t *testing.T) {
	t.Parallel()
	srv := bodyServer(t, false)
	src := `flows:
  - name: f
    on_failure: continue
    steps:
      - {name: ok, path: /ok}
      - {name: denied, path: /denied}
      - {name: long, path: /long}
      - {name: empty, path: /empty}
      - {name: expected, path: /denied, check: [{status: 401}]}
`
	r := runFlowYAML(t, src, srv.URL, Options{RatePerSec: 50, Duration: 30 * time.Second, MaxRequests: 3, MaxSessions: 3})
	checkErrorSamples(t, "flow", r.Errors)
	if st := r.ByRequest["f/expected"]; st == nil || st.Successes == 0 || len(st.Errors) != 0 {
		t.Errorf("f/expected: got %+v, want the 401 it checks for to pass", st)
	}
}

// TestFlowsKeepTheirOwnErrorBodies: a flow step may check for a 401, which then succeeds, so
// the transport of a run of flows leaves the body to the session, which knows the checks.
func TestFlowsKeepTheirOwnErrorBodies(t *testing.T) {
	var bytesIn atomic.Uint64
	for _, tt := range []struct {
		name string
		o    Options
		want bool
	}{
		{"plain run", Options{Timeout: time.Second, Connections: 1}, true},
		{"run of flows", Options{Timeout: time.Second, Connections: 1, FlowPlan: &scenarios.FlowPlan{}}, false},
	} {
		if got := newClient(&tt.o, &bytesIn).Transport.(*engineTransport).errorBodies; got != tt.want {
			t.Errorf("%s: transport keeps error bodies %v, want %v", tt.name, got, tt.want)
		}
	}
}

func TestErrorBodyLeavesSuccessesAlone(t *testing.T) {
	for _, code := range []int{200, 204, 302, 399} {
		resp := &http.Response{StatusCode: code, Header: http.Header{}, Body: io.NopCloser(strings.NewReader("body"))}
		keepErrorBody(resp)
		_, _ = io.Copy(io.Discard, resp.Body)
		_ = resp.Body.Close()
		if _, wrapped := resp.Body.(*errorBody); wrapped || len(resp.Header) != 0 {
			t.Errorf("status %d: got body %T and header %v, want the body untouched", code, resp.Body, resp.Header)
		}
	}
}
