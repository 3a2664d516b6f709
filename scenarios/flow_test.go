package scenarios

import (
	"net/http"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	vegeta "github.com/tsenart/vegeta/v12/lib"
)

// checkFlowURLs starts iterations of a built-in with flows and renders the steps that need no
// extracted value, checking they go to the target.
func checkFlowURLs(t *testing.T, sc *Scenario) {
	t.Helper()
	fp, err := sc.FlowPlan(PlanOptions{Target: testTarget, Secret: testSecret, Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	it := fp.NewIteration()
	for n := range uint64(100) {
		if _, err := it.Start(n); err != nil {
			t.Fatal(err)
		}
		var tgt vegeta.Target
		if _, err := it.Request(0, &tgt); err != nil || !strings.HasPrefix(tgt.URL, testTarget+"/") {
			t.Fatalf("got URL %q (%v), want one on the target", tgt.URL, err)
		}
	}
}

const flowHead = "rate: 5/s\nflows:\n  - name: f\n    steps:\n"

func TestParseFlowErrors(t *testing.T) {
	tests := []struct {
		name, src, want, field string
	}{
		{"unknown variable", flowHead + "      - path: /a\n      - path: '/b/{{ code }}'\n",
			`scenario my.yaml:6: flows[0].steps[1].path: "code" is not extracted by an earlier step of the flow nor defined under variables`, "flows[0].steps[1].path"},
		{"variable extracted by the same step", flowHead + "      - path: '/a/{{ code }}'\n        extract: {code: {json: $.code}}\n",
			`scenario my.yaml:5: flows[0].steps[0].path: "code" is not extracted by an earlier step`, "flows[0].steps[0].path"},
		{"variable of another flow", "rate: 5/s\nflows:\n  - name: f\n    steps:\n      - path: /a\n        extract: {code: {json: $.code}}\n  - name: g\n    steps:\n      - path: '/b/{{ code }}'\n",
			`scenario my.yaml:9: flows[1].steps[0].path: "code" is not extracted`, "flows[1].steps[0].path"},
		{"extraction without source", flowHead + "      - path: /a\n        extract: {code: {}}\n",
			`scenario my.yaml:6: extract code names no source, got a mapping: want one source`, "flows[0].steps[0].extract.code"},
		{"extraction unknown source", flowHead + "      - path: /a\n        extract: {code: {xpath: /a}}\n",
			`scenario my.yaml:6: unknown extraction source "xpath"`, "flows[0].steps[0].extract.code.xpath"},
		{"malformed JSONPath", flowHead + "      - path: /a\n        extract: {code: {json: a.b}}\n",
			`scenario my.yaml:6: extract code: JSONPath "a.b": a path starts with $`, "flows[0].steps[0].extract.code.json"},
		{"malformed JSONPath index", flowHead + "      - path: /a\n        extract: {code: {json: '$.a[x]'}}\n",
			`scenario my.yaml:6: extract code: JSONPath "$.a[x]": [x] is not an array index`, "flows[0].steps[0].extract.code.json"},
		{"malformed regex", flowHead + "      - path: /a\n        extract: {code: {regex: 'code=(\\d+'}}\n",
			`scenario my.yaml:6: extract code: "code=(\\d+" is not a regular expression`, "flows[0].steps[0].extract.code.regex"},
		{"regex without group", flowHead + "      - path: /a\n        extract: {code: {regex: 'code=\\d+'}}\n",
			`scenario my.yaml:6: extract code: regular expression "code=\\d+" has 0 groups, want exactly one`, "flows[0].steps[0].extract.code.regex"},
		{"check without condition", flowHead + "      - path: /a\n        check: [{name: ok}]\n",
			`scenario my.yaml:6: check has no condition, want one of status, json, header, body_contains, max_latency`, "flows[0].steps[0].check[0]"},
		{"json check without test", flowHead + "      - path: /a\n        check: [{json: $.ok}]\n",
			`scenario my.yaml:6: json check has no condition: add equals: VALUE, exists: true or matches: REGEXP`, "flows[0].steps[0].check[0]"},
		{"check with two conditions", flowHead + "      - path: /a\n        check: [{status: 200, body_contains: x}]\n",
			`scenario my.yaml:6: a check has one condition, this one has status and body_contains`, "flows[0].steps[0].check[0].body_contains"},
		{"bad matches", flowHead + "      - path: /a\n        check: [{json: $.ok, matches: '('}]\n",
			`scenario my.yaml:6: matches "(" is not a regular expression`, "flows[0].steps[0].check[0].matches"},
		{"bad status", flowHead + "      - path: /a\n        check: [{status: 700}]\n",
			`scenario my.yaml:6: status 700 is out of range, want 100 to 599`, "flows[0].steps[0].check[0].status"},
		{"think not a duration", flowHead + "      - path: /a\n      - think: soon\n",
			`scenario my.yaml:6: think "soon" is not a duration or a range, want e.g. 500ms or 200ms..1s`, "flows[0].steps[1].think"},
		{"think range reversed", flowHead + "      - path: /a\n      - think: 1s..200ms\n",
			`scenario my.yaml:6: think "1s..200ms" is not a duration or a range`, "flows[0].steps[1].think"},
		{"think with a request", flowHead + "      - {path: /a, think: 1s}\n",
			`scenario my.yaml:5: a think step has only think`, "flows[0].steps[0].think"},
		{"max_sessions zero", "max_sessions: 0\n" + flowHead + "      - path: /a\n",
			`scenario my.yaml:1: max_sessions 0 is out of range, want 1 to 1000000`, "max_sessions"},
		{"max_sessions without flows", "max_sessions: 5\nrequests: [{path: /a}]\n",
			`scenario my.yaml:1: max_sessions bounds flow iterations: it needs flows`, "max_sessions"},
		{"connections with flows", "connections: 5\n" + flowHead + "      - path: /a\n",
			`scenario my.yaml:1: connections bounds the workers of requests: flows are bounded by max_sessions`, "connections"},
		{"requests and flows", "requests: [{path: /a}]\n" + flowHead + "      - path: /a\n",
			`scenario my.yaml:4: requests and flows are exclusive`, "flows"},
		{"empty flow", "flows:\n  - name: f\n    steps: []\n",
			`scenario my.yaml:3: flow "f" has no steps`, "flows[0].steps"},
		{"flow without steps", "flows:\n  - name: f\n",
			`scenario my.yaml:2: flow "f" has no steps`, "flows[0].steps"},
		{"only think", flowHead + "      - think: 1s\n",
			`scenario my.yaml:5: flow "f" has only think times`, "flows[0].steps"},
		{"empty flows", "flows: []\n", `scenario my.yaml:1: flows must be a non-empty list`, "flows"},
		{"flow without name", "flows:\n  - steps: [{path: /a}]\n", `scenario my.yaml:2: a flow needs a name`, "flows[0].name"},
		{"duplicate flow", "flows:\n  - {name: f, steps: [{path: /a}]}\n  - {name: f, steps: [{path: /a}]}\n",
			`scenario my.yaml:3: flow name "f" is used twice (first at line 2)`, "flows[1].name"},
		{"duplicate step", flowHead + "      - {name: a, path: /a}\n      - {name: a, path: /b}\n",
			`scenario my.yaml:6: step name "a" is used twice in flow "f" (first at line 5)`, "flows[0].steps[1].name"},
		{"bad on_failure", flowHead + "      - {path: /a, on_failure: retry}\n",
			`scenario my.yaml:5: on_failure "retry" is not stop or continue`, "flows[0].steps[0].on_failure"},
		{"extract shadows a variable", "variables: {code: '1'}\n" + flowHead + "      - path: /a\n        extract: {code: status}\n",
			`scenario my.yaml:7: extract code: "code" is also defined under variables`, "extract.code"},
		{"unknown step field", flowHead + "      - {path: /a, checks: []}\n",
			`scenario my.yaml:5: unknown field "checks", want one of name, method, path, headers, body, form, multipart, json, check, extract, on_failure, think, follow_redirects, when, poll; did you mean "check"?`, "flows[0].steps[0].checks"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			wantParseError(t, tt.src, tt.want, tt.field)
		})
	}
}

func TestParseFlows(t *testing.T) {
	src := `name: shop
rate: 5/s
max_sessions: 7
variables: {user: "{{ randInt 1 9 }}"}
flows:
  - name: buy
    weight: 3
    on_failure: continue
    steps:
      - name: login
        method: post
        path: /login
        body: '{"user": {{ user }}}'
        check:
          - status: [200, 201]
          - {json: $.ok, equals: true}
          - {header: Content-Type, matches: json, name: is json}
          - {body_contains: token}
          - {max_latency: 300ms}
          - {json: "$.items[*].id", exists: true}
        extract:
          token: {json: $.token}
          next: {header: location}
          sid: {cookie: session}
          n: {regex: 'n=(\d+)'}
          code: status
      - think: 200ms..1s
      - path: '/cart/{{ n }}'
        headers: {Authorization: "Bearer {{ token }}"}
        on_failure: stop
  - name: browse
    steps: [{path: /}]
`
	sc, err := Parse("shop.yaml", []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	if got, want := sc.RequestNames(), []string{"buy/login", "buy/GET /cart/{{ n }}", "browse/GET /"}; !reflect.DeepEqual(got, want) {
		t.Errorf("got request names %q, want %q", got, want)
	}
	if got, want := sc.FlowNames(), []string{"buy", "browse"}; !reflect.DeepEqual(got, want) {
		t.Errorf("got flow names %q, want %q", got, want)
	}
	if sc.MaxSessions != 7 || len(sc.Flows) != 2 || sc.Flows[0].Weight != 3 || sc.Flows[0].OnFailure != OnFailureContinue {
		t.Fatalf("got max_sessions %d flows %+v", sc.MaxSessions, sc.Flows)
	}
	steps := sc.Flows[0].Steps
	if got, want := *steps[1].Think, (Think{200 * time.Millisecond, time.Second}); got != want {
		t.Errorf("got think %v, want %v", got, want)
	}
	var names []string
	for _, c := range steps[0].Checks {
		names = append(names, c.Name)
	}
	want := []string{"status in [200, 201]", "json $.ok equals true", "is json", `body_contains "token"`, "max_latency 300ms", "json $.items[*].id exists"}
	if !reflect.DeepEqual(names, want) {
		t.Errorf("got check names %q, want %q", names, want)
	}
	var ex []string
	for _, e := range steps[0].Extract {
		ex = append(ex, e.Name())
	}
	wantEx := []string{"extract token (json $.token)", "extract next (header location)", "extract sid (cookie session)", `extract n (regex n=(\d+))`, "extract code (status)"}
	if !reflect.DeepEqual(ex, wantEx) {
		t.Errorf("got extractions %q, want %q", ex, wantEx)
	}
	if steps[2].OnFailure != OnFailureStop || steps[0].Method != "POST" {
		t.Errorf("got on_failure %q method %q, want stop and POST", steps[2].OnFailure, steps[0].Method)
	}
}

func TestJSONPath(t *testing.T) {
	tests := []struct {
		in, want string
		wildcard bool
	}{
		{"$", "@this", false},
		{"$.a", "a", false},
		{"$.a.b", "a.b", false},
		{"$.a[0].b", "a.0.b", false},
		{"$.a[*].b", "a.#.b", true},
		{"$.users[*]", "users.#", true},
		{"$['x.y'].z", `x\.y.z`, false},
		{"$[2]", "2", false},
	}
	for _, tt := range tests {
		got, wc, err := jsonPath(tt.in)
		if err != nil || got != tt.want || wc != tt.wildcard {
			t.Errorf("jsonPath(%q): got %q %v %v, want %q %v", tt.in, got, wc, err, tt.want, tt.wildcard)
		}
	}
	for _, bad := range []string{"", "a", "$.", "$..a", "$.a[", "$.a[-1]", "$.a[*][*]", "$.*", "$a", "$['a"} {
		if _, _, err := jsonPath(bad); err == nil {
			t.Errorf("jsonPath(%q): got no error, want one", bad)
		}
	}
}

// TestFlowPlanDeterministic: with a seed, iteration n takes the same flow with the same
// values, whichever plan and session renders it and in whatever order.
func TestFlowPlanDeterministic(t *testing.T) {
	src := `variables: {u: "{{ randInt 1 1000000 }}"}
flows:
  - {name: a, weight: 2, steps: [{path: '/a/{{ u }}/{{ counter }}'}, {think: 1ms..1s}, {path: '/a2/{{ uuid }}'}]}
  - {name: b, steps: [{path: '/b/{{ u }}'}]}
`
	sc, err := Parse("d.yaml", []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	render := func(seed int64, order []uint64) map[uint64]string {
		fp, err := sc.FlowPlan(PlanOptions{Target: testTarget, Seed: seed})
		if err != nil {
			t.Fatal(err)
		}
		it := fp.NewIteration()
		out := map[uint64]string{}
		for _, n := range order {
			fi, err := it.Start(n)
			if err != nil {
				t.Fatal(err)
			}
			if fi != fp.FlowOf(n) {
				t.Fatalf("iteration %d: Start took flow %d, FlowOf says %d", n, fi, fp.FlowOf(n))
			}
			s := fp.Flows()[fi].Name
			for i := range it.Steps() {
				if d, ok := it.Think(i); ok {
					s += " " + d.String()
					continue
				}
				var tgt vegeta.Target
				if _, err := it.Request(i, &tgt); err != nil {
					t.Fatal(err)
				}
				s += " " + tgt.URL
			}
			out[n] = s
		}
		return out
	}
	a := render(7, []uint64{0, 1, 2, 3, 4, 5, 6, 7})
	b := render(7, []uint64{7, 3, 5, 1, 0, 6, 2, 4})
	if !reflect.DeepEqual(a, b) {
		t.Errorf("same seed, other order:\n got %v\nwant %v", b, a)
	}
	if c := render(8, []uint64{0, 1, 2, 3, 4, 5, 6, 7}); reflect.DeepEqual(a, c) {
		t.Errorf("seeds 7 and 8 rendered the same iterations: %v", a)
	}
	flows := map[byte]int{}
	for _, s := range a {
		flows[s[0]]++
	}
	if flows['a'] == 0 || flows['b'] == 0 {
		t.Errorf("got flows %v in 8 iterations, want both", flows)
	}
}

// TestVerify runs checks and extractions on responses the test makes.
func TestVerify(t *testing.T) {
	src := `flows:
  - name: f
    steps:
      - path: /a
        check:
          - status: 200
          - {json: $.ok, equals: true}
          - {json: "$.items[*].id", exists: true}
          - {body_contains: nope}
          - {header: Content-Type, matches: json}
          - {max_latency: 10ms}
        extract:
          first: {json: "$.items[0].id"}
          any: {json: "$.items[*].id"}
          loc: {header: Location}
          sid: {cookie: sid}
          code: {regex: 'code=(\d+)'}
          st: status
          gone: {json: $.nothing}
      - path: '/b/{{ first }}/{{ any }}/{{ loc }}/{{ sid }}/{{ code }}/{{ st }}/{{ gone }}'
`
	sc, err := Parse("v.yaml", []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	fp, err := sc.FlowPlan(PlanOptions{Target: testTarget, Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	it := fp.NewIteration()
	if _, err := it.Start(0); err != nil {
		t.Fatal(err)
	}
	h := http.Header{"Content-Type": {"application/json"}, "Location": {"next"}, "Set-Cookie": {"other=1", "sid=abc; Path=/"}}
	body := []byte(`{"ok": true, "items": [{"id": 7}, {"id": 8}], "note": "code=123456"}`)
	outs := it.Verify(0, &Response{Status: 200, Header: h, Body: body, Latency: 20 * time.Millisecond})
	checks := fp.Flows()[0].Checks
	var failed []string
	for _, o := range outs {
		if !o.Pass {
			failed = append(failed, checks[o.Check].Name+": "+o.Seen)
		}
	}
	want := []string{
		`body_contains "nope": body "{\"ok\": true, \"items\": [{\"id\": 7}, {\"id\": 8}], \"note\": \"code=123456\"}"`,
		"max_latency 10ms: latency 20ms",
		`extract gone (json $.nothing): no value at $.nothing in the body "{\"ok\": true, \"items\": [{\"id\": 7}, {\"id\": 8}], \"note\": \"code=123456\"}"`,
	}
	if !reflect.DeepEqual(failed, want) {
		t.Errorf("got failures\n%q\nwant\n%q", failed, want)
	}
	var tgt vegeta.Target
	if _, err := it.Request(1, &tgt); err != nil {
		t.Fatal(err)
	}
	got := strings.TrimPrefix(tgt.URL, testTarget)
	if got != "/b/7/7/next/abc/123456/200/" && got != "/b/7/8/next/abc/123456/200/" {
		t.Errorf("got URL %q, want /b/7/{7 or 8}/next/abc/123456/200/", got)
	}
}

// fuzzFlows checks a parsed scenario with flows: it must plan, and its iterations must start
// and render their first step.
func fuzzFlows(t *testing.T, sc *Scenario) {
	if len(sc.Requests) > 0 || sc.Duration <= 0 || sc.MaxSessions < 0 {
		t.Fatalf("accepted an invalid scenario: %+v", sc)
	}
	for _, f := range sc.Flows {
		if f.Name == "" || f.Weight <= 0 || len(f.Steps) == 0 {
			t.Fatalf("accepted an invalid flow: %+v", f)
		}
		for k, st := range f.Steps {
			if st.Group != nil {
				if st.Group.Len < 1 || k+st.Group.Len >= len(f.Steps) || st.Group.While != nil && st.Group.Max < 1 {
					t.Fatalf("accepted an invalid group: %+v", st.Group)
				}
				continue
			}
			if st.IsRequest() && (st.Name == "" || !validMethod(st.Method) || checkPath(st.Path) != nil) {
				t.Fatalf("accepted an invalid step: %+v", st)
			}
			if st.Think != nil && (st.Think.Min < 0 || st.Think.Max < st.Think.Min) {
				t.Fatalf("accepted an invalid think time: %+v", st.Think)
			}
		}
	}
	if sc.Feeder != "" {
		return
	}
	fp, err := sc.FlowPlan(PlanOptions{Target: testTarget, Secret: testSecret, Seed: 1})
	if err != nil {
		t.Fatalf("a parsed scenario does not plan: %v", err)
	}
	it := fp.NewIteration()
	for n := range uint64(3) {
		if _, err := it.Start(n); err != nil {
			continue
		}
		for moves := 0; moves < 1000; moves++ { // a bounded walk: a while may hold for its max
			i, err := it.Next()
			if err != nil || i < 0 {
				break
			}
			if _, ok := it.Think(i); ok {
				continue
			}
			var tgt vegeta.Target
			if _, err := it.Request(i, &tgt); err == nil && !strings.HasPrefix(tgt.URL, "http") {
				t.Fatalf("got step URL %q", tgt.URL)
			}
			it.Answered(200)
			it.Verify(i, &Response{Status: 200, Header: http.Header{}, Body: []byte(`{"a":[1]}`)})
			if _, _, polls := it.Poll(i); polls {
				_, _ = it.Until(i)
			}
		}
	}
}

// FuzzParseFlows is FuzzParse seeded with flows: steps, think times, extractions and checks.
func FuzzParseFlows(f *testing.F) {
	for _, s := range []string{
		flowHead + "      - path: /a\n        extract: {c: {json: '$.a[*].b'}}\n      - path: '/b/{{ c }}'\n",
		flowHead + "      - path: /a\n        check: [{status: [200, 201]}, {json: $.x, equals: '{{ counter }}'}]\n      - think: 1ms..2ms\n",
		flowHead + "      - path: /a\n        extract: {t: {header: X-T}, k: {cookie: k}, r: {regex: 'a(b)'}, s: status}\n",
		flowHead + "      - {path: /a, on_failure: continue, check: [{header: A, exists: false}, {max_latency: 1s}]}\n",
		"max_sessions: 3\n" + flowHead + "      - path: '/a/{{ token }}'\n",
		flowHead + "      - path: /a\n        extract: {token: {json: $.t}}\n      - path: '/b/{{ token }}'\n",
		flowHead + "      - path: /a\n        check: [{json: '$[', exists: true}]\n",
		flowHead + "      - think: 1s\n",
		flowHead + "      - {path: /a, extract: {m: {json: $.m}}}\n      - {path: /b, when: 'm == true && status == 200'}\n",
		flowHead + "      - group: g\n        repeat: '{{ randInt 0 3 }}'\n        index: i\n        when: 'status != 500'\n        steps: [{path: '/c/{{ i }}'}, {think: 1ms}]\n",
		flowHead + "      - group: p\n        while: 'c != \"\"'\n        max: 3\n        steps:\n          - {path: '/p?c={{ c }}', extract: {c: {json: $.n}}}\n          - group: q\n            repeat: 2\n            steps: [{path: /q}]\n",
		flowHead + "      - path: /t\n        extract: {s: {json: $.s}}\n        poll: {interval: 1ms, timeout: 1s, until: 's == \"done\" || len(s) > 3'}\n",
		"hosts: {a: 'http://127.0.0.1:1'}\n" + flowHead + "      - path: '{{ hosts.a }}/x'\n        extract: {l: {header: Location}}\n      - path: '{{ l }}'\n        check: [{body_contains: '<b>{{ l }}</b>'}, {header: X, matches: '^{{ l }}$'}]\n",
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
		}
	})
}

// TestFlowFeederAndOrder: an iteration takes one feeder row for all its steps, and
// order: sequential cycles through the flows by weight.
func TestFlowFeederAndOrder(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "users.csv"), []byte("name\nann\nbob\ncid\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	src := `feeder: users.csv
order: sequential
flows:
  - {name: a, weight: 2, steps: [{path: '/a/{{ csv.name }}'}, {path: '/a2/{{ csv.name }}'}]}
  - {name: b, steps: [{path: '/b/{{ csv.name }}'}]}
`
	sc, err := Parse(filepath.Join(dir, "f.yaml"), []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	fp, err := sc.FlowPlan(PlanOptions{Target: testTarget, Dir: dir})
	if err != nil {
		t.Fatal(err)
	}
	it := fp.NewIteration()
	var got []string
	for n := range uint64(6) {
		fi, err := it.Start(n)
		if err != nil {
			t.Fatal(err)
		}
		s := fp.Flows()[fi].Name
		for i := range it.Steps() {
			var tgt vegeta.Target
			if _, err := it.Request(i, &tgt); err != nil {
				t.Fatal(err)
			}
			s += " " + strings.TrimPrefix(tgt.URL, testTarget)
		}
		got = append(got, s)
	}
	want := []string{"a /a/ann /a2/ann", "a /a/bob /a2/bob", "b /b/cid", "a /a/ann /a2/ann", "a /a/bob /a2/bob", "b /b/cid"}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got iterations\n%q\nwant\n%q", got, want)
	}
}

// TestIterationAllocations: a session reuses its Iteration, so a static step with a check
// costs no allocation per iteration, and a templated step with an extraction a few that do not
// grow with the number of iterations run.
func TestIterationAllocations(t *testing.T) {
	if raceEnabled {
		t.Skip("the race detector allocates")
	}
	tests := []struct {
		name, src string
		most      float64
	}{
		{"static", "flows: [{name: f, steps: [{name: a, path: /a, check: [{status: 200}]}]}]\n", 0},
		{"extract and render", "variables: {u: '{{ randInt 1 9 }}'}\nflows: [{name: f, steps: [{name: a, path: '/a/{{ u }}', extract: {t: {json: $.t}}}, {name: b, path: '/b/{{ t }}'}]}]\n", 8},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sc, err := Parse("a.yaml", []byte(tt.src))
			if err != nil {
				t.Fatal(err)
			}
			fp, err := sc.FlowPlan(PlanOptions{Target: testTarget, Seed: 1})
			if err != nil {
				t.Fatal(err)
			}
			it := fp.NewIteration()
			resp := &Response{Status: 200, Header: http.Header{}, Body: []byte(`{"t": "abc"}`)}
			var tgt vegeta.Target
			n := uint64(0)
			run := func() {
				n++
				if _, err := it.Start(n); err != nil {
					t.Fatal(err)
				}
				for i := range it.Steps() {
					if _, err := it.Request(i, &tgt); err != nil {
						t.Fatal(err)
					}
					it.Verify(i, resp)
				}
			}
			run()
			early := testing.AllocsPerRun(100, run)
			for range 10000 {
				run()
			}
			late := testing.AllocsPerRun(100, run)
			t.Logf("%.1f allocations per iteration, %.1f after 10,000", early, late)
			if early > tt.most || late > early {
				t.Errorf("got %.1f allocations per iteration early and %.1f after 10,000 iterations, want at most %.0f, not growing", early, late, tt.most)
			}
		})
	}
}

func TestRequestsPerIteration(t *testing.T) {
	tests := []struct {
		name, src string
		want      float64
		parks     bool
	}{
		{"one step", flowHead + "      - path: /a\n", 1, false},
		{"think times are not requests", flowHead + "      - path: /a\n      - think: 1s\n      - path: /b\n", 2, true},
		{"a poll parks", flowHead + "      - path: /t\n        extract: {s: {json: $.s}}\n        poll: {interval: 1s, timeout: 10s, until: 's == 1'}\n", 1, true},
		{"weighted", "rate: 5/s\nflows:\n  - name: a\n    weight: 3\n    steps:\n      - path: /a\n" +
			"  - name: b\n    weight: 1\n    steps:\n      - path: /a\n      - path: /b\n      - path: /c\n      - path: /d\n", 1.75, false},
		{"in turn: weighted too", "rate: 5/s\norder: sequential\nflows:\n  - name: a\n    weight: 3\n    steps:\n      - path: /a\n" +
			"  - name: b\n    steps:\n      - path: /a\n      - path: /b\n      - path: /c\n      - think: 1s\n", 1.5, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sc, err := Parse("my.yaml", []byte(tt.src))
			if err != nil {
				t.Fatal(err)
			}
			fp, err := sc.FlowPlan(PlanOptions{Target: testTarget})
			if err != nil {
				t.Fatal(err)
			}
			if got := fp.RequestsPerIteration(); got != tt.want {
				t.Errorf("RequestsPerIteration() = %v, want %v", got, tt.want)
			}
			if got := fp.Parks(); got != tt.parks {
				t.Errorf("Parks() = %v, want %v", got, tt.parks)
			}
		})
	}
}
