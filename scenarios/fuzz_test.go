package scenarios

import (
	"errors"
	"strings"
	"testing"

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
		"a: &a [*a]\n",
		"requests: [{path: \"/%zz\"}]\n",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		sc, err := Parse("fuzz.yaml", data)
		if err != nil {
			var se *Error
			if !errors.As(err, &se) || !strings.HasPrefix(err.Error(), "scenario fuzz.yaml") {
				t.Fatalf("got %T %q, want an *Error naming fuzz.yaml", err, err)
			}
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
