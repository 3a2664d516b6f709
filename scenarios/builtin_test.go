package scenarios

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/loadtestdev/loadtest/server/auth"
	vegeta "github.com/tsenart/vegeta/v12/lib"
)

func TestBuiltins(t *testing.T) {
	if got, want := Builtins(), []string{"cache", "db", "echo", "swiper", "swiper-async", "swiper-flow"}; !reflect.DeepEqual(got, want) {
		t.Errorf("got built-ins %v, want %v", got, want)
	}
	for _, name := range Builtins() {
		t.Run(name, func(t *testing.T) {
			sc, err := Load(name)
			if err != nil {
				t.Fatal(err)
			}
			if sc.Name != name || sc.Source != "builtin:"+name || sc.Description == "" {
				t.Errorf("got name %q source %q description %q, want %s, builtin:%s and a description", sc.Name, sc.Source, sc.Description, name, name)
			}
			if sc.Rate.PerSecond() <= 0 || sc.Duration != 10*time.Second || len(sc.Thresholds) == 0 {
				t.Errorf("got rate %v duration %v thresholds %v, want a steady rate for 10s with example thresholds", sc.Rate, sc.Duration, sc.Thresholds)
			}
			if len(sc.Flows) > 0 {
				checkFlowURLs(t, sc)
				return
			}
			p, err := sc.Plan(PlanOptions{Target: testTarget, Secret: testSecret, Seed: 1})
			if err != nil {
				t.Fatal(err)
			}
			for range 1000 {
				if _, tgt := next(t, p); !strings.HasPrefix(tgt.URL, testTarget+"/") {
					t.Fatalf("got URL %q, want one on the target", tgt.URL)
				}
			}
		})
	}
	if sc, _ := Load("echo"); sc.Rate != (Rate{1000, time.Second}) || sc.Requests[0].Path != "/echo" {
		t.Errorf("echo: got %v %s, want 1000/s GET /echo (the README's first command)", sc.Rate, sc.Requests[0].Path)
	}
}

func TestLoad(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "mine.yaml")
	if err := os.WriteFile(path, []byte("rate: 5/s\nrequests: [{path: /echo}]\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	sc, err := Load(path)
	if err != nil || sc.Name != "mine" || sc.Source != path {
		t.Fatalf("got %+v, %v; want scenario mine from %s", sc, err, path)
	}
	tests := []struct {
		name, want string
		unknown    bool
	}{
		{"nosuch", `scenario nosuch: unknown scenario "nosuch": not a built-in (cache, db, echo, swiper, swiper-async, swiper-flow) and no such file`, true},
		{filepath.Join(dir, "missing.yaml"), "scenario " + filepath.Join(dir, "missing.yaml") + ": no such file", false},
	}
	for _, tt := range tests {
		_, err := Load(tt.name)
		var se *Error
		if err == nil || !strings.HasPrefix(err.Error(), tt.want) || !errors.As(err, &se) {
			t.Errorf("Load(%q): got %v, want *Error %q", tt.name, err, tt.want)
		}
		if errors.Is(err, ErrUnknown) != tt.unknown {
			t.Errorf("Load(%q): errors.Is(ErrUnknown) = %v, want %v", tt.name, !tt.unknown, tt.unknown)
		}
	}
	if _, err := BuiltinYAML("../parse"); !errors.Is(err, ErrUnknown) {
		t.Errorf("BuiltinYAML(../parse): got %v, want ErrUnknown", err)
	}
}

// swiperContract is a stand-in for the reference server that checks what the built-ins send
// against the server's contract: routes, methods, tokens, seeded uids and valid bodies.
type swiperContract struct {
	mu     sync.Mutex
	counts map[string]int
}

func (s *swiperContract) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	route, err := s.check(r)
	s.mu.Lock()
	s.counts[route]++
	s.mu.Unlock()
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	io.WriteString(w, "ok")
}

func seededUID(s string) (int64, error) {
	uid, err := strconv.ParseInt(s, 10, 64)
	if err != nil || uid < 1 || uid > 10000 {
		return 0, fmt.Errorf("uid %q is not a seeded user 1..10000", s)
	}
	return uid, nil
}

func (s *swiperContract) check(r *http.Request) (string, error) {
	route := r.Method + " " + r.URL.Path
	if rest, ok := strings.CutPrefix(r.URL.Path, "/cache/users/"); ok && r.Method == "GET" {
		_, err := seededUID(rest)
		return "GET /cache/users/{uid}", err
	}
	if rest, ok := strings.CutPrefix(r.URL.Path, "/db/users/"); ok && r.Method == "GET" {
		_, err := seededUID(rest)
		return "GET /db/users/{uid}", err
	}
	if route == "GET /echo" {
		return route, nil
	}
	tok, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
	if !ok {
		return route, errors.New("no bearer token")
	}
	uid, err := auth.Verify(testSecret, tok, time.Now())
	if err != nil {
		return route, err
	}
	if _, err := seededUID(strconv.FormatInt(uid, 10)); err != nil {
		return route, err
	}
	switch route {
	case "GET /api/user/profile", "GET /api/social/rcmd", "GET /api/social/rank", "GET /api/social/friends":
		return route, nil
	case "POST /api/social/like", "POST /api/social/dislike", "POST /api/social/superlike":
		var body struct {
			SID *int64 `json:"sid"`
		}
		if err := decodeStrict(r, &body); err != nil || body.SID == nil {
			return route, fmt.Errorf("swipe body: %v", err)
		}
		if _, err := seededUID(strconv.FormatInt(*body.SID, 10)); err != nil || *body.SID == uid {
			return route, fmt.Errorf("sid %d: not another seeded user (uid %d)", *body.SID, uid)
		}
		return route, nil
	case "PUT /api/user/profile":
		return route, checkProfile(r)
	}
	return route, errors.New("no such route")
}

func decodeStrict(r *http.Request, v any) error {
	if ct := r.Header.Get("Content-Type"); ct != "application/json" {
		return fmt.Errorf("content type %q", ct)
	}
	dec := json.NewDecoder(r.Body)
	dec.DisallowUnknownFields()
	return dec.Decode(v)
}

func checkProfile(r *http.Request) error {
	var p struct {
		Name          *string `json:"name"`
		Gender        *string `json:"gender"`
		Age           *int    `json:"age"`
		Bio           *string `json:"bio"`
		PrefGender    *string `json:"pref_gender"`
		MinAge        *int    `json:"min_age"`
		MaxAge        *int    `json:"max_age"`
		MaxDistanceKM *int    `json:"max_distance_km"`
	}
	if err := decodeStrict(r, &p); err != nil {
		return err
	}
	if p.Name == nil || p.Gender == nil || p.Age == nil || p.Bio == nil || p.PrefGender == nil ||
		p.MinAge == nil || p.MaxAge == nil || p.MaxDistanceKM == nil {
		return fmt.Errorf("want all 8 editable fields, got %+v", p)
	}
	genders := map[string]bool{"female": true, "male": true, "nonbinary": true}
	switch {
	case *p.Name == "" || strings.ContainsAny(*p.Name, "\"<>{}"):
		return fmt.Errorf("name %q", *p.Name)
	case !genders[*p.Gender]:
		return fmt.Errorf("gender %q", *p.Gender)
	case !genders[*p.PrefGender] && *p.PrefGender != "any":
		return fmt.Errorf("pref_gender %q", *p.PrefGender)
	case *p.Age < 18 || *p.Age > 100 || *p.MinAge < 18 || *p.MaxAge > 100 || *p.MinAge > *p.MaxAge:
		return fmt.Errorf("ages %d %d..%d", *p.Age, *p.MinAge, *p.MaxAge)
	case *p.MaxDistanceKM < 1 || *p.MaxDistanceKM > 100:
		return fmt.Errorf("max_distance_km %d", *p.MaxDistanceKM)
	}
	return nil
}

// TestBuiltinsKeepTheServerContract sends every built-in's hits to a server that checks the
// reference server's contract, and expects every one to be accepted.
func TestBuiltinsKeepTheServerContract(t *testing.T) {
	contract := &swiperContract{counts: map[string]int{}}
	srv := httptest.NewServer(contract)
	defer srv.Close()
	client := srv.Client()
	for _, name := range Builtins() {
		sc, err := Load(name)
		if err != nil {
			t.Fatal(err)
		}
		if len(sc.Flows) > 0 {
			continue // a flow needs the server's answers: engine's TestSwiperFlowAgainstTheReferenceServer
		}
		p, err := sc.Plan(PlanOptions{Target: srv.URL, Secret: testSecret, Seed: 3})
		if err != nil {
			t.Fatal(err)
		}
		for range 400 {
			var tgt vegeta.Target
			if _, err := p.Next(&tgt); err != nil {
				t.Fatal(err)
			}
			req, err := tgt.Request()
			if err != nil {
				t.Fatal(err)
			}
			resp, err := client.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			body, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode != http.StatusOK {
				t.Fatalf("%s: %s %s: got %d %s, want 200", name, tgt.Method, tgt.URL, resp.StatusCode, body)
			}
		}
	}
	c := contract.counts
	if c["GET /api/user/profile"] <= c["GET /api/social/rcmd"] || c["PUT /api/user/profile"] == 0 || c["POST /api/social/superlike"] == 0 {
		t.Errorf("swiper mix: got %v, want profile reads to dominate and every route used", c)
	}
}

func TestScenarioBuiltinAndDir(t *testing.T) {
	echo, err := Load("echo")
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		name        string
		sc          *Scenario
		wantBuiltin bool
		wantDir     string
	}{
		{"loaded built-in", echo, true, ""},
		{"file", &Scenario{Source: filepath.Join("a", "b", "s.yaml")}, false, filepath.Join("a", "b")},
		{"file in the working directory", &Scenario{Source: "s.yaml"}, false, "."},
		{"a file named like the prefix", &Scenario{Source: filepath.Join("builtin", "x.yaml")}, false, "builtin"},
		{"no source", &Scenario{}, false, ""},
	} {
		t.Run(c.name, func(t *testing.T) {
			if got := c.sc.Builtin(); got != c.wantBuiltin {
				t.Errorf("Builtin(): got %v, want %v", got, c.wantBuiltin)
			}
			if got := c.sc.Dir(); got != c.wantDir {
				t.Errorf("Dir(): got %q, want %q", got, c.wantDir)
			}
		})
	}
}
