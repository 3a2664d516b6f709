package reports

import (
	"bytes"
	"html"
	"strings"
	"testing"

	"github.com/loadtestdev/loadtest/results"
)

func TestErrorBody(t *testing.T) {
	tests := []struct {
		name string
		in   results.ErrorCount
		want string
	}{
		{"no body", results.ErrorCount{Class: "timeout"}, ""},
		{"json on one line", results.ErrorCount{Body: "{\"error\":\n\t\"bad token signature\"}"}, `{"error": "bad token signature"}`},
		{"terminal escapes defused", results.ErrorCount{Body: "oops\x1b[2J\x00"}, "oops\uFFFD[2J\uFFFD"},
		{"cut body", results.ErrorCount{Body: "aaaa", BodyTruncated: true}, "aaaa…"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := errorBody(tt.in); got != tt.want {
				t.Errorf("got %q, want %q", got, tt.want)
			}
		})
	}
}

func TestHTMLShowsErrorBodies(t *testing.T) {
	r := fixtureResult(t)
	var buf bytes.Buffer
	if err := HTML(&buf, r); err != nil {
		t.Fatal(err)
	}
	want := html.EscapeString(errorBody(r.Errors[0]))
	if r.Errors[0].Body == "" || !strings.Contains(buf.String(), want) {
		t.Errorf("the page does not show the sample's body %q", want)
	}
}
