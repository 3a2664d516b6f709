package cli

import (
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/loadtestdev/loadtest/internal/golden"
)

// debugServer answers the debug scenarios with fixed responses (no Date header): POST /login
// sets a session cookie and returns a token, GET /me wants both, GET /big returns 3000 bytes.
func debugServer(t *testing.T) *httptest.Server {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header()["Date"] = nil
		switch r.URL.Path {
		case "/login":
			body, _ := io.ReadAll(r.Body)
			if !strings.Contains(string(body), `"user":"ann"`) {
				http.Error(w, "bad login", http.StatusBadRequest)
				return
			}
			http.SetCookie(w, &http.Cookie{Name: "sid", Value: "c00kie-v4lue", Path: "/", HttpOnly: true})
			w.Header().Set("Content-Type", "application/json")
			_, _ = io.WriteString(w, `{"token":"tok-3x7","uid":7}`)
		case "/me":
			c, err := r.Cookie("sid")
			if r.Header.Get("Authorization") != "Bearer tok-3x7" || err != nil || c.Value != "c00kie-v4lue" {
				http.Error(w, "who are you", http.StatusUnauthorized)
				return
			}
			w.Header().Set("Content-Type", "application/json")
			_, _ = io.WriteString(w, `{"uid":7,"name":"ann"}`)
		case "/big":
			_, _ = io.WriteString(w, strings.Repeat("0123456789", 300))
		default:
			http.NotFound(w, r)
		}
	}))
	t.Cleanup(srv.Close)
	return srv
}

// debugFlow logs in and reads /me; meCheck is the check of /me's name.
func debugFlow(target, meCheck string) string {
	return fmt.Sprintf(`name: debug-flow
target: %s
flows:
  - name: account
    steps:
      - name: login
        method: POST
        path: /login
        body: '{"user":"ann"}'
        extract:
          token: {json: $.token}
          sid: {cookie: sid}
      - name: me
        path: /me
        headers: {Authorization: "Bearer {{ token }}"}
        check:
          - status: 200
          - json: $.name
            equals: %s
      - name: after
        path: /big
`, target, meCheck)
}

// normalizeDebug replaces what changes from run to run in a trace: the server's address, the
// durations and the version in the User-Agent.
func normalizeDebug(s, addr string) string {
	s = strings.ReplaceAll(s, addr, "127.0.0.1:PORT")
	s = regexp.MustCompile(`\((\d+(\.\d+)?(ns|µs|ms|s))+\)`).ReplaceAllString(s, "(TIME)")
	s = regexp.MustCompile(`error after \S+:`).ReplaceAllString(s, "error after TIME:")
	return regexp.MustCompile(`loadtest/\S+`).ReplaceAllString(s, "loadtest/VERSION")
}

// TestRunDebugGolden runs one traced iteration of a flow (a request scenario: N requests) and
// compares stderr with the golden files: every request and response with headers and the
// first KiB of bodies, the checks, the extracted values and the verdict, secrets redacted
// unless --debug=full; the exit code is the iteration's verdict.
func TestRunDebugGolden(t *testing.T) {
	t.Parallel()
	srv := debugServer(t)
	addr := strings.TrimPrefix(srv.URL, "http://")
	requests := fmt.Sprintf(`name: debug-requests
target: %s
requests:
  - name: me
    weight: 9
    path: /me
    headers: {Authorization: "Basic YW5uOnB3", Cookie: "sid=c00kie-v4lue; theme=dark"}
  - name: big
    path: /big
`, srv.URL)
	tests := []struct {
		name, scenario string
		args           []string
		code           int
		secretsShown   bool
	}{
		{"flow", debugFlow(srv.URL, "ann"), []string{"--debug"}, ExitOK, false},
		{"flow_full", debugFlow(srv.URL, "ann"), []string{"--debug=full"}, ExitOK, true},
		{"flow_failed_check", debugFlow(srv.URL, "bob"), []string{"--debug"}, ExitThresholds, false},
		{"requests", requests, []string{"--debug", "--debug-requests", "3"}, ExitThresholds, false},
		{"requests_one_each", requests, []string{"--debug"}, ExitThresholds, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out := filepath.Join(t.TempDir(), "r.json")
			args := append([]string{"run", writeScenario(t, tt.scenario), "--seed", "1", "--out", out}, tt.args...)
			code, stdout, stderr := runCLI(t, args...)
			if code != tt.code {
				t.Fatalf("got exit code %d, want %d; stderr %s", code, tt.code, stderr)
			}
			if strings.Contains(stdout, "--> ") {
				t.Errorf("got the trace on stdout, want it on stderr only:\n%s", stdout)
			}
			if shown := strings.Contains(stderr, "c00kie-v4lue"); shown != tt.secretsShown {
				t.Errorf("got the cookie's value shown %v, want %v:\n%s", shown, tt.secretsShown, stderr)
			}
			if r := readResult(t, out); r.Requests == 0 {
				t.Errorf("got a result file of no request, want the traced run's")
			}
			golden.Assert(t, filepath.Join("testdata", "debug_"+tt.name+".txt"), []byte(normalizeDebug(stderr, addr)))
		})
	}
}

// TestRunDebugBadInput: flags a debug run cannot honour are bad input (exit 2) naming the flag.
func TestRunDebugBadInput(t *testing.T) {
	t.Parallel()
	flow := writeScenario(t, debugFlow("http://127.0.0.1:1", "ann"))
	tests := []struct {
		name string
		args []string
		want string
	}{
		{"mode", []string{"run", "echo", "--debug=verbose"}, "--debug"},
		{"rate", []string{"run", "echo", "--debug", "--rate", "10/s"}, "--rate"},
		{"requests without debug", []string{"run", "echo", "--debug-requests", "2"}, "--debug-requests"},
		{"requests negative", []string{"run", "echo", "--debug", "--debug-requests", "-1"}, "--debug-requests"},
		{"requests of a flow", []string{"run", flow, "--debug", "--debug-requests", "2"}, "--debug-requests"},
		{"cluster", []string{"run", "echo", "--debug", "--shard", "0/2", "--seed", "1"}, "--shard"},
		{"threshold", []string{"run", "echo", "--debug", "--threshold", "p99<1s"}, "--threshold"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, _, stderr := runCLI(t, tt.args...)
			if code != ExitUsage || !strings.Contains(stderr, tt.want) {
				t.Errorf("got exit code %d, stderr %q; want %d naming %s", code, stderr, ExitUsage, tt.want)
			}
		})
	}
}

// TestRunDebugDeadTarget: a step that gets no response fails the iteration (exit 99), and the
// trace says why.
func TestRunDebugDeadTarget(t *testing.T) {
	t.Parallel()
	srv := httptest.NewServer(http.NotFoundHandler())
	dead := srv.URL
	srv.Close() // nothing listens there any more
	code, _, stderr := runCLI(t, "run", writeScenario(t, debugFlow(dead, "ann")), "--debug", "--timeout", "5s")
	if code != ExitThresholds {
		t.Fatalf("got exit code %d, want %d; stderr %s", code, ExitThresholds, stderr)
	}
	for _, want := range []string{"<-- error after", "=== step account/login: FAILED (", "debug: FAILED: 1 request(s), 1 failed"} {
		if !strings.Contains(stderr, want) {
			t.Errorf("got stderr %s, want it to say %q", stderr, want)
		}
	}
}
