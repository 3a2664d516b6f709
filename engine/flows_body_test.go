package engine

import (
	"io"
	"net/http"
	"os"
	"strconv"
	"strings"
	"testing"
	"testing/iotest"
	"time"

	"github.com/loadtestdev/loadtest/results"
)

func TestKeptBodyRead(t *testing.T) {
	body := strings.Repeat("abcdefgh", 1000) // 8000 bytes
	tests := []struct {
		name    string
		limit   int64
		size    int64 // Content-Length, -1 unknown
		wantLen int
		wantCut int64
	}{
		{"shorter than the cap, length known", 10000, 8000, 8000, 0},
		{"shorter than the cap, length unknown", 10000, -1, 8000, 0},
		{"exactly the cap", 8000, 8000, 8000, 0},
		{"exactly the cap, length unknown", 8000, -1, 8000, 0},
		{"one byte past the cap", 7999, 8000, 7999, 7999},
		{"past the cap, length unknown", 1024, -1, 1024, 1024},
		{"a length that understates", 10000, 100, 8000, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var k keptBody
			for round := 0; round < 2; round++ { // the buffer is reused
				r := iotest.HalfReader(strings.NewReader(body))
				if err := k.read(r, tt.limit, tt.size); err != nil {
					t.Fatal(err)
				}
				if len(k.buf) != tt.wantLen || k.cut != tt.wantCut || string(k.buf) != body[:tt.wantLen] {
					t.Fatalf("round %d: got %d bytes cut at %d, want %d bytes cut at %d", round, len(k.buf), k.cut, tt.wantLen, tt.wantCut)
				}
				if int64(cap(k.buf)) > max(tt.limit, tt.size)+1 && int64(cap(k.buf)) > minBodyRead {
					t.Errorf("round %d: buffer of %d bytes for a cap of %d", round, cap(k.buf), tt.limit)
				}
			}
		})
	}
}

// bigJSON is a JSON object of about n bytes whose "tail" comes last.
func bigJSON(n int) string {
	return `{"pad": "` + strings.Repeat("x", n) + `", "tail": "found"}`
}

// TestFlowBodyCap: a value past max_response_body fails its extraction with a message that
// names the cap; with a cap above the body's size it is found.
func TestFlowBodyCap(t *testing.T) {
	t.Parallel()
	cs, _ := newPathServer(t, func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.WriteString(w, bigJSON(64<<10))
	})
	flow := `
flows:
  - name: f
    steps:
      - {name: big, path: /big, extract: {tail: {json: $.tail}}}
      - {name: use, path: '/use/{{ tail }}'}
`
	r := runFlowYAML(t, "max_response_body: 16KiB"+flow, cs.URL, Options{RatePerSec: 50, Duration: 30 * time.Second, MaxRequests: 2, MaxSessions: 2})
	big := r.ByRequest["f/big"]
	if big == nil || big.Successes != 0 || len(big.Errors) != 1 || big.Errors[0].Class != results.ErrorClassCheck {
		t.Fatalf("got %+v, want 2 requests failed with class check", big)
	}
	want := "the response body is longer than max_response_body (16KiB): checks and extractions read only its first 16KiB; raise max_response_body in the scenario or --max-response-body"
	if msg := big.Errors[0].Message; !strings.Contains(msg, want) {
		t.Errorf("got sample %q, want it to contain %q", msg, want)
	}
	r = runFlowYAML(t, "max_response_body: 1MiB"+flow, cs.URL, Options{RatePerSec: 50, Duration: 30 * time.Second, MaxRequests: 2, MaxSessions: 2})
	if r.IterationsCompleted != 2 {
		t.Errorf("with a cap of 1MiB: got %d iterations completed, want 2 (%+v)", r.IterationsCompleted, r.ByRequest["f/big"])
	}
}

// TestFlowBodyMemory runs 100 sessions on 5 MiB bodies and prints the peak RSS (VmHWM): the
// figure the README quotes. It runs only with LOADTEST_BODY_RSS=1 (go test -run
// TestFlowBodyMemory -count=1 ./engine/ in a process of its own).
func TestFlowBodyMemory(t *testing.T) {
	if os.Getenv("LOADTEST_BODY_RSS") == "" {
		t.Skip("set LOADTEST_BODY_RSS=1 to measure the memory of 100 sessions on 5 MiB bodies")
	}
	body := bigJSON(5 << 20)
	cs, _ := newPathServer(t, func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Query().Get("chunked") == "" {
			w.Header().Set("Content-Length", strconv.Itoa(len(body)))
		}
		_, _ = io.WriteString(w, body)
	})
	path := "/big"
	if os.Getenv("LOADTEST_BODY_RSS") == "chunked" {
		path = "/big?chunked=1"
	}
	src := `max_response_body: 8MiB
flows:
  - name: f
    steps:
      - {name: a, path: '` + path + `', check: [{body_contains: '"tail": "found"'}]}
      - {name: b, path: '` + path + `', check: [{body_contains: '"tail": "found"'}]}
`
	r := runFlowYAML(t, src, cs.URL, Options{RatePerSec: 0, Duration: 60 * time.Second, MaxRequests: 400, MaxSessions: 100})
	if r.Checks.Fails != 0 || r.IterationsCompleted != 400 {
		t.Fatalf("got %d iterations, checks %+v", r.IterationsCompleted, r.Checks)
	}
	status, _ := os.ReadFile("/proc/self/status")
	for _, line := range strings.Split(string(status), "\n") {
		if strings.HasPrefix(line, "VmHWM") || strings.HasPrefix(line, "VmRSS") {
			t.Log(line)
		}
	}
}
