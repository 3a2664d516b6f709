package cli

import (
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"
)

// TestRunMaxResponseBody: --max-response-body replaces the scenario's cap; a value past the
// cap fails its extraction with a sample that names the cap, and bad values exit 2.
func TestRunMaxResponseBody(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/stats" {
			http.NotFound(w, r)
			return
		}
		_, _ = io.WriteString(w, `{"pad": "`+strings.Repeat("x", 64<<10)+`", "tail": "found"}`)
	}))
	t.Cleanup(srv.Close)
	sc := writeScenario(t, `name: big
rate: 10/s
duration: 1s
flows:
  - name: f
    steps:
      - {name: big, path: /big, extract: {tail: {json: $.tail}}}
`)
	for _, tt := range []struct {
		name   string
		args   []string
		failed bool
		code   int
	}{
		{"default cap", nil, false, ExitOK},
		{"a smaller cap", []string{"--max-response-body", "16KiB"}, true, ExitFailure}, // no request succeeded
	} {
		t.Run(tt.name, func(t *testing.T) {
			out := filepath.Join(t.TempDir(), "r.json")
			args := append([]string{"run", sc, "--target", srv.URL, "--seed", "1", "--out", out, "--no-thresholds"}, tt.args...)
			if code, _, errOut := runCLI(t, args...); code != tt.code {
				t.Fatalf("exit code %d, want %d; stderr %q", code, tt.code, errOut)
			}
			big := readResult(t, out).ByRequest["f/big"]
			if big == nil || big.Requests != 10 {
				t.Fatalf("got %+v, want 10 requests of f/big", big)
			}
			if !tt.failed {
				if big.Successes != 10 {
					t.Errorf("got %d successes (%+v), want 10", big.Successes, big.Errors)
				}
				return
			}
			if big.Successes != 0 || len(big.Errors) != 1 || !strings.Contains(big.Errors[0].Message, "longer than max_response_body (16KiB)") {
				t.Errorf("got %d successes, errors %+v; want 10 failures naming the 16KiB cap", big.Successes, big.Errors)
			}
		})
	}
	for _, bad := range []struct{ value, want string }{
		{"lots", `--max-response-body: "lots" is not a size, want bytes or a number with KiB, MiB or GiB`},
		{"2GiB", "--max-response-body: 2GiB is out of range, want 1KiB to 1GiB"},
	} {
		code, _, errOut := runCLI(t, "run", sc, "--target", srv.URL, "--max-response-body", bad.value)
		if code != ExitUsage || !strings.Contains(errOut, bad.want) {
			t.Errorf("--max-response-body %s: exit %d, stderr %q; want exit 2 and %q", bad.value, code, errOut, bad.want)
		}
	}
}
