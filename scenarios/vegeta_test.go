package scenarios

import (
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"
)

func TestFromVegetaTargets(t *testing.T) {
	dir := t.TempDir()
	bodyFile := filepath.Join(dir, "body.json")
	if err := os.WriteFile(bodyFile, []byte(`{"sid": 7, "t": "{{ not a template }}"}`), 0o600); err != nil {
		t.Fatal(err)
	}
	src := `# a vegeta targets file
GET http://127.0.0.1:8080/echo
X-Trace: a
X-Trace: b

POST http://127.0.0.1:8080/api/social/like?src=v
Content-Type: application/json
Authorization: Bearer {{ token }}
@` + bodyFile + `

GET http://127.0.0.1:8080/echo
`
	sc, err := FromVegetaTargets("targets.txt", strings.NewReader(src))
	if err != nil {
		t.Fatal(err)
	}
	if sc.Target != "http://127.0.0.1:8080" || sc.Order != OrderSequential || sc.Rate != (Rate{50, time.Second}) || sc.Name != "targets" {
		t.Errorf("got target %q order %q rate %v name %q, want the common origin, sequential, vegeta's 50/s, targets",
			sc.Target, sc.Order, sc.Rate, sc.Name)
	}
	// With the run's target (e.g. the bundled server) instead of the file's host.
	p, err := sc.Plan(PlanOptions{Target: testTarget})
	if err != nil {
		t.Fatal(err)
	}
	if got, want := p.Names(), []string{"GET /echo", "POST /api/social/like"}; !reflect.DeepEqual(got, want) {
		t.Errorf("got names %v, want %v", got, want)
	}
	wantIdx := []int{0, 1, 0, 0, 1}
	for n, want := range wantIdx {
		i, tgt := next(t, p)
		if i != want {
			t.Errorf("hit %d: got request %d, want %d (vegeta's round robin)", n, i, want)
		}
		switch i {
		case 0:
			trace := map[int]string{0: "a, b", 2: ""}[n%3] // the first target has headers, the third none
			if tgt.URL != testTarget+"/echo" || tgt.Header.Get("X-Trace") != trace || tgt.Body != nil {
				t.Errorf("hit %d: got %s %v %q", n, tgt.URL, tgt.Header, tgt.Body)
			}
		case 1:
			if tgt.Method != "POST" || tgt.URL != testTarget+"/api/social/like?src=v" {
				t.Errorf("hit %d: got %s %s", n, tgt.Method, tgt.URL)
			}
			if got := tgt.Header.Get("Authorization"); got != "Bearer {{ token }}" {
				t.Errorf("hit %d: got Authorization %q, want the file's text untouched", n, got)
			}
			if got := string(tgt.Body); got != `{"sid": 7, "t": "{{ not a template }}"}` {
				t.Errorf("hit %d: got body %q, want the file's bytes untouched", n, got)
			}
		}
	}
}

func TestFromVegetaTargetsPaths(t *testing.T) {
	sc, err := FromVegetaTargets("t", strings.NewReader("GET /a\nGET http://localhost:1/b\nGET http://[::1]:2/c\n"))
	if err != nil {
		t.Fatal(err)
	}
	if sc.Target != "" {
		t.Errorf("got target %q, want none for mixed origins", sc.Target)
	}
	p, err := sc.Plan(PlanOptions{Target: testTarget})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for range 3 {
		_, tgt := next(t, p)
		got = append(got, tgt.URL)
	}
	if want := []string{testTarget + "/a", "http://localhost:1/b", "http://[::1]:2/c"}; !reflect.DeepEqual(got, want) {
		t.Errorf("got %v, want %v", got, want)
	}
}

func TestFromVegetaTargetsManyNames(t *testing.T) {
	var b strings.Builder
	for i := range 60 {
		b.WriteString("GET /item/" + strings.Repeat("x", i+1) + "\n")
	}
	b.WriteString("DELETE /item/x\n")
	sc, err := FromVegetaTargets("t", strings.NewReader(b.String()))
	if err != nil {
		t.Fatal(err)
	}
	p, err := sc.Plan(PlanOptions{Target: testTarget})
	if err != nil {
		t.Fatal(err)
	}
	if got, want := p.Names(), []string{"GET", "DELETE"}; !reflect.DeepEqual(got, want) {
		t.Errorf("got names %v, want %v when there are more than %d distinct paths", got, want, maxVegetaNames)
	}
}

func TestFromVegetaTargetsErrors(t *testing.T) {
	tests := []struct{ name, src, want string }{
		{"empty", "# nothing\n", "scenario t: no targets"},
		{"bad method", "get /x\n", "scenario t: target 1: bad method"},
		{"relative", "GET x\n", "scenario t: target 1: bad URL"},
		{"bad header", "GET /x\nnocolon\n", "scenario t: target 1: bad header"},
		{"second target", "GET /x\n\nGET ftp://127.0.0.1/x\n", `scenario t: target 2: URL "ftp://127.0.0.1/x" is neither a path`},
		{"missing body", "POST /x\n@/nonexistent/body\n", "scenario t: target 1: bad body"},
		{"port out of range", "GET http://127.0.0.1:99999/x\n", `scenario t: target 1: "http://127.0.0.1:99999" has port 99999, want a port from 1 to 65535`},
		{"user info", "GET http://u:p@127.0.0.1:1/x\n", `scenario t: target 1: "http://u:p@127.0.0.1:1" has a user name or password`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := FromVegetaTargets("t", strings.NewReader(tt.src))
			var se *Error
			if err == nil || !strings.HasPrefix(err.Error(), tt.want) || !errors.As(err, &se) {
				t.Errorf("got %v, want *Error %q...", err, tt.want)
			}
		})
	}
}

// TestFromVegetaTargetsHosts: a targets file may name any host; when every URL is absolute the
// first host is the target (which --target replaces) and the others keep their host in their
// request name, so two hosts that share a path are kept apart.
func TestFromVegetaTargetsHosts(t *testing.T) {
	src := "GET https://api.example.com/health\n\nPOST https://auth.example.com:8443/token\n\nGET https://auth.example.com:8443/health\n"
	sc, err := FromVegetaTargets("t", strings.NewReader(src))
	if err != nil {
		t.Fatal(err)
	}
	if sc.Target != "https://api.example.com" {
		t.Errorf("got target %q, want the first host", sc.Target)
	}
	p, err := sc.Plan(PlanOptions{Target: testTarget})
	if err != nil {
		t.Fatal(err)
	}
	if got, want := p.Names(), []string{"GET /health", "POST https://auth.example.com:8443/token", "GET https://auth.example.com:8443/health"}; !reflect.DeepEqual(got, want) {
		t.Errorf("got names %v, want %v", got, want)
	}
	var got []string
	for range 3 {
		_, tgt := next(t, p)
		got = append(got, tgt.URL)
	}
	if want := []string{testTarget + "/health", "https://auth.example.com:8443/token", "https://auth.example.com:8443/health"}; !reflect.DeepEqual(got, want) {
		t.Errorf("got URLs %v, want %v", got, want)
	}
	if got, want := p.Origins(), []string{testTarget, "https://auth.example.com:8443"}; !reflect.DeepEqual(got, want) {
		t.Errorf("got origins %v, want %v", got, want)
	}
}
