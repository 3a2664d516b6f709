package scenarios

import (
	"bytes"
	"errors"
	"reflect"
	"strings"
	"testing"

	"github.com/loadtestdev/loadtest/internal/target"
	vegeta "github.com/tsenart/vegeta/v12/lib"
)

// FuzzParse feeds arbitrary bytes to the parser. Whatever it accepts must be a valid scenario
// that plans and renders; whatever it rejects must be an *Error naming the file. The seed
// corpus (the built-ins and the cases below) runs in every normal test run.
func FuzzParse(f *testing.F) {
	for _, name := range Builtins() {
		data, _ := BuiltinYAML(name)
		f.Add(data)
	}
	for _, s := range []string{
		"",
		"rate: fast\nrequests: [{path: /echo}]\n",
		"stages:\n  - {duration: 1s, rate: 10/s}\nrequests: [{path: /echo}]\n",
		"variables:\n  a: \"{{ b }}\"\n  b: \"{{ randInt 1 2 }}\"\nrequests: [{path: \"/{{ a }}/{{ choice 'x' \\\"y\\\" }}\"}]\n",
		"requests: [{path: \"/{{ randIntExcept 1 2 3 }}{{ counter }}{{ uuid }}{{ \\\"{{\\\" }}\"}]\n",
		"headers: {Authorization: \"{{ token 1 }}\"}\nrequests: [{path: /x, method: post, body: \"{{ token 2 }}\", weight: 3}]\n",
		"variables: {u: x}\nrequests: [{path: \"/{{ token u }}\"}]\n",
		"requests: [{path: \"http://127.0.0.1:1/{{ uuid }}\"}]\n",
		"hosts: {api: 'https://api.example.com:8443', b: 'http://[::1]:2'}\nrequests: [{path: \"{{ hosts.api }}/x?h={{ hosts.b }}\", headers: {Origin: '{{ hosts.b }}'}}, {path: 'https://c.example/y'}]\n",
		"a: &a [*a]\n",
		"requests: [{path: \"/%zz\"}]\n",
		"variables: {v: '50% off'}\nfollow_redirects: 2\nrequests: [{path: \"/{{ v }}/{{ v | raw }}?q={{ v | urlencode }}&p={{ v|pathescape }}\", follow_redirects: 0}]\n",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		sc, ok := parseFuzzed(t, data)
		if !ok {
			return
		}
		if len(sc.Flows) > 0 {
			fuzzFlows(t, sc)
			return
		}
		if len(sc.Requests) == 0 || sc.Duration <= 0 || (sc.Rate.Freq > 0 && len(sc.Stages) > 0) {
			t.Fatalf("accepted an invalid scenario: %+v", sc)
		}
		for _, r := range sc.Requests {
			if r.Weight <= 0 || !validMethod(r.Method) || checkPath(r.Path) != nil || r.Name == "" {
				t.Fatalf("accepted an invalid request: %+v", r)
			}
		}
		if sc.Feeder != "" {
			return // needs a file
		}
		p, err := sc.Plan(PlanOptions{Target: testTarget, Secret: testSecret, Seed: 1})
		if err != nil {
			t.Fatalf("a parsed scenario does not plan: %v", err)
		}
		for range 3 {
			var tgt vegeta.Target
			i, err := p.Next(&tgt)
			if err != nil {
				continue // e.g. token of a variable that is not a number
			}
			if i < 0 || i >= len(p.Names()) || !strings.HasPrefix(tgt.URL, "http") {
				t.Fatalf("got hit %d %q", i, tgt.URL)
			}
			if _, err := tgt.Request(); err != nil && !strings.Contains(err.Error(), "invalid") {
				t.Fatalf("hit does not make a request: %v", err)
			}
		}
	})
}

// FuzzFromVegetaTargets feeds arbitrary text to the vegeta targets parser. What it rejects must
// be an *Error naming the file; what it accepts must have valid requests (methods, names,
// paths relative or absolute on any host), a target that target.Parse accepts, and must plan and
// make requests. Inputs with an "@file" body line are skipped: vegeta reads that file.
func FuzzFromVegetaTargets(f *testing.F) {
	for _, s := range []string{
		"GET http://127.0.0.1:8080/echo\n",
		"GET /a\nGET http://localhost:1/b\nGET http://[::1]:2/c\n",
		"POST /x\nContent-Type: application/json\nX-Id: {{ uuid }}\n\nGET /y?q=1\n",
		"# comment\nGET http://127.0.0.1:1/x\n\n\nPUT http://127.0.0.1:1/y\n",
		"GET http://example.com/x\n",
		"GET http://127.0.0.1:99999/x\n",
		"GET http://u:p@127.0.0.1:1/x\n",
		"get /x\n",
		"GET x\n",
		"GET /x\nnocolon\n",
		"GET ftp://127.0.0.1/x\n",
		"GET /{{ x }}\n",
		"",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, src string) {
		for _, line := range strings.Split(src, "\n") {
			if strings.HasPrefix(strings.TrimSpace(line), "@") {
				return
			}
		}
		sc, err := FromVegetaTargets("t.txt", strings.NewReader(src))
		if err != nil {
			var se *Error
			if !errors.As(err, &se) || !strings.HasPrefix(err.Error(), "scenario t.txt") {
				t.Fatalf("got %T %q, want an *Error naming t.txt", err, err)
			}
			return
		}
		if len(sc.Requests) == 0 {
			t.Fatal("accepted a file without targets")
		}
		if sc.Target != "" {
			if _, err := target.Parse(sc.Target); err != nil {
				t.Fatalf("accepted a target that target.Parse rejects: %v", err)
			}
		}
		for _, r := range sc.Requests {
			if r.Weight != 1 || !validMethod(r.Method) || r.Name == "" || checkPath(r.Path) != nil {
				t.Fatalf("accepted an invalid request: %+v (path: %v)", r, checkPath(r.Path))
			}
		}
		p, err := sc.Plan(PlanOptions{Target: testTarget, Seed: 1})
		if err != nil {
			t.Fatalf("an accepted targets file does not plan: %v", err)
		}
		for range len(sc.Requests) {
			var tgt vegeta.Target
			if _, err := p.Next(&tgt); err != nil {
				t.Fatalf("next hit: %v", err)
			}
			if _, err := tgt.Request(); err != nil {
				t.Fatalf("hit %q does not make a request: %v", tgt.URL, err)
			}
		}
	})
}

// FuzzReadFeeder feeds arbitrary bytes to the feeder CSV reader: it must not panic; what it
// accepts must have distinct, trimmed column names and at least one row, and hand rows out in
// order.
func FuzzReadFeeder(f *testing.F) {
	for _, s := range []string{
		"email,name\na@x,A\nb@x,B\n",
		"\ufeffid\n1\n2\n3\n",
		" a , b \n1,2\n",
		"a,a\n1,2\n",
		"a,b\n1,2,3\n",
		"a\n",
		"",
		"\"a\nb\",c\n\"1\",\"2\"\n",
		"a,\"b\n1,2\n",
		"a;b\n1;2\n",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		fd, err := readFeeder(bytes.NewReader(data))
		if err != nil {
			return
		}
		if len(fd.rows) == 0 || len(fd.columns) == 0 {
			t.Fatalf("accepted a feeder with %d columns and %d rows", len(fd.columns), len(fd.rows))
		}
		seen := map[string]bool{}
		for i, c := range fd.columns {
			if seen[c] || c != strings.TrimSpace(c) || fd.index[c] != i {
				t.Fatalf("column %d %q: duplicate, untrimmed or misindexed in %q", i, c, fd.columns)
			}
			seen[c] = true
		}
		for i := range 2 * len(fd.rows) {
			if got, want := fd.next(), fd.rows[i%len(fd.rows)]; !reflect.DeepEqual(got, want) {
				t.Fatalf("row %d: got %q, want %q", i, got, want)
			}
		}
	})
}

// parseFuzzed parses fuzzed data; a refusal must be an *Error naming the file (ok false).
func parseFuzzed(t *testing.T, data []byte) (*Scenario, bool) {
	t.Helper()
	sc, err := Parse("fuzz.yaml", data)
	if err != nil {
		var se *Error
		if !errors.As(err, &se) || !strings.HasPrefix(err.Error(), "scenario fuzz.yaml") {
			t.Fatalf("got %T %q, want an *Error naming fuzz.yaml", err, err)
		}
		return nil, false
	}
	return sc, true
}
