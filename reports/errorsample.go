package reports

import (
	"strings"
	"unicode"

	"github.com/loadtestdev/loadtest/results"
)

// errorBody is an error sample's response body on one line for a report: whitespace runs
// become one space, other control characters "�" (a body must not drive a terminal), and
// a body cut at results.MaxErrorBody bytes ends with "…". "" when the sample kept no body.
func errorBody(e results.ErrorCount) string {
	if e.Body == "" {
		return ""
	}
	clean := strings.Map(func(r rune) rune {
		switch {
		case unicode.IsSpace(r):
			return ' '
		case unicode.IsControl(r):
			return '\uFFFD'
		}
		return r
	}, e.Body)
	clean = strings.Join(strings.Fields(clean), " ")
	if e.BodyTruncated {
		clean += "…"
	}
	return clean
}

// errorBodyLines are the lines the text report prints under its error table: one per
// sample that kept a body, "  CLASS body: BODY".
func errorBodyLines(errs []results.ErrorCount) []string {
	var lines []string
	for _, e := range errs {
		if b := errorBody(e); b != "" {
			lines = append(lines, "  "+e.Class+" body: "+b)
		}
	}
	return lines
}

// anyErrorBody reports whether some sample kept a body, so that the tables of Markdown and
// HTML add their body column only then.
func anyErrorBody(errs []results.ErrorCount) bool {
	for _, e := range errs {
		if e.Body != "" {
			return true
		}
	}
	return false
}
