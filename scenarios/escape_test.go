package scenarios

import (
	"net/url"
	"strings"
	"testing"
)

// TestURLValuesEscaped: a value put into a path is path-segment escaped, into a query query
// escaped, and a filter overrides both; whatever the value, the URL parses back to it.
func TestURLValuesEscaped(t *testing.T) {
	tests := []struct {
		name, value, path, want string
	}{
		{"path segment", "50% off", "/echo/{{ v }}", "/echo/50%25%20off"},
		{"slash and question mark in a path", "a/b?c", "/echo/{{ v }}/x", "/echo/a%2Fb%3Fc/x"},
		{"query value", "50% off&x=1", "/echo?promo={{ v }}", "/echo?promo=50%25+off%26x%3D1"},
		{"query after a path value", "a b", "/e/{{ v }}?q={{ v }}", "/e/a%20b?q=a+b"},
		{"unreserved untouched", "Ab-9_.~", "/e/{{ v }}?q={{ v }}", "/e/Ab-9_.~?q=Ab-9_.~"},
		{"raw filter", "a/b", "/e/{{ v | raw }}", "/e/a/b"},
		{"urlencode filter in a path", "a/b c", "/e/{{ v | urlencode }}", "/e/a%2Fb+c"},
		{"pathescape filter in a query", "a b", "/e?q={{ v|pathescape }}", "/e?q=a%20b"},
		{"fragment left alone", "a b", "/e#{{ v }}", "/e#a b"},
		{"literal with a filter", "", `/e/{{ "x y" | urlencode }}`, "/e/x+y"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			src := "variables: {v: '" + tt.value + "'}\nrequests: [{name: r, path: '" + tt.path + "'}]\n"
			_, tgt := next(t, mustPlan(t, src, PlanOptions{}))
			if got := strings.TrimPrefix(tgt.URL, testTarget); got != tt.want {
				t.Fatalf("got %s, want %s", got, tt.want)
			}
			u, err := url.Parse(tgt.URL)
			if err != nil {
				t.Fatalf("%s does not parse: %v", tgt.URL, err)
			}
			if strings.Contains(tt.path, "{{ v }}?q") && u.Query().Get("q") != tt.value {
				t.Errorf("query q parses back to %q, want %q", u.Query().Get("q"), tt.value)
			}
		})
	}
}

// TestAbsoluteURLPathEscaped: in an absolute URL, the path starts after the authority.
func TestAbsoluteURLPathEscaped(t *testing.T) {
	src := "variables: {v: 'a b'}\nrequests: [{name: r, path: 'http://127.0.0.1:9999/x/{{ v }}'}]\n"
	_, tgt := next(t, mustPlan(t, src, PlanOptions{}))
	if want := "http://127.0.0.1:9999/x/a%20b"; tgt.URL != want {
		t.Errorf("got %s, want %s", tgt.URL, want)
	}
}

func TestFilterErrors(t *testing.T) {
	tests := []struct{ name, tmpl, want string }{
		{"unknown filter", "{{ v | shout }}", `unknown filter "shout", want one of raw, urlencode, pathescape, base64`},
		{"no value", "{{ | raw }}", "a filter needs a value before the |"},
		{"two escapes", "{{ v | raw | raw }}", "the escape filter (raw, urlencode, pathescape) comes last"},
		{"escape then transformation", "{{ v | urlencode | lower }}", "comes last"},
		{"no filter", "{{ v | }}", "want a filter after |"},
		{"pad without width", "{{ v | pad }}", "pad takes a width"},
		{"pad too wide", "{{ pad 65 v }}", "width 65 is out of range, want 1 to 64"},
		{"function without value", "{{ pad 6 }}", "pad takes a width and a value"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := parseTemplate(tt.tmpl)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("got %v, want an error containing %q", err, tt.want)
			}
		})
	}
}

// TestHeaderControlByteRefused: a header value with a control byte is bad input when the file
// is read (one a template renders at run time is a failed request of class build instead).
func TestHeaderControlByteRefused(t *testing.T) {
	_, err := Parse("h.yaml", []byte("headers: {X-A: \"a\\0b\"}\nrequests: [{path: /a}]\n"))
	if err == nil || !strings.Contains(err.Error(), "header X-A: a value cannot contain the control byte 0x00") {
		t.Errorf("got %v, want the control byte refused", err)
	}
}
