package cli

import (
	"fmt"
	"maps"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
)

// hostServer is a local server that counts the requests of each "METHOD /path" it serves
// with handle; /stats is not found (no server-side sampling).
type hostServer struct {
	*httptest.Server
	mu   sync.Mutex
	seen map[string]uint64
}

func newHostServer(t *testing.T, handle http.HandlerFunc) *hostServer {
	s := &hostServer{seen: map[string]uint64{}}
	s.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/stats" {
			http.NotFound(w, r)
			return
		}
		s.mu.Lock()
		s.seen[r.Method+" "+r.URL.Path]++
		s.mu.Unlock()
		handle(w, r)
	}))
	t.Cleanup(s.Close)
	return s
}

func (s *hostServer) count(key string) uint64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.seen[key]
}

// hostsJourney logs in on the auth host, then uses the token on the api host: by a URL the
// login answered with (a whole-path template) and by {{ hosts.api }}; both hosts serve
// /health, which the result keeps apart. The file names outside hosts that --host replaces.
const hostsJourney = `name: two hosts
rate: 20/s
duration: 1s
hosts:
  auth: https://auth.example.com
  api: https://api.example.com
flows:
  - name: f
    steps:
      - name: login
        method: POST
        path: '{{ hosts.auth }}/token'
        check: [{status: 200}]
        extract: {token: {json: $.token}, next: {json: $.next}}
      - name: me
        path: '{{ next }}'
        headers: {Authorization: 'Bearer {{ token }}'}
        check: [{status: 200}, {body_contains: 'user of {{ token }}'}]
      - name: me again
        path: '{{ hosts.api }}/me'
        headers: {Authorization: 'Bearer {{ token }}'}
        check: [{status: 200}]
      - {name: auth health, path: '{{ hosts.auth }}/health'}
      - {name: api health, path: '{{ hosts.api }}/health'}
`

// TestRunTwoHosts: a flow logs in on one local server and uses the token on a second one on
// another port, named under hosts: and placed by --host; each server counts its own paths.
func TestRunTwoHosts(t *testing.T) {
	var api *hostServer
	var mu sync.Mutex
	issued := 0
	auth := newHostServer(t, func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/token" {
			mu.Lock()
			issued++
			n := issued
			mu.Unlock()
			fmt.Fprintf(w, `{"token": "t-%d", "next": %q}`, n, api.URL+"/me")
		}
	})
	api = newHostServer(t, func(w http.ResponseWriter, r *http.Request) {
		tok, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer t-")
		if r.URL.Path == "/me" && !ok {
			http.Error(w, "no token", http.StatusUnauthorized)
			return
		}
		fmt.Fprintf(w, "user of t-%s", tok)
	})
	sc := writeScenario(t, hostsJourney)
	out := filepath.Join(t.TempDir(), "r.json")
	code, stdout, errOut := runCLI(t, "run", sc, "--target", api.URL, "--host", "auth="+auth.URL, "--host", "api="+api.URL+"/",
		"--seed", "1", "--out", out, "--quiet")
	if code != ExitOK {
		t.Fatalf("exit code %d, want 0; stdout %s\nstderr %s", code, stdout, errOut)
	}
	r := readResult(t, out)
	const n = 20
	for _, c := range []struct {
		srv  *hostServer
		key  string
		name string
	}{
		{auth, "POST /token", "f/login"},
		{auth, "GET /health", "f/auth health"},
		{api, "GET /health", "f/api health"},
	} {
		got := r.ByRequest[c.name]
		if got == nil || got.StatusCodes["200"] != n || c.srv.count(c.key) != n {
			t.Errorf("%s: the server counted %s %d times, the result %+v; want %d", c.name, c.key, c.srv.count(c.key), got, n)
		}
	}
	if auth.count("GET /me") != 0 || api.count("POST /token") != 0 {
		t.Errorf("requests went to the wrong host: auth saw GET /me %d times, api saw POST /token %d times", auth.count("GET /me"), api.count("POST /token"))
	}
	if me, again := r.ByRequest["f/me"], r.ByRequest["f/me again"]; me == nil || again == nil ||
		api.count("GET /me") != me.StatusCodes["200"]+again.StatusCodes["200"] || me.StatusCodes["200"] != n {
		t.Errorf("GET /me: the api server counted %d, the result %+v and %+v, want %d each", api.count("GET /me"), me, again, n)
	}
	if r.Checks == nil || r.Checks.Fails != 0 {
		t.Errorf("got checks %+v, want none failed", r.Checks)
	}
}

func TestRunHostFlagErrors(t *testing.T) {
	sc := writeScenario(t, hostsJourney)
	tests := []struct {
		name string
		args []string
		want string
	}{
		{"not NAME=URL", []string{"--host", "auth"}, `--host: "auth" is not NAME=URL`},
		{"bad URL", []string{"--host", "auth=ftp://127.0.0.1:1"}, "--host: auth:"},
		{"twice", []string{"--host", "auth=http://127.0.0.1:1", "--host", "auth=http://127.0.0.1:2"}, "--host: auth is given twice"},
		{"unknown name", []string{"--host", "auht=http://127.0.0.1:1"}, `--host auht: scenario ` + sc + ` names no host "auht", its hosts are api, auth`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			args := append([]string{"run", sc, "--target", "http://127.0.0.1:1", "--quiet"}, tt.args...)
			code, _, errOut := runCLI(t, args...)
			if code != ExitUsage || !strings.Contains(errOut, tt.want) {
				t.Errorf("exit %d, stderr %q; want exit 2 and %q", code, errOut, tt.want)
			}
		})
	}
}

// TestScenariosCheckRemoteHosts: scenarios check accepts absolute URLs and named hosts on any
// host, and sends nothing (the hosts do not resolve).
func TestScenariosCheckRemoteHosts(t *testing.T) {
	for _, src := range []string{
		"requests: [{path: 'https://api.example.com/x'}]\n",
		hostsJourney,
	} {
		sc := writeScenario(t, src)
		code, out, errOut := runCLI(t, "scenarios", "check", sc)
		if code != ExitOK || !strings.HasPrefix(out, "ok ") {
			t.Errorf("%q: exit %d, stdout %q, stderr %q; want ok", src, code, out, errOut)
		}
	}
}

// TestRunRedirectToNamedHost: a named host is one of the run's hosts, so a redirect to it is
// followed (a redirect to a host the run does not know is refused); the hop's name carries
// its host, apart from the target's path of the same name.
func TestRunRedirectToNamedHost(t *testing.T) {
	for _, tt := range []struct {
		name, hosts string
		hops        uint64
	}{
		{"named", "hosts: {sso: 'http://sso.example.com'}\n", 5},
		{"unknown", "", 0},
	} {
		t.Run(tt.name, func(t *testing.T) {
			other := newHostServer(t, func(w http.ResponseWriter, r *http.Request) {})
			home := newHostServer(t, func(w http.ResponseWriter, r *http.Request) {
				if r.URL.Path == "/go" {
					http.Redirect(w, r, other.URL+"/done", http.StatusFound)
				}
			})
			sc := writeScenario(t, "rate: 10/s\nduration: 1s\nfollow_redirects: 1\norder: sequential\n"+tt.hosts+"requests: [{name: go, path: /go}, {name: done, path: /done}]\n")
			out := filepath.Join(t.TempDir(), "r.json")
			args := []string{"run", sc, "--target", home.URL, "--seed", "1", "--quiet", "--no-thresholds", "--out", out}
			if tt.hosts != "" {
				args = append(args, "--host", "sso="+other.URL)
			}
			runCLI(t, args...)
			r := readResult(t, out)
			hopName := "GET " + other.URL + "/done"
			if got := other.count("GET /done"); got != tt.hops {
				t.Errorf("the other host served %d redirects, want %d", got, tt.hops)
			}
			if h := r.ByRequest[hopName]; tt.hops > 0 && (h == nil || h.StatusCodes["200"] != tt.hops) {
				t.Errorf("hop %q: got %+v, want %d × 200 (names %v)", hopName, h, tt.hops, slices.Collect(maps.Keys(r.ByRequest)))
			}
			if d := r.ByRequest["done"]; d == nil || d.StatusCodes["200"] != 5 || home.count("GET /done") != 5 {
				t.Errorf("done: got %+v, the target served %d, want 5", d, home.count("GET /done"))
			}
		})
	}
}

// TestRunWholePathElsewhere: a whole-path template that renders a URL on a host the run does
// not know is not sent: the step fails with class build, whose sample quotes the value; a
// path (/...) goes to the target.
func TestRunWholePathElsewhere(t *testing.T) {
	srv := newHostServer(t, func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/start" {
			w.Header().Set("Location", r.URL.Query().Get("to"))
			w.WriteHeader(http.StatusFound)
		}
	})
	sc := writeScenario(t, `rate: 10/s
duration: 1s
flows:
  - name: f
    steps:
      - {name: local, path: '/start?to=/next', extract: {a: {header: Location}}}
      - {name: follow local, path: '{{ a }}'}
      - {name: away, path: '/start?to=https://elsewhere.example.com/x', extract: {b: {header: Location}}}
      - {name: follow away, path: '{{ b }}'}
`)
	out := filepath.Join(t.TempDir(), "r.json")
	runCLI(t, "run", sc, "--target", srv.URL, "--seed", "1", "--quiet", "--no-thresholds", "--out", out)
	r := readResult(t, out)
	if got := r.ByRequest["f/follow local"]; got == nil || got.StatusCodes["200"] != 10 || srv.count("GET /next") != 10 {
		t.Errorf("follow local: got %+v, the server saw GET /next %d times; want 10", got, srv.count("GET /next"))
	}
	away := r.ByRequest["f/follow away"]
	if away == nil || len(away.Errors) != 1 {
		t.Fatalf("follow away: got %+v, want one error class", away)
	}
	e := away.Errors[0]
	if e.Class != "build" || e.Count != 10 || !strings.Contains(e.Message, `"https://elsewhere.example.com/x": not a path (/...) nor a URL on one of the run's hosts (`+srv.URL+")") {
		t.Errorf("follow away: got %+v, want 10 of class build quoting the value and the run's hosts", e)
	}
}

func TestProbeHostFlag(t *testing.T) {
	code, _, errOut := runCLI(t, "probe", writeScenario(t, hostsJourney), "--target", "http://127.0.0.1:1", "--host", "auht=http://127.0.0.1:1")
	if code != ExitUsage || !strings.Contains(errOut, `--host auht: scenario`) {
		t.Errorf("exit %d, stderr %q; want exit 2 naming --host", code, errOut)
	}
}
