package reports

import (
	"bytes"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/loadtestdev/loadtest/engine"
	"github.com/loadtestdev/loadtest/results"
	"github.com/loadtestdev/loadtest/scenarios"
)

func TestDebugTraceRedactsSecretHeaders(t *testing.T) {
	tests := []struct {
		name, header, value, want string
	}{
		{"bearer", "Authorization", "Bearer abc.def", "Bearer [redacted]"},
		{"bare token", "Authorization", "abc", "[redacted]"},
		{"proxy basic", "Proxy-Authorization", "Basic dTpw", "Basic [redacted]"},
		{"cookies", "Cookie", "sid=abc; theme=dark", "sid=[redacted]; theme=[redacted]"},
		{"set-cookie", "Set-Cookie", "sid=abc; Path=/; HttpOnly", "sid=[redacted]; Path=/; HttpOnly"},
		{"set-cookie bare", "Set-Cookie", "sid=abc", "sid=[redacted]"},
		{"not a secret", "X-Request-Id", "abc", "abc"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for _, full := range []bool{false, true} {
				var buf bytes.Buffer
				DebugTrace(&buf, full).Request(engine.TraceRequest{Method: "GET", URL: "http://h/", Header: http.Header{tt.header: {tt.value}}})
				want := tt.want
				if full {
					want = tt.value
				}
				if line := "    " + tt.header + ": " + want + "\n"; !strings.Contains(buf.String(), line) {
					t.Errorf("full %v: got %q, want the line %q", full, buf.String(), line)
				}
			}
		})
	}
}

func TestDebugTraceBodiesAndErrors(t *testing.T) {
	tests := []struct {
		name string
		resp engine.TraceResponse
		want string
	}{
		{"error", engine.TraceResponse{Err: errors.New("dial tcp: connection refused"), Duration: 3 * time.Millisecond},
			"<-- error after 3ms: dial tcp: connection refused\n\n"},
		{"binary", engine.TraceResponse{Status: "200 OK", Proto: "HTTP/1.1", Body: []byte{0xff, 0xfe, 0}, BodyBytes: 3},
			"<-- HTTP/1.1 200 OK (0s)\n\n    (binary body, 3 bytes)\n\n"},
		{"cut rune", engine.TraceResponse{Status: "200 OK", Proto: "HTTP/1.1", Body: []byte("é\xc3"), BodyBytes: 4000},
			"<-- HTTP/1.1 200 OK (0s)\n\n    é\n    ... (4000 bytes, the first 3 shown)\n\n"},
		{"empty", engine.TraceResponse{Status: "204 No Content", Proto: "HTTP/1.1"},
			"<-- HTTP/1.1 204 No Content (0s)\n\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var buf bytes.Buffer
			DebugTrace(&buf, false).Response(tt.resp)
			if buf.String() != tt.want {
				t.Errorf("got %q, want %q", buf.String(), tt.want)
			}
		})
	}
}

func TestDebugVerdict(t *testing.T) {
	tests := []struct {
		name string
		r    results.Result
		pass bool
	}{
		{"all passed", results.Result{Requests: 3, Successes: 3}, true},
		{"one failed", results.Result{Requests: 3, Successes: 2}, false},
		{"nothing sent", results.Result{}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var buf bytes.Buffer
			pass, err := DebugVerdict(&buf, &tt.r)
			if err != nil || pass != tt.pass {
				t.Errorf("got %v (%v), want %v; printed %q", pass, err, tt.pass, buf.String())
			}
		})
	}
}

func TestDebugTraceRedactsSecretExtractions(t *testing.T) {
	step := engine.TraceStep{Name: "f/login", OK: true, Extracted: []scenarios.ExtractedValue{
		{Name: "sid", Value: "c00kie", Source: scenarios.FromCookie, Expr: "sid"},
		{Name: "auth", Value: "Bearer t0k", Source: scenarios.FromHeader, Expr: "authorization"},
		{Name: "loc", Value: "/next", Source: scenarios.FromHeader, Expr: "Location"},
	}}
	tests := []struct {
		full bool
		want string
	}{
		{false, "=== step f/login: passed\n    sid = [redacted] (from cookie sid)\n    auth = [redacted] (from header authorization)\n    loc = \"/next\"\n\n"},
		{true, "=== step f/login: passed\n    sid = \"c00kie\"\n    auth = \"Bearer t0k\"\n    loc = \"/next\"\n\n"},
	}
	for _, tt := range tests {
		var buf bytes.Buffer
		DebugTrace(&buf, tt.full).Step(step)
		if buf.String() != tt.want {
			t.Errorf("full %v: got %q, want %q", tt.full, buf.String(), tt.want)
		}
	}
}

func TestDebugTraceSkipsAndPolls(t *testing.T) {
	for _, tt := range []struct {
		step engine.TraceStep
		want string
	}{
		{engine.TraceStep{Name: "f/like", Skipped: true, OK: true}, "=== step f/like: skipped (when), not sent\n\n"},
		{engine.TraceStep{Name: "f/wait", OK: true, Note: "poll attempt 1: until does not hold yet, next attempt in 50ms"},
			"=== step f/wait: passed (poll attempt 1: until does not hold yet, next attempt in 50ms)\n\n"},
		{engine.TraceStep{Name: "f/wait", Class: "timeout", Message: "GET /t/1: poll until \"done\" still false after 3 attempt(s) in 1s (timeout 1s)"},
			"=== step f/wait: FAILED (timeout): GET /t/1: poll until \"done\" still false after 3 attempt(s) in 1s (timeout 1s)\n\n"},
	} {
		var buf bytes.Buffer
		DebugTrace(&buf, false).Step(tt.step)
		if buf.String() != tt.want {
			t.Errorf("got %q, want %q", buf.String(), tt.want)
		}
	}
}
