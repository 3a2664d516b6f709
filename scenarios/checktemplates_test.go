package scenarios

import (
	"net/http"
	"strings"
	"testing"
)

// TestCheckTemplates: every check's expected value is a template, rendered with the
// iteration's values: body_contains, equals and matches of json and header checks. A value in
// matches matches itself (its metacharacters are quoted) unless it says | raw.
func TestCheckTemplates(t *testing.T) {
	src := `hosts: {api: 'http://127.0.0.1:7001'}
flows:
  - name: f
    steps:
      - name: login
        path: /login
        extract: {me: {json: $.user}, pat: {json: $.pattern}}
      - name: page
        path: /page
        check:
          - {name: span, body_contains: '<span id="uid">{{ me }}</span>'}
          - {name: json equals, json: $.user, equals: '{{ me }}'}
          - {name: json matches, json: $.tag, matches: '^{{ me }}-\d+$'}
          - {name: header equals, header: X-User, equals: '{{ me }}'}
          - {name: header matches, header: X-User, matches: '^{{ me }}$'}
          - {name: raw regexp, header: X-Id, matches: '^{{ pat | raw }}$'}
          - {name: host, header: Link, equals: '{{ hosts.api }}/next'}
          - {name: literal braces, body_contains: '{{ "{{" }}x'}
          - {name: host matches, header: Link, matches: '^{{ hosts.api }}/'}
`
	sc, err := Parse("c.yaml", []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	fp, err := sc.FlowPlan(PlanOptions{Target: testTarget})
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name   string
		user   string // extracted at login
		body   string
		header http.Header
		failed []string
	}{
		{"all pass", "a.b", `{"user":"a.b","tag":"a.b-12"} <span id="uid">a.b</span> {{x`,
			http.Header{"X-User": {"a.b"}, "X-Id": {"x77"}, "Link": {"http://127.0.0.1:7001/next"}}, nil},
		{"another user", "a.b", `{"user":"c","tag":"aXb-12"} <span id="uid">c</span>`,
			http.Header{"X-User": {"aXb"}, "X-Id": {"77"}, "Link": {"/next"}},
			[]string{"span", "json equals", "json matches", "header equals", "header matches", "raw regexp", "host", "literal braces", "host matches"}},
		{"host quoted in matches", "a.b", `{"user":"a.b","tag":"a.b-1"} <span id="uid">a.b</span> {{x`,
			http.Header{"X-User": {"a.b"}, "X-Id": {"x7"}, "Link": {"http://127X0X0X1:7001/next"}}, []string{"host", "host matches"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			it := fp.NewIteration()
			if _, err := it.Start(0); err != nil {
				t.Fatal(err)
			}
			it.Verify(0, &Response{Status: 200, Header: http.Header{}, Body: []byte(`{"user":"` + tt.user + `","pattern":"x\\d+"}`)})
			outs := it.Verify(1, &Response{Status: 200, Header: tt.header, Body: []byte(tt.body)})
			checks := fp.Flows()[0].Checks
			var failed []string
			for _, o := range outs {
				if !o.Pass {
					failed = append(failed, checks[o.Check].Name)
				}
			}
			if strings.Join(failed, ",") != strings.Join(tt.failed, ",") {
				t.Errorf("got failures %q, want %q", failed, tt.failed)
			}
		})
	}
}

func TestCheckTemplateErrors(t *testing.T) {
	tests := []struct{ name, check, want string }{
		{"unknown in body_contains", `{body_contains: '{{ nobody }}'}`, `check[0].body_contains: "nobody" is not extracted by an earlier step`},
		{"unknown in matches", `{header: X, matches: '^{{ nobody }}$'}`, `check[0].matches: "nobody" is not extracted`},
		{"bad regexp around a value", `{header: X, matches: '({{ me }}'}`, `is not a regular expression`},
		{"unclosed", `{body_contains: 'a {{ me'}`, `unclosed`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			src := "flows:\n  - name: f\n    steps:\n      - {path: /a, extract: {me: {header: X}}}\n      - path: /b\n        check:\n          - " + tt.check + "\n"
			_, err := Parse("e.yaml", []byte(src))
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("got %v, want an error containing %q", err, tt.want)
			}
		})
	}
}
