package engine

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	vegeta "github.com/tsenart/vegeta/v12/lib"
)

// oneHeaderTargeter sends GET / with one header.
type oneHeaderTargeter struct{ url, key, value string }

func (h oneHeaderTargeter) Names() []string { return []string{"GET /"} }

func (h oneHeaderTargeter) Next(tgt *vegeta.Target) (int, error) {
	tgt.Method, tgt.URL = "GET", h.url
	tgt.Header = http.Header{h.key: {h.value}}
	return 0, nil
}

// TestHeaderControlBytesRefused: a header value with NUL, CR or LF is a failed request of class
// build, never written, over the engine's HTTP/1.1 transport and over net/http's (HTTP/2).
func TestHeaderControlBytesRefused(t *testing.T) {
	tests := []struct {
		name  string
		value string
		http2 bool
	}{
		{"NUL over h1", "a\x00b", false},
		{"CRLF over h1", "a\r\nX-Injected: 1", false},
		{"NUL over HTTP/2", "a\x00b", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cs := newCountingServer(t, nil)
			tg := oneHeaderTargeter{url: cs.URL + "/", key: "X-Promo", value: tt.value}
			r, err := Run(context.Background(), Options{Targeter: tg, RatePerSec: 200, Duration: time.Second, MaxRequests: 10, HTTP2: tt.http2})
			if err != nil {
				t.Fatal(err)
			}
			checkConsistent(t, r)
			if r.Requests != 10 || r.Successes != 0 || cs.count.Load() != 0 {
				t.Fatalf("got %d requests %d successes, server saw %d; want 10, 0, 0", r.Requests, r.Successes, cs.count.Load())
			}
			if e := r.Errors; len(e) != 1 || e[0].Class != ClassBuild || !strings.Contains(e[0].Message, "X-Promo") {
				t.Errorf("got errors %+v, want class build naming X-Promo", e)
			}
		})
	}
}

// TestFlowStepThatCannotBeBuilt: a value the server gave ("50% off") is escaped in a path by
// default; put raw, it makes an invalid URL, and that step is a failed request of class build
// naming the step and the value, recorded in by_request; the run goes on to the next step.
func TestFlowStepThatCannotBeBuilt(t *testing.T) {
	cs, pc := newPathServer(t, func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/promo" {
			_ = json.NewEncoder(w).Encode(map[string]string{"promo": "50% off", "header": "a\x00b"})
		}
	})
	src := `
rate: 20/s
duration: 1s
flows:
  - name: shop
    on_failure: continue
    steps:
      - {name: promo, path: /promo, extract: {promo: {json: $.promo}, bad: {json: $.header}}}
      - {name: raw, path: "/echo/{{ promo | raw }}"}
      - {name: escaped, path: "/echo/{{ promo }}?p={{ promo }}"}
      - {name: header, path: /h, headers: {X-Promo: "{{ bad }}"}}
`
	r := runFlowYAML(t, src, cs.URL, Options{RatePerSec: 20, Duration: time.Second})
	if r.Iterations == 0 {
		t.Fatal("no iteration ran")
	}
	for _, step := range []string{"raw", "header"} {
		rs := r.ByRequest["shop/"+step]
		if rs == nil || rs.Requests != r.Iterations || rs.Successes != 0 {
			t.Fatalf("shop/%s: got %+v, want %d failed requests", step, rs, r.Iterations)
		}
		if e := rs.Errors; len(e) != 1 || e[0].Class != ClassBuild || !strings.Contains(e[0].Message, "step shop/"+step) {
			t.Errorf("shop/%s: got errors %+v, want class build naming the step", step, e)
		}
	}
	if msg := r.ByRequest["shop/raw"].Errors[0].Message; !strings.Contains(msg, "50% off") {
		t.Errorf("sample %q does not show the value 50%% off", msg)
	}
	esc := r.ByRequest["shop/escaped"]
	if got := pc.count("/echo/50% off"); esc == nil || esc.Successes != r.Iterations || got != int(r.Iterations) {
		t.Errorf("escaped step: got %+v, server saw /echo/50%% off %d times; want %d successes and as many on the server", esc, got, r.Iterations)
	}
	if pc.count("/h") != 0 {
		t.Errorf("the server saw /h %d times, want 0: a header with NUL is never sent", pc.count("/h"))
	}
}

// TestRawValueMakesAFailedRequest: a plain request whose raw value makes an invalid URL is a
// failed request of class build quoting the value; the escaped one is sent as the server reads it.
func TestRawValueMakesAFailedRequest(t *testing.T) {
	cs, pc := newPathServer(t, func(http.ResponseWriter, *http.Request) {})
	src := "order: sequential\nvariables: {v: '50% off'}\nrequests:\n  - {name: raw, path: '/e/{{ v | raw }}'}\n  - {name: escaped, path: '/e/{{ v }}'}\n"
	r := runRequestsYAML(t, src, cs.URL, Options{RatePerSec: 200, Duration: time.Second, MaxRequests: 10})
	raw, esc := r.ByRequest["raw"], r.ByRequest["escaped"]
	if raw == nil || raw.Requests != 5 || raw.Successes != 0 || len(raw.Errors) != 1 || raw.Errors[0].Class != ClassBuild {
		t.Fatalf("raw: got %+v, want 5 failed requests of class build", raw)
	}
	if msg := raw.Errors[0].Message; !strings.HasPrefix(msg, "request raw: cannot build the request: ") || !strings.Contains(msg, "/e/50% off") {
		t.Errorf("raw: sample %q, want it to name the request and quote the value", msg)
	}
	if esc == nil || esc.Successes != 5 || pc.count("/e/50% off") != 5 || cs.count.Load() != 5 {
		t.Errorf("escaped: got %+v, server saw /e/50%% off %d times of %d; want 5 successes, 5 and 5", esc, pc.count("/e/50% off"), cs.count.Load())
	}
}
