package cli

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"

	"github.com/loadtestdev/loadtest/results"
	"github.com/loadtestdev/loadtest/scenarios/har"
)

// harFixtures are every HAR file the tests keep: each one's import must run.
func harFixtures(t *testing.T) []string {
	t.Helper()
	var all []string
	for _, pattern := range []string{"../scenarios/har/testdata/*.har", "testdata/*.har"} {
		m, err := filepath.Glob(pattern)
		if err != nil {
			t.Fatal(err)
		}
		all = append(all, m...)
	}
	if len(all) < 3 {
		t.Fatalf("found HAR fixtures %v, want at least swiper-app, redirect-login and secrets", all)
	}
	return all
}

// TestEveryHARImportRuns imports every HAR fixture, checks the scenario with `scenarios
// check`, and runs it against a local server that replays the recording (statuses, headers,
// bodies; redirects to the recorded origin lead to the replay server): the run passes with no
// error of any class, and the requests per path the server got are those the recording holds,
// once per iteration, and the result's count.
func TestEveryHARImportRuns(t *testing.T) {
	t.Parallel()
	for _, fixture := range harFixtures(t) {
		t.Run(filepath.Base(fixture), func(t *testing.T) {
			t.Parallel()
			data, err := os.ReadFile(fixture)
			if err != nil {
				t.Fatal(err)
			}
			im, err := har.Read(fixture, strings.NewReader(string(data)), har.Options{NoThink: true})
			if err != nil {
				t.Fatal(err)
			}
			scenario := filepath.Join(t.TempDir(), "journey.yaml")
			code, _, stderr := runCLI(t, "scenarios", "import", fixture, "-o", scenario, "--no-think")
			if code != 0 {
				t.Fatalf("import: exit %d: %s", code, stderr)
			}
			if im.Followed > 0 && !strings.Contains(stderr, fmt.Sprintf("redirects: %d recorded request(s) to a Location are followed", im.Followed)) {
				t.Errorf("stderr does not say the %d redirects followed:\n%s", im.Followed, stderr)
			}
			if code, out, stderr := runCLI(t, "scenarios", "check", scenario); code != 0 {
				t.Fatalf("scenarios check of the import: exit %d:\n%s%s", code, out, stderr)
			}
			// The replay server answers a request by its rank among the recording's of the
			// same method and path (a login page with its cookie, then the one after the
			// logout): that holds for one journey at a time. Iterations that overlap (a slow
			// machine, 2/s) would take each other's answers, so the run has one session.
			yaml, err := os.ReadFile(scenario)
			if err != nil {
				t.Fatal(err)
			}
			one := regexp.MustCompile(`(?m)^max_sessions: \d+$`).ReplaceAll(yaml, []byte("max_sessions: 1"))
			if !bytes.Contains(one, []byte("\nmax_sessions: 1\n")) {
				t.Fatalf("the import sets no max_sessions to make 1:\n%s", yaml)
			}
			if err := os.WriteFile(scenario, one, 0o644); err != nil {
				t.Fatal(err)
			}
			srv := newReplayServer(t, data)
			out := filepath.Join(t.TempDir(), "result.json")
			code, _, stderr = runCLI(t, "run", scenario, "--target", srv.URL, "--rate", "2/s", "--duration", "2s",
				"--quiet", "--server-stats=false", "--out", out)
			r, err := results.ReadFile(out)
			if err != nil {
				t.Fatalf("run: exit %d: %s: %v", code, stderr, err)
			}
			if code != 0 || r.IterationsCompleted == 0 || r.IterationsFailed != 0 || len(r.Errors) != 0 || r.Checks == nil || r.Checks.Fails != 0 {
				t.Fatalf("run: exit %d, %d iterations completed, %d failed, checks %+v, errors %+v; want all passing\n%s",
					code, r.IterationsCompleted, r.IterationsFailed, r.Checks, r.Errors, stderr)
			}
			assertReplayCounts(t, srv, r, im.Sent)
		})
	}
}

// assertReplayCounts: the server got each recorded request once per completed iteration, and
// the result counts as many requests as the server got.
func assertReplayCounts(t *testing.T, srv *replayServer, r *results.Result, sent []string) {
	t.Helper()
	want := map[string]uint64{}
	for _, s := range sent {
		want[s] += r.IterationsCompleted
	}
	got, total := srv.counts()
	for k, n := range want {
		if got[k] != n {
			t.Errorf("server got %d × %s, want %d (%d iterations)", got[k], k, n, r.IterationsCompleted)
		}
	}
	for k, n := range got {
		if _, ok := want[k]; !ok {
			t.Errorf("server got %d × %s, a request the recording does not hold", n, k)
		}
	}
	var inResult uint64
	for _, s := range r.ByRequest {
		inResult += s.Requests
	}
	if r.Requests != total || inResult != total {
		t.Errorf("result counts %d requests (%d by request), the server got %d", r.Requests, inResult, total)
	}
}

// replayServer answers each recorded "METHOD /path" with the recorded responses to it, in
// recorded order and then again from the first.
type replayServer struct {
	*httptest.Server
	mu      sync.Mutex
	answers map[string][]replayAnswer
	served  map[string]uint64
}

type replayAnswer struct {
	status int
	header http.Header
	body   []byte
}

type replayHAR struct {
	Log struct {
		Entries []struct {
			Request struct {
				Method, URL string
			}
			Response struct {
				Status  int
				Headers []struct{ Name, Value string }
				Content struct{ Text, Encoding string }
			}
		}
	}
}

func newReplayServer(t *testing.T, data []byte) *replayServer {
	t.Helper()
	var f replayHAR
	if err := json.Unmarshal(data, &f); err != nil {
		t.Fatal(err)
	}
	s := &replayServer{answers: map[string][]replayAnswer{}, served: map[string]uint64{}}
	s.Server = httptest.NewServer(http.HandlerFunc(s.serve))
	t.Cleanup(s.Close)
	for _, e := range f.Log.Entries {
		u, err := url.Parse(e.Request.URL)
		if err != nil {
			t.Fatal(err)
		}
		a := replayAnswer{status: e.Response.Status, header: http.Header{}, body: []byte(e.Response.Content.Text)}
		if e.Response.Content.Encoding == "base64" {
			a.body, _ = base64.StdEncoding.DecodeString(e.Response.Content.Text)
		}
		for _, h := range e.Response.Headers {
			switch strings.ToLower(h.Name) {
			case "content-length", "content-encoding", "transfer-encoding", "connection", "keep-alive":
			case "location":
				a.header.Add(h.Name, strings.Replace(h.Value, u.Scheme+"://"+u.Host, s.URL, 1))
			default:
				a.header.Add(h.Name, h.Value)
			}
		}
		key := e.Request.Method + " " + u.EscapedPath()
		s.answers[key] = append(s.answers[key], a)
	}
	return s
}

func (s *replayServer) serve(w http.ResponseWriter, r *http.Request) {
	key := r.Method + " " + r.URL.EscapedPath()
	s.mu.Lock()
	answers := s.answers[key]
	n := s.served[key]
	s.served[key]++
	s.mu.Unlock()
	if len(answers) == 0 {
		http.Error(w, "not in the recording: "+key, http.StatusNotFound)
		return
	}
	a := answers[n%uint64(len(answers))]
	for k, v := range a.header {
		w.Header()[k] = v
	}
	w.WriteHeader(a.status)
	_, _ = w.Write(a.body)
}

// counts are the requests served by "METHOD /path", and their total.
func (s *replayServer) counts() (map[string]uint64, uint64) {
	s.mu.Lock()
	defer s.mu.Unlock()
	out, total := map[string]uint64{}, uint64(0)
	for k, n := range s.served {
		out[k] = n
		total += n
	}
	return out, total
}
