package reports

import (
	"fmt"
	"io"
	"net/http"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/loadtestdev/loadtest/engine"
	"github.com/loadtestdev/loadtest/results"
	"github.com/loadtestdev/loadtest/scenarios"
)

// Redacted stands for a secret's value in a debug trace printed without --debug=full.
const Redacted = "[redacted]"

// secretHeaders are the headers whose values a debug trace redacts unless full: credentials
// and session cookies (k6's and Artillery's debug output print them; a terminal scrolls into
// CI logs and bug reports).
var secretHeaders = map[string]func(string) string{
	"Authorization":       redactCredentials,
	"Proxy-Authorization": redactCredentials,
	"Cookie":              redactCookie,
	"Set-Cookie":          redactSetCookie,
}

// DebugTrace returns the engine.Tracer of `loadtest run --debug`: it prints each request and
// response to w with their headers and the first engine.TraceBodyBytes of each body, then each
// flow step's checks, extracted values and verdict. Secret headers (Authorization,
// Proxy-Authorization, Cookie, Set-Cookie) show Redacted for their values unless full; the
// cookies' names and a credential's scheme stay. A write error is kept and returned by Err.
func DebugTrace(w io.Writer, full bool) *DebugTracer {
	return &DebugTracer{w: w, full: full}
}

// DebugTracer prints a debug run's trace (DebugTrace).
type DebugTracer struct {
	w    io.Writer
	full bool
	err  error
}

// Err is the first error writing the trace.
func (d *DebugTracer) Err() error { return d.err }

func (d *DebugTracer) printf(format string, args ...any) {
	if d.err == nil {
		_, d.err = fmt.Fprintf(d.w, format, args...)
	}
}

// Request prints "--> METHOD URL", the headers and the body.
func (d *DebugTracer) Request(r engine.TraceRequest) {
	d.printf("--> %s %s\n", r.Method, r.URL)
	d.headers(r.Header)
	d.body(r.Body, r.BodyBytes)
}

// Response prints "<-- STATUS PROTO (duration)", the headers and the body, or the error.
func (d *DebugTracer) Response(r engine.TraceResponse) {
	if r.Err != nil {
		d.printf("<-- error after %s: %v\n\n", r.Duration.Round(time.Microsecond), r.Err)
		return
	}
	d.printf("<-- %s %s (%s)\n", r.Proto, r.Status, r.Duration.Round(time.Microsecond))
	d.headers(r.Header)
	d.body(r.Body, r.BodyBytes)
}

// Step prints a flow step's checks and extractions, the values extracted and its verdict.
func (d *DebugTracer) Step(s engine.TraceStep) {
	verdict := "passed"
	if s.Skipped {
		d.printf("=== step %s: skipped (when), not sent\n\n", s.Name)
		return
	}
	if !s.OK {
		verdict = "FAILED (" + s.Class + "): " + s.Message
	}
	if s.Note != "" {
		verdict += " (" + s.Note + ")"
	}
	d.printf("=== step %s: %s\n", s.Name, verdict)
	for _, c := range s.Checks {
		if c.Pass {
			d.printf("    pass  %s\n", c.Name)
		} else {
			d.printf("    FAIL  %s: saw %s\n", c.Name, c.Seen)
		}
	}
	for _, v := range s.Extracted {
		if !d.full && secretSource(v) {
			d.printf("    %s = %s (from %s %s)\n", v.Name, Redacted, v.Source, v.Expr)
			continue
		}
		d.printf("    %s = %q\n", v.Name, v.Value)
	}
	d.printf("\n")
}

func (d *DebugTracer) headers(h map[string][]string) {
	names := make([]string, 0, len(h))
	for k := range h {
		names = append(names, k)
	}
	slices.Sort(names)
	for _, k := range names {
		for _, v := range h[k] {
			if redact, ok := secretHeaders[k]; ok && !d.full {
				v = redact(v)
			}
			d.printf("    %s: %s\n", k, v)
		}
	}
}

// body prints the kept start of a body of n bytes: as text when it is UTF-8, else its size.
func (d *DebugTracer) body(kept []byte, n int64) {
	if n == 0 {
		d.printf("\n")
		return
	}
	text := trimPartialRune(kept)
	if !utf8.Valid(text) {
		d.printf("\n    (binary body, %d bytes)\n\n", n)
		return
	}
	d.printf("\n")
	for _, line := range strings.Split(strings.TrimSuffix(string(text), "\n"), "\n") {
		d.printf("    %s\n", line)
	}
	if n > int64(len(kept)) {
		d.printf("    ... (%d bytes, the first %d shown)\n", n, len(kept))
	}
	d.printf("\n")
}

// trimPartialRune drops the incomplete UTF-8 sequence a cut at a byte count may leave at the end.
func trimPartialRune(b []byte) []byte {
	for i := 1; i <= 3 && i <= len(b); i++ {
		if utf8.RuneStart(b[len(b)-i]) {
			if !utf8.FullRune(b[len(b)-i:]) {
				return b[:len(b)-i]
			}
			break
		}
	}
	return b
}

// redactCredentials keeps the scheme of "Scheme credentials" (Bearer, Basic).
func redactCredentials(v string) string {
	if scheme, _, ok := strings.Cut(v, " "); ok {
		return scheme + " " + Redacted
	}
	return Redacted
}

// redactCookie keeps the names of "a=1; b=2".
func redactCookie(v string) string {
	parts := strings.Split(v, ";")
	for i, p := range parts {
		name, _, _ := strings.Cut(strings.TrimSpace(p), "=")
		parts[i] = name + "=" + Redacted
	}
	return strings.Join(parts, "; ")
}

// redactSetCookie keeps the name and the attributes of "a=1; Path=/; HttpOnly".
func redactSetCookie(v string) string {
	pair, attrs, more := strings.Cut(v, ";")
	name, _, _ := strings.Cut(pair, "=")
	if more {
		return name + "=" + Redacted + ";" + attrs
	}
	return name + "=" + Redacted
}

// secretSource says whether an extracted value came from a cookie or a secret header, whose
// values the trace redacts.
func secretSource(v scenarios.ExtractedValue) bool {
	switch v.Source {
	case scenarios.FromCookie:
		return true
	case scenarios.FromHeader:
		_, secret := secretHeaders[http.CanonicalHeaderKey(v.Expr)]
		return secret
	}
	return false
}

// DebugVerdict prints the verdict of a debug run to w, with its errors (class, count, sample),
// and reports whether it passed: every request succeeded and every check and extraction passed
// (a failed one fails its request).
func DebugVerdict(w io.Writer, r *results.Result) (bool, error) {
	failed := r.Requests - r.Successes
	pass := r.Requests > 0 && failed == 0
	verdict := "passed"
	if !pass {
		verdict = "FAILED"
	}
	msg := fmt.Sprintf("debug: %s: %d request(s), %d failed", verdict, r.Requests, failed)
	if r.Checks != nil {
		msg += fmt.Sprintf("; checks %d passed, %d failed", r.Checks.Passes, r.Checks.Fails)
	}
	if r.Requests == 0 {
		msg += " (no request was sent)"
	}
	for _, e := range r.Errors {
		msg += fmt.Sprintf("\n    %d× %s: %s", e.Count, e.Class, e.Message)
	}
	_, err := fmt.Fprintln(w, msg)
	return pass, err
}
