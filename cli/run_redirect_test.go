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

// TestRunStepThatCannotBeBuilt: a value the server gave ("50% off") goes out escaped; put raw
// it makes a step that cannot be built, which is a failed request of class build in the result
// and in the summary, and the run goes on (it used to end with exit 1 and a result that said
// every request succeeded).
func TestRunStepThatCannotBeBuilt(t *testing.T) {
	var mu sync.Mutex
	seen := map[string]uint64{}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		seen[r.URL.Path]++
		mu.Unlock()
		if r.URL.Path == "/promo" {
			_, _ = w.Write([]byte(`{"promo":"50% off"}`))
		}
	}))
	t.Cleanup(srv.Close)
	sc := writeScenario(t, `name: promo
rate: 10/s
duration: 1s
flows:
  - name: shop
    on_failure: continue
    steps:
      - {name: promo, path: /promo, extract: {promo: {json: $.promo}}}
      - {name: escaped, path: "/echo/{{ promo }}"}
      - {name: raw, path: "/echo/{{ promo | raw }}"}
`)
	out := filepath.Join(t.TempDir(), "r.json")
	code, stdout, errOut := runCLI(t, "run", sc, "--target", srv.URL, "--seed", "1", "--out", out)
	if code == ExitFailure || code == ExitUsage {
		t.Fatalf("exit code %d; stderr %q", code, errOut)
	}
	r := readResult(t, out)
	raw, esc := r.ByRequest["shop/raw"], r.ByRequest["shop/escaped"]
	if raw == nil || raw.Requests != r.Iterations || raw.Successes != 0 || len(raw.Errors) != 1 || raw.Errors[0].Class != "build" {
		t.Fatalf("shop/raw: got %+v, want %d failed requests of class build", raw, r.Iterations)
	}
	mu.Lock()
	defer mu.Unlock()
	if esc == nil || esc.Successes != r.Iterations || seen["/echo/50% off"] != r.Iterations {
		t.Errorf("shop/escaped: got %+v, server saw it %d times; want %d successes and as many", esc, seen["/echo/50% off"], r.Iterations)
	}
	if msg := raw.Errors[0].Message; !strings.Contains(msg, "step shop/raw") || !strings.Contains(msg, "/echo/50% off") {
		t.Errorf("sample %q, want it to name the step and quote the value", msg)
	}
	if r.SuccessRatio >= 1 || !strings.Contains(stdout, "step shop/raw: cannot build the request") {
		t.Errorf("success ratio %v; summary:\n%s\nwant a ratio below 1 and the build error", r.SuccessRatio, stdout)
	}
}
