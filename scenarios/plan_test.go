package scenarios

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/loadtestdev/loadtest/server/auth"
	vegeta "github.com/tsenart/vegeta/v12/lib"
)

const testTarget = "http://127.0.0.1:9999"

var testSecret = []byte("test-secret")

func mustPlan(t testing.TB, src string, opts PlanOptions) *Plan {
	t.Helper()
	sc, err := Parse("test.yaml", []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	if opts.Target == "" {
		opts.Target = testTarget
	}
	p, err := sc.Plan(opts)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func next(t testing.TB, p *Plan) (int, vegeta.Target) {
	t.Helper()
	var tgt vegeta.Target
	i, err := p.Next(&tgt)
	if err != nil {
		t.Fatal(err)
	}
	return i, tgt
}

func TestNextStatic(t *testing.T) {
	p := mustPlan(t, "headers: {Accept: text/plain}\nrequests: [{name: echo, path: \"/echo?x=1\"}]\n", PlanOptions{Target: "http://127.0.0.1:9999/"})
	if got := p.Names(); !reflect.DeepEqual(got, []string{"echo"}) {
		t.Errorf("got names %v, want [echo]", got)
	}
	i, tgt := next(t, p)
	if i != 0 || tgt.Method != "GET" || tgt.URL != testTarget+"/echo?x=1" || tgt.Body != nil {
		t.Errorf("got %d %s %s %q, want 0 GET %s/echo?x=1 and no body", i, tgt.Method, tgt.URL, tgt.Body, testTarget)
	}
	if got := tgt.Header.Get("Accept"); got != "text/plain" {
		t.Errorf("got Accept %q, want text/plain", got)
	}
	req, err := tgt.Request()
	if err != nil || req.URL.Path != "/echo" || req.Header.Get("Accept") != "text/plain" {
		t.Errorf("vegeta request: got %v %v, want GET /echo with Accept", req, err)
	}
}

func TestTemplatesRender(t *testing.T) {
	dir := t.TempDir()
	csvData := "email,name\na@x.test,Ann\nb@x.test,Bob\nc@x.test,\"Cy, Jr\"\n"
	if err := os.WriteFile(filepath.Join(dir, "users.csv"), []byte(csvData), 0o600); err != nil {
		t.Fatal(err)
	}
	src := `feeder: users.csv
variables:
  uid: "{{ randInt 1 3 }}"
  sid: "{{ randIntExcept 1 3 uid }}"
  pair: "{{ uid }}-{{ sid }}"
headers:
  Authorization: "Bearer {{ token uid }}"
requests:
  - name: all
    method: POST
    path: /u/{{ uid }}/{{ choice "a" "b" 7 }}?n={{ counter }}&raw={{ "{{" }}x{{ '}}' }}
    headers:
      X-Pair: "{{ pair }}"
      X-Id: "{{ uuid }}"
      X-Static: fixed
    body: '{"email": "{{ csv.email }}", "name": "{{ csv "name" }}", "sid": {{ sid }}, "lit": "{{ 42 }}"}'
`
	p := mustPlan(t, src, PlanOptions{Secret: testSecret, Dir: dir, Seed: 7})
	urlRe := regexp.MustCompile(`^` + regexp.QuoteMeta(testTarget) + `/u/([0-9]+)/(a|b|7)\?n=([0-9]+)&raw=\{\{x\}\}$`)
	uuidRe := regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`)
	seenUID, seenChoice, seenUUID := map[string]int{}, map[string]int{}, map[string]bool{}
	rows := []struct{ email, name string }{{"a@x.test", "Ann"}, {"b@x.test", "Bob"}, {"c@x.test", "Cy, Jr"}}
	const hits = 600
	for n := 1; n <= hits; n++ {
		_, tgt := next(t, p)
		m := urlRe.FindStringSubmatch(tgt.URL)
		if m == nil {
			t.Fatalf("hit %d: URL %q does not match %s", n, tgt.URL, urlRe)
		}
		uid, choice, counter := m[1], m[2], m[3]
		seenUID[uid]++
		seenChoice[choice]++
		if counter != strconv.Itoa(n) {
			t.Errorf("hit %d: got counter %s, want %d", n, counter, n)
		}
		var body struct {
			Email, Name, Lit string
			SID              int
		}
		if err := json.Unmarshal(tgt.Body, &body); err != nil {
			t.Fatalf("hit %d: body %q: %v", n, tgt.Body, err)
		}
		row := rows[(n-1)%len(rows)]
		if body.Email != row.email || body.Name != row.name || body.Lit != "42" {
			t.Errorf("hit %d: got body %+v, want row %+v and lit 42", n, body, row)
		}
		if strconv.Itoa(body.SID) == uid || body.SID < 1 || body.SID > 3 {
			t.Errorf("hit %d: got sid %d with uid %s, want another user in 1..3", n, body.SID, uid)
		}
		if want := uid + "-" + strconv.Itoa(body.SID); tgt.Header.Get("X-Pair") != want {
			t.Errorf("hit %d: got X-Pair %q, want %q (variables evaluate once per hit)", n, tgt.Header.Get("X-Pair"), want)
		}
		tok, _ := strings.CutPrefix(tgt.Header.Get("Authorization"), "Bearer ")
		got, err := auth.Verify(testSecret, tok, time.Now())
		if err != nil || strconv.FormatInt(got, 10) != uid {
			t.Errorf("hit %d: token %q verifies as %d, %v; want uid %s", n, tok, got, err, uid)
		}
		id := tgt.Header.Get("X-Id")
		if !uuidRe.MatchString(id) || seenUUID[id] {
			t.Errorf("hit %d: got uuid %q, want a fresh version 4 UUID", n, id)
		}
		seenUUID[id] = true
		if tgt.Header.Get("X-Static") != "fixed" {
			t.Errorf("hit %d: got X-Static %q, want fixed", n, tgt.Header.Get("X-Static"))
		}
	}
	for _, v := range []string{"1", "2", "3"} {
		if seenUID[v] < hits/6 {
			t.Errorf("uid %s drawn %d times in %d hits, want about %d", v, seenUID[v], hits, hits/3)
		}
	}
	for _, v := range []string{"a", "b", "7"} {
		if seenChoice[v] < hits/6 {
			t.Errorf("choice %s drawn %d times in %d hits, want about %d", v, seenChoice[v], hits, hits/3)
		}
	}
}

// TestWeightedChoice checks the weighted pick against the weights with Pearson's chi-square
// test: 100000 picks among 6 requests, 5 degrees of freedom, critical value 20.515 at p=0.001.
func TestWeightedChoice(t *testing.T) {
	weights := []int{50, 25, 15, 7, 2, 1}
	var src strings.Builder
	src.WriteString("requests:\n")
	total := 0
	for i, w := range weights {
		fmt.Fprintf(&src, "  - {name: r%d, weight: %d, path: /r%d}\n", i, w, i)
		total += w
	}
	for _, seed := range []int64{1, 42} {
		p := mustPlan(t, src.String(), PlanOptions{Seed: seed})
		const picks = 100_000
		counts := make([]int, len(weights))
		for range picks {
			i, _ := next(t, p)
			counts[i]++
		}
		chi2 := 0.0
		for i, w := range weights {
			expected := float64(picks) * float64(w) / float64(total)
			d := float64(counts[i]) - expected
			chi2 += d * d / expected
		}
		if chi2 > 20.515 {
			t.Errorf("seed %d: got counts %v for weights %v, chi-square %.2f > 20.515 (p < 0.001)", seed, counts, weights, chi2)
		}
	}
}

func TestSeedDeterminism(t *testing.T) {
	src := `variables: {uid: "{{ randInt 1 1000000 }}"}
requests:
  - {name: a, weight: 3, path: "/a/{{ uid }}/{{ counter }}"}
  - {name: b, weight: 1, path: "/b/{{ uuid }}/{{ counter }}", method: POST, body: "{{ choice 1 2 3 4 5 6 7 8 9 }}"}
`
	sequence := func(seed int64) []string {
		p := mustPlan(t, src, PlanOptions{Seed: seed})
		var out []string
		for range 500 {
			i, tgt := next(t, p)
			out = append(out, fmt.Sprintf("%d %s %s %s", i, tgt.Method, tgt.URL, tgt.Body))
		}
		return out
	}
	a, b, c := sequence(99), sequence(99), sequence(100)
	if !reflect.DeepEqual(a, b) {
		t.Errorf("same seed gave different sequences:\n%v\n%v", a[:3], b[:3])
	}
	if reflect.DeepEqual(a, c) {
		t.Errorf("seeds 99 and 100 gave the same sequence")
	}

	// Concurrent callers: hit N is the same whoever renders it.
	p := mustPlan(t, src, PlanOptions{Seed: 99})
	byCounter := make([]string, len(a))
	var wg sync.WaitGroup
	var mu sync.Mutex
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range len(a) / 8 {
				var tgt vegeta.Target
				i, err := p.Next(&tgt)
				if err != nil {
					t.Error(err)
					return
				}
				n, _ := strconv.Atoi(tgt.URL[strings.LastIndexByte(tgt.URL, '/')+1:])
				mu.Lock()
				byCounter[n-1] = fmt.Sprintf("%d %s %s %s", i, tgt.Method, tgt.URL, tgt.Body)
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	for n := range len(a) / 8 * 8 {
		if byCounter[n] != a[n] {
			t.Fatalf("hit %d: concurrent %q, sequential %q", n+1, byCounter[n], a[n])
		}
	}
}

func TestSequentialOrder(t *testing.T) {
	p := mustPlan(t, "order: sequential\nrequests:\n  - {name: a, weight: 2, path: /a}\n  - {name: b, path: /b}\n  - {name: c, path: /c}\n", PlanOptions{})
	var got []string
	for range 8 {
		i, _ := next(t, p)
		got = append(got, p.names[i])
	}
	if want := []string{"a", "a", "b", "c", "a", "a", "b", "c"}; !reflect.DeepEqual(got, want) {
		t.Errorf("got %v, want %v", got, want)
	}
}

func TestPlanErrors(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "f.csv"), []byte("a,b\n1,2\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "empty.csv"), []byte("a,b\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		src  string
		opts PlanOptions
		want string
	}{
		{"no target", "requests: [{path: /x}]", PlanOptions{Target: ""}, "scenario test.yaml: no target"},
		{"bad target", "requests: [{path: /x}]", PlanOptions{Target: "ftp://x"}, `scenario test.yaml: target "ftp://x" is not an http URL`},
		{"token without secret", "headers: {Authorization: \"{{ token 5 }}\"}\nrequests: [{path: /x}]", PlanOptions{Target: testTarget},
			"scenario test.yaml: headers.Authorization: token() needs the server's secret: use --secret or let the run start the bundled server"},
		{"missing feeder", "feeder: nope.csv\nrequests: [{path: \"/{{ csv.a }}\"}]", PlanOptions{Target: testTarget, Dir: dir}, "scenario test.yaml: feeder " + filepath.Join(dir, "nope.csv") + ": open"},
		{"empty feeder", "feeder: empty.csv\nrequests: [{path: \"/{{ csv.a }}\"}]", PlanOptions{Target: testTarget, Dir: dir}, "scenario test.yaml: feeder " + filepath.Join(dir, "empty.csv") + ": the file has a header row but no rows"},
		{"missing column", "feeder: f.csv\nrequests: [{path: \"/{{ csv.c }}\"}]", PlanOptions{Target: testTarget, Dir: dir}, `scenario test.yaml: requests[0].path: the feeder f.csv has no column "c", its columns are a, b`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sc, err := Parse("test.yaml", []byte(tt.src))
			if err != nil {
				t.Fatal(err)
			}
			_, err = sc.Plan(tt.opts)
			if err == nil || !strings.HasPrefix(err.Error(), tt.want) {
				t.Fatalf("got %v, want %q...", err, tt.want)
			}
			var se *Error
			if !errors.As(err, &se) {
				t.Errorf("got %T, want *Error", err)
			}
		})
	}
	sc, _ := Parse("test.yaml", []byte("headers: {Authorization: \"{{ token 5 }}\"}\nrequests: [{path: /x}]"))
	if _, err := sc.Plan(PlanOptions{Target: testTarget}); !errors.Is(err, ErrNoSecret) {
		t.Errorf("got %v, want ErrNoSecret", err)
	}
}

func TestNextBadIntegerVariable(t *testing.T) {
	p := mustPlan(t, "variables: {uid: \"{{ choice \\\"x\\\" }}\"}\nrequests: [{path: \"/{{ token uid }}\"}]", PlanOptions{Secret: testSecret})
	var tgt vegeta.Target
	if _, err := p.Next(&tgt); err == nil || !strings.Contains(err.Error(), `variable uid is "x", not an integer`) {
		t.Errorf("got %v, want an error naming the variable", err)
	}
}

func TestTokenCacheRenews(t *testing.T) {
	now := time.Unix(1_800_000_000, 0)
	c := newTokenCache(testSecret, func() time.Time { return now })
	first := c.get(42)
	if again := c.get(42); again != first {
		t.Errorf("got a new token %q within the cache period, want %q", again, first)
	}
	now = now.Add(tokenTTL/2 + time.Second)
	renewed := c.get(42)
	if renewed == first {
		t.Fatalf("got the same token after half its lifetime, want a renewed one")
	}
	if _, err := auth.Verify(testSecret, renewed, now.Add(tokenTTL/2)); err != nil {
		t.Errorf("renewed token does not outlive the next renewal: %v", err)
	}
}

func TestNextAllocs(t *testing.T) {
	if raceEnabled {
		t.Skip("allocation counts are meaningless under -race (sync.Pool drops items at random)")
	}
	tests := []struct {
		name string
		src  string
		max  float64
	}{
		{"static", "requests: [{path: /echo}]", 0},
		{"templated path", "requests: [{path: \"/cache/users/{{ randInt 1 10000 }}\"}]", 1},
		{"templated path and token header", "variables: {uid: \"{{ randInt 1 100 }}\"}\nheaders: {Authorization: \"Bearer {{ token uid }}\"}\nrequests: [{path: \"/u/{{ uid }}\"}]", 4},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := mustPlan(t, tt.src, PlanOptions{Secret: testSecret})
			var tgt vegeta.Target
			for range 200 { // warm the pool and the token cache
				p.Next(&tgt)
			}
			got := testing.AllocsPerRun(1000, func() { p.Next(&tgt) })
			if got > tt.max {
				t.Errorf("got %.1f allocs per Next, want at most %.0f", got, tt.max)
			}
		})
	}
}
