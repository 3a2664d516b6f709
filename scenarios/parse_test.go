package scenarios

import (
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"
)

func TestParseFull(t *testing.T) {
	src := `name: shop
description: a shop
target: http://127.0.0.1:9000/api/
rate: 30/m
timeout: 2s
connections: 8
http2: true
order: sequential
feeder: users.csv
headers:
  x-api-key: secret
variables:
  uid: "{{ randInt 1 10 }}"
requests:
  - path: /items/{{ uid }}
  - name: buy
    weight: 3
    method: post
    path: /buy
    headers: {content-type: application/json}
    body: |
      {"uid": {{ uid }}, "email": "{{ csv.email }}"}
thresholds: ["p99 < 100ms", "errors < 1%"]
`
	got, err := Parse("shop.yaml", []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	want := &Scenario{
		Name: "shop", Description: "a shop", Source: "shop.yaml", Target: "http://127.0.0.1:9000/api/",
		Rate: Rate{30, time.Minute}, Duration: DefaultDuration, Timeout: 2 * time.Second,
		Connections: 8, HTTP2: true, Order: OrderSequential, Feeder: "users.csv",
		Headers:   map[string]string{"X-Api-Key": "secret"},
		Variables: map[string]string{"uid": "{{ randInt 1 10 }}"},
		Requests: []Request{
			{Name: "GET /items/{{ uid }}", Weight: 1, Method: "GET", Path: "/items/{{ uid }}"},
			{Name: "buy", Weight: 3, Method: "POST", Path: "/buy", Headers: map[string]string{"Content-Type": "application/json"}, ContentType: "application/json",
				Body: "{\"uid\": {{ uid }}, \"email\": \"{{ csv.email }}\"}\n"},
		},
		Thresholds: []string{"p99 < 100ms", "errors < 1%"},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got\n%+v\nwant\n%+v", got, want)
	}
}

func TestParseStages(t *testing.T) {
	src := "stages:\n  - {duration: 10s, rate: 100/s}\n  - {duration: 20s, rate: 500}\n  - {duration: 5s, rate: 0}\nrequests: [{path: /echo}]\n"
	got, err := Parse("ramp.yaml", []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	wantStages := []Stage{{10 * time.Second, Rate{100, time.Second}}, {20 * time.Second, Rate{500, time.Second}}, {5 * time.Second, Rate{}}}
	if !reflect.DeepEqual(got.Stages, wantStages) {
		t.Errorf("got stages %+v, want %+v", got.Stages, wantStages)
	}
	if got.Duration != 35*time.Second {
		t.Errorf("got duration %v, want the stages' sum 35s", got.Duration)
	}
	if got.Name != "ramp" {
		t.Errorf("got name %q, want the file's base name ramp", got.Name)
	}
}

func TestParseRate(t *testing.T) {
	tests := []struct {
		in      string
		want    Rate
		wantErr bool
	}{
		{"500/s", Rate{500, time.Second}, false},
		{"500/1s", Rate{500, time.Second}, false},
		{"30/m", Rate{30, time.Minute}, false},
		{"2/h", Rate{2, time.Hour}, false},
		{"50/100ms", Rate{50, 100 * time.Millisecond}, false},
		{"500", Rate{500, time.Second}, false},
		{" 7 / 2s ", Rate{7, 2 * time.Second}, false},
		{"0", Rate{}, false},
		{"0/s", Rate{}, false},
		{"fast", Rate{}, true},
		{"-5/s", Rate{}, true},
		{"1.5/s", Rate{}, true},
		{"5/0s", Rate{}, true},
		{"5/-1s", Rate{}, true},
		{"5/parsec", Rate{}, true},
		{"", Rate{}, true},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := ParseRate(tt.in)
			if (err != nil) != tt.wantErr {
				t.Fatalf("got error %v, want error %v", err, tt.wantErr)
			}
			if got != tt.want {
				t.Errorf("got %+v, want %+v", got, tt.want)
			}
			if err == nil {
				if back, _ := ParseRate(got.String()); back != got {
					t.Errorf("String %q does not parse back: got %+v", got.String(), back)
				}
			}
		})
	}
}

func TestParseErrors(t *testing.T) {
	const reqs = "requests: [{path: /echo}]\n"
	tests := []struct {
		name  string
		src   string
		want  string // the whole message starts with this
		field string
	}{
		{"bad rate", "name: x\nrate: fast\n" + reqs, `scenario my.yaml:2: rate "fast" is not a rate, want e.g. 500/s`, "rate"},
		{"unknown field", "rat: 5/s\n" + reqs, `scenario my.yaml:1: unknown field "rat", want one of name, description,`, "rat"},
		{"did you mean", "rat: 5/s\n" + reqs, `scenario my.yaml:1: unknown field "rat", want one of name, description, target, rate, stages, duration, timeout, connections, http2, hosts, headers, feeder, order, variables, requests, thresholds, flows, max_sessions, follow_redirects, max_response_body, tls; did you mean "rate"?`, "rat"},
		{"unknown request field", "requests:\n  - path: /b\n  - path: /a\n    methd: GET\n", `scenario my.yaml:4: unknown field "methd", want one of name, weight, method, path, headers, body, form, multipart, json, follow_redirects; did you mean "method"?`, "requests[1].methd"},
		{"duplicate field", "rate: 1/s\nrate: 2/s\n" + reqs, `scenario my.yaml:2: field "rate" appears twice (first at line 1)`, "rate"},
		{"no requests", "name: x\n", `scenario my.yaml:1: no requests`, "requests"},
		{"empty requests", "requests: []\n", `scenario my.yaml:1: no requests`, "requests"},
		{"empty file", "", `scenario my.yaml: the file is empty`, ""},
		{"not a mapping", "- a\n- b\n", `scenario my.yaml:1: a scenario is a mapping`, ""},
		{"yaml syntax", "name: [x\n", `scenario my.yaml:`, ""},
		{"two documents", reqs + "---\n" + reqs, `scenario my.yaml:2: more than one YAML document`, ""},
		{"rate and stages", "rate: 5/s\nstages: [{duration: 1s, rate: 5/s}]\n" + reqs, `scenario my.yaml:2: rate and stages are exclusive`, "stages"},
		{"duration and stages", "duration: 5s\nstages: [{duration: 1s, rate: 5/s}]\n" + reqs, `scenario my.yaml:1: duration and stages are exclusive`, "duration"},
		{"stage without rate", "stages:\n  - duration: 1s\n" + reqs, `scenario my.yaml:2: a stage needs both duration and rate`, "stages[0]"},
		{"stage bad rate", "stages:\n  - {duration: 1s, rate: x}\n" + reqs, `scenario my.yaml:2: rate "x" is not a rate`, "stages[0].rate"},
		{"bad duration", "duration: 10\n" + reqs, `scenario my.yaml:1: duration "10" is not a duration, want e.g. 30s or 1m30s`, "duration"},
		{"negative duration", "duration: -1s\n" + reqs, `scenario my.yaml:1: duration -1s must be positive`, "duration"},
		{"zero timeout", "timeout: 0s\n" + reqs, `scenario my.yaml:1: timeout 0s must be positive`, "timeout"},
		{"bad connections", "connections: many\n" + reqs, `scenario my.yaml:1: connections "many" is not a whole number`, "connections"},
		{"zero connections", "connections: 0\n" + reqs, `scenario my.yaml:1: connections 0 is out of range, want 1 to 1000000`, "connections"},
		{"too many connections", "connections: 1000001\n" + reqs, `scenario my.yaml:1: connections 1000001 is out of range, want 1 to 1000000`, "connections"},
		{"negative connections", "connections: -3\n" + reqs, `scenario my.yaml:1: connections -3 is out of range, want 1 to 1000000`, "connections"},
		{"bad http2", "http2: yes\n" + reqs, `scenario my.yaml:1: http2 "yes" is not true or false`, "http2"},
		{"bad order", "order: shuffled\n" + reqs, `scenario my.yaml:1: order "shuffled" is not random or sequential`, "order"},
		{"bad target", "target: localhost:8080\n" + reqs, `scenario my.yaml:1: target "localhost:8080" is not an http URL`, "target"},
		{"name as list", "name: [a]\n" + reqs, `scenario my.yaml:1: name must be a single value, got a list`, "name"},
		{"null name", "name:\n" + reqs, `scenario my.yaml:1: name has no value`, "name"},
		{"requests mapping", "requests: {path: /x}\n", `scenario my.yaml:1: requests must be a list`, "requests"},
		{"request scalar", "requests: [x]\n", `scenario my.yaml:1: a request is a mapping`, "requests[0]"},
		{"no path", "requests:\n  - name: a\n", `scenario my.yaml:2: a request needs a path`, "requests[0].path"},
		{"relative path", "requests:\n  - path: echo\n", `scenario my.yaml:2: path "echo" must start with /`, "requests[0].path"},
		{"templated host", "requests:\n  - path: http://{{ uuid }}.example.com/x\n", `scenario my.yaml:2: path "http://{{ uuid }}.example.com/x": the host of an absolute URL cannot be a template`, "requests[0].path"},
		{"absolute url port out of range", "requests:\n  - path: http://127.0.0.1:99999/x\n", `scenario my.yaml:2: path "http://127.0.0.1:99999/x": "http://127.0.0.1:99999" has port 99999, want a port from 1 to 65535`, "requests[0].path"},
		{"templated host", "requests:\n  - path: http://{{ uuid }}/x\n", `scenario my.yaml:2: path "http://{{ uuid }}/x": the host of an absolute URL cannot be a template`, "requests[0].path"},
		{"bad method", "requests:\n  - path: /x\n    method: FETCH\n", `scenario my.yaml:3: method "FETCH" is not an HTTP method, want one of GET, HEAD, POST, PUT, PATCH, DELETE, OPTIONS`, "requests[0].method"},
		{"zero weight", "requests:\n  - path: /x\n    weight: 0\n", `scenario my.yaml:3: weight 0 is out of range, want 1 to 1000000`, "requests[0].weight"},
		{"negative weight", "requests:\n  - path: /x\n    weight: -2\n", `scenario my.yaml:3: weight -2 is out of range`, "requests[0].weight"},
		{"duplicate names", "requests:\n  - {name: a, path: /x}\n  - {name: a, path: /y}\n", `scenario my.yaml:3: request name "a" is used twice (first at line 2)`, "requests[1].name"},
		{"duplicate default names", "requests:\n  - {path: /x}\n  - {path: /x, body: hi}\n", `scenario my.yaml:3: request name "GET /x" is used twice (first at line 2)`, "requests[1].name"},
		{"body mapping", "requests:\n  - path: /x\n    body: {a: 1}\n", `scenario my.yaml:3: body must be text, got a mapping`, "requests[0].body"},
		{"bad header name", "headers:\n  \"bad header\": x\n" + reqs, `scenario my.yaml:2: "bad header" is not a valid header name`, "headers"},
		{"duplicate header", "headers:\n  Accept: a\n  accept: b\n" + reqs, `scenario my.yaml:3: header "accept" appears twice (first at line 2)`, "headers.accept"},
		{"header list", "headers: [a]\n" + reqs, `scenario my.yaml:1: headers must be a mapping`, "headers"},
		{"thresholds mapping", "thresholds: {p99: 1}\n" + reqs, `scenario my.yaml:1: thresholds must be a list`, "thresholds"},
		{"empty threshold", "thresholds: [\"\"]\n" + reqs, `scenario my.yaml:1: threshold 1 is empty`, "thresholds[0]"},
		{"variable name", "variables:\n  2x: a\n" + reqs, `scenario my.yaml:2: "2x" is not a variable name`, "variables"},
		{"variable is function", "variables:\n  uuid: a\n" + reqs, `scenario my.yaml:2: "uuid" is a template function`, "variables.uuid"},
		// templates
		{"unknown function", "requests:\n  - path: /u/{{ randint 1 10 }}\n", `scenario my.yaml:2: requests[0].path: unknown function "randint", want one of randInt, randIntExcept, choice, counter, uuid, token, csv`, "requests[0].path"},
		{"unknown variable", "requests:\n  - path: /u/{{ uid }}\n", `scenario my.yaml:2: requests[0].path: unknown function or variable "uid", want one of randInt,`, "requests[0].path"},
		{"misspelt variable", "variables: {uid: \"1\"}\nrequests:\n  - path: /u/{{ ui }}\n", `scenario my.yaml:3: requests[0].path: unknown function or variable "ui", want one of randInt, randIntExcept, choice, counter, uuid, token, csv, base64, base64url, lower, upper, pad or a variable (uid); did you mean "uid"?`, "requests[0].path"},
		{"randInt arity", "requests:\n  - path: /u/{{ randInt 1 }}\n", `scenario my.yaml:2: requests[0].path: randInt takes two integers, MIN and MAX, got 1 argument(s)`, "requests[0].path"},
		{"randInt not int", "requests:\n  - path: /u/{{ randInt 1 x }}\n", `scenario my.yaml:2: requests[0].path: randInt: x is not an integer`, "requests[0].path"},
		{"randInt reversed", "requests:\n  - path: /u/{{ randInt 10 1 }}\n", `scenario my.yaml:2: requests[0].path: randInt: min 10 is greater than max 1`, "requests[0].path"},
		{"randInt too wide", "requests:\n  - path: /u/{{ randInt -9223372036854775808 9223372036854775807 }}\n", `scenario my.yaml:2: requests[0].path: randInt: range`, "requests[0].path"},
		{"randIntExcept single", "requests:\n  - path: /u/{{ randIntExcept 3 3 3 }}\n", `scenario my.yaml:2: requests[0].path: randIntExcept: min and max are both 3`, "requests[0].path"},
		{"choice empty", "requests:\n  - path: /u/{{ choice }}\n", `scenario my.yaml:2: requests[0].path: choice takes one or more literals`, "requests[0].path"},
		{"choice variable", "variables: {v: a}\nrequests:\n  - path: /u/{{ choice v }}\n", `scenario my.yaml:3: requests[0].path: choice: v is not a quoted string or integer`, "requests[0].path"},
		{"counter args", "requests:\n  - path: /u/{{ counter 5 }}\n", `scenario my.yaml:2: requests[0].path: counter takes no arguments`, "requests[0].path"},
		{"token string", "requests:\n  - path: /u\n    headers: {Authorization: \"{{ token \\\"x\\\" }}\"}\n", `scenario my.yaml:3: requests[0].headers.Authorization: token: "x" is not an integer or a variable`, "requests[0].headers.Authorization"},
		{"token zero", "requests:\n  - path: /u\n    body: \"{{ token 0 }}\"\n", `scenario my.yaml:3: requests[0].body: token: user id 0 must be positive`, "requests[0].body"},
		{"unclosed", "requests:\n  - path: /u/{{ uuid\n", `scenario my.yaml:2: requests[0].path: unclosed "{{ uuid": every {{ needs a }}`, "requests[0].path"},
		{"empty action", "requests:\n  - path: /u/{{ }}\n", `scenario my.yaml:2: requests[0].path: empty {{ }}`, "requests[0].path"},
		{"unterminated string", "requests:\n  - path: /u/{{ choice \"a }}\n", `scenario my.yaml:2: requests[0].path: unterminated string`, "requests[0].path"},
		{"bad word", "requests:\n  - path: /u/{{ a+b }}\n", `scenario my.yaml:2: requests[0].path: "a+b" is not a function, variable, integer or quoted string`, "requests[0].path"},
		{"literal args", "requests:\n  - path: /u/{{ \"a\" 1 }}\n", `scenario my.yaml:2: requests[0].path: a literal takes no arguments`, "requests[0].path"},
		{"csv without feeder", "requests:\n  - path: /u/{{ csv.email }}\n", `scenario my.yaml:2: requests[0].path: csv.email needs a feeder`, "requests[0].path"},
		{"csv bad column", "feeder: f.csv\nrequests:\n  - path: /u/{{ csv.e-mail }}\n", `scenario my.yaml:3: requests[0].path: "csv.e-mail" is not a column reference`, "requests[0].path"},
		{"line inside block", "requests:\n  - path: /u\n    method: POST\n    body: |\n      line one\n      line two {{ nope 1 }}\n", `scenario my.yaml:6: requests[0].body: unknown function "nope"`, "requests[0].body"},
		{"variable cycle", "variables:\n  a: \"{{ b }}\"\n  b: \"{{ a }}\"\n" + reqs, `scenario my.yaml:2: variables a → b → a refer to each other in a cycle`, "variables.a"},
		{"variable self", "variables:\n  a: \"x{{ a }}\"\n" + reqs, `scenario my.yaml:2: variables a → a refer to each other in a cycle`, "variables.a"},
		{"header template", "headers:\n  X-Id: \"{{ uuid 1 }}\"\n" + reqs, `scenario my.yaml:2: headers.X-Id: uuid takes no arguments`, "headers.X-Id"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			wantParseError(t, tt.src, tt.want, tt.field)
		})
	}
}

func TestParseAliases(t *testing.T) {
	src := `common: &h {Accept: text/plain}
requests: [{path: /x, headers: *h}]
`
	if _, err := Parse("a.yaml", []byte(src)); err == nil || !strings.Contains(err.Error(), `unknown field "common"`) {
		t.Errorf("got %v, want unknown field common", err)
	}
	src = `requests:
  - {name: a, path: /x, headers: &h {Accept: text/plain}}
  - {name: b, path: /y, headers: *h}
`
	sc, err := Parse("a.yaml", []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	if got := sc.Requests[1].Headers["Accept"]; got != "text/plain" {
		t.Errorf("got aliased header %q, want text/plain", got)
	}
}

// TestReadmeExample keeps the README's example scenario valid: it parses, plans and renders.
func TestReadmeExample(t *testing.T) {
	readme, err := os.ReadFile("../README.md")
	if err != nil {
		t.Fatal(err)
	}
	_, rest, ok := strings.Cut(string(readme), "### An example\n\n```yaml\n")
	example, _, ok2 := strings.Cut(rest, "```")
	if !ok || !ok2 {
		t.Fatal("README has no example under \"### An example\"")
	}
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "users.csv"), []byte("email\na@x.test\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	sc, err := Parse(filepath.Join(dir, "shop.yaml"), []byte(example))
	if err != nil {
		t.Fatal(err)
	}
	p, err := sc.Plan(PlanOptions{Secret: testSecret})
	if err != nil {
		t.Fatal(err)
	}
	for range 50 {
		i, tgt := next(t, p)
		if p.names[i] == "buy" && !json.Valid(tgt.Body) {
			t.Errorf("got body %q, want JSON", tgt.Body)
		}
		if !strings.HasPrefix(tgt.URL, "http://127.0.0.1:8080/") {
			t.Errorf("got URL %q, want the example's target", tgt.URL)
		}
	}
}

// wantParseError parses src as my.yaml and checks the error: an *Error whose message starts
// with want and that names field.
func wantParseError(t *testing.T, src, want, field string) {
	t.Helper()
	_, err := Parse("my.yaml", []byte(src))
	if err == nil {
		t.Fatalf("got no error, want %q", want)
	}
	if !strings.HasPrefix(err.Error(), want) {
		t.Errorf("got  %q\nwant %q...", err, want)
	}
	var se *Error
	if !errors.As(err, &se) {
		t.Fatalf("got %T, want *Error", err)
	}
	if se.Field != field {
		t.Errorf("got field %q, want %q", se.Field, field)
	}
}
