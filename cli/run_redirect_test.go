package cli

import (
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"sync"
	"testing"
)

// TestRunFollowRedirects: without --follow-redirects a run counts only POST /a's 301; with it,
// the hop too; both as the server counted them per path.
func TestRunFollowRedirects(t *testing.T) {
	var mu sync.Mutex
	seen := map[string]uint64{}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/stats" {
			http.NotFound(w, r)
			return
		}
		mu.Lock()
		seen[r.Method+" "+r.URL.Path]++
		mu.Unlock()
		if r.Method == "POST" && r.URL.Path == "/a" {
			http.Redirect(w, r, "/a/", http.StatusMovedPermanently)
		}
	}))
	t.Cleanup(srv.Close)
	sc := writeScenario(t, "name: login\nrate: 20/s\nduration: 1s\nrequests: [{name: login, method: POST, path: /a}]\n")
	for _, tt := range []struct {
		name string
		args []string
		hops uint64
	}{
		{"default", nil, 0},
		{"follow", []string{"--follow-redirects", "3"}, 20},
	} {
		t.Run(tt.name, func(t *testing.T) {
			mu.Lock()
			clear(seen)
			mu.Unlock()
			out := filepath.Join(t.TempDir(), "r.json")
			args := append([]string{"run", sc, "--target", srv.URL, "--seed", "1", "--out", out}, tt.args...)
			if code, _, errOut := runCLI(t, args...); code != ExitOK {
				t.Fatalf("exit code %d, want 0; stderr %q", code, errOut)
			}
			r := readResult(t, out)
			mu.Lock()
			defer mu.Unlock()
			if got := r.ByRequest["login"]; got == nil || got.StatusCodes["301"] != 20 || seen["POST /a"] != 20 {
				t.Errorf("login: got %+v, server saw POST /a %d times; want 20 × 301 each", got, seen["POST /a"])
			}
			var hops uint64
			if h := r.ByRequest["GET /a/ (was POST)"]; h != nil {
				hops = h.StatusCodes["200"]
			}
			if hops != tt.hops || seen["GET /a/"] != tt.hops {
				t.Errorf("hops: counted %d, server saw %d, want %d", hops, seen["GET /a/"], tt.hops)
			}
		})
	}
}

func TestRunFollowRedirectsBadFlag(t *testing.T) {
	code, _, errOut := runCLI(t, "run", "echo", "--follow-redirects", "31")
	if code != ExitUsage || !strings.Contains(errOut, "--follow-redirects: 31 is not allowed, want 0") {
		t.Errorf("exit %d, stderr %q; want exit 2 naming --follow-redirects and what is allowed", code, errOut)
	}
}
