package scenarios

import (
	"bytes"
	"fmt"
	"net/http"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/tidwall/gjson"
)

// planCheck is a compiled check.
type planCheck struct {
	Check
	path     string // gjson path of a json check
	wildcard bool
	re       *regexp.Regexp // matches
	value    []op           // equals, matches or body_contains, when it has templates
}

// planExtract is a compiled extraction into value slot slot.
type planExtract struct {
	Extract
	slot     int
	path     string
	wildcard bool
	re       *regexp.Regexp
}

func (c *compiler) compileCheck(ch Check, field string) (planCheck, error) {
	src, key := ch.Value, string(ch.Test)
	switch {
	case ch.Kind == CheckBodyContains:
		src, key = ch.Text, string(CheckBodyContains)
	case ch.Test != TestEquals && ch.Test != TestMatches:
		return compileCheck(ch)
	}
	if ch.Test == TestMatches {
		c.quoteHosts = regexp.QuoteMeta
		defer func() { c.quoteHosts = nil }()
	}
	ops, err := c.template(field+"."+key, src)
	if err != nil {
		return planCheck{}, err
	}
	text, static := staticText(ops)
	if static { // the text with {{ "{{" }} and hosts put in
		if ch.Kind == CheckBodyContains {
			ch.Text = text
		} else {
			ch.Value = text
		}
	}
	pc, err := compileCheck(ch)
	if err != nil || static {
		return pc, err
	}
	if ch.Test == TestMatches {
		markRegexp(ops)
		pc.re = nil
	}
	pc.value = ops
	return pc, nil
}

// matchSkeleton is a matches test's text with each template action stood in for by "0", to
// check the regular expression around them when the scenario is parsed.
func matchSkeleton(src string) string {
	ops, err := parseTemplate(src)
	if err != nil {
		return src // the template error is reported by checkTemplates
	}
	var b strings.Builder
	for _, o := range ops {
		if o.kind == opText {
			b.WriteString(o.text)
		} else {
			b.WriteByte('0')
		}
	}
	return b.String()
}

func compileCheck(c Check) (planCheck, error) {
	pc := planCheck{Check: c}
	var err error
	if c.Kind == CheckJSON {
		if pc.path, pc.wildcard, err = jsonPath(c.Path); err != nil {
			return pc, err
		}
	}
	if c.Kind == CheckHeader {
		pc.Header = http.CanonicalHeaderKey(c.Header)
	}
	if c.Test == TestMatches {
		if pc.re, err = compileMatch(c.Value); err != nil {
			return pc, err
		}
	}
	return pc, nil
}

// compileMatch compiles the regular expression of a matches test.
func compileMatch(expr string) (*regexp.Regexp, error) {
	re, err := regexp.Compile(expr)
	if err != nil {
		return nil, fmt.Errorf("matches %q is not a regular expression (RE2 syntax): %v", expr, strings.TrimPrefix(err.Error(), "error parsing regexp: "))
	}
	return re, nil
}

// Verify runs step i's checks, then its extractions, on resp; the values extracted are kept
// for the later steps of the iteration. It returns one Outcome per check and extraction, in
// the flow's check order (the slice is reused by the next call).
func (it *Iteration) Verify(i int, resp *Response) []Outcome {
	st := &it.flow.steps[i]
	it.out = it.out[:0]
	for k := range st.checks {
		c := &st.checks[k]
		want := c.Value
		if c.value != nil {
			h := &it.h
			var err error
			if h.out, err = it.fp.base.render(h, h.out[:0], c.value); err != nil {
				it.out = append(it.out, Outcome{Check: st.first + k, Seen: err.Error()})
				continue
			}
			want = string(h.out)
		}
		pass, seen := c.testWith(resp, want)
		it.out = append(it.out, Outcome{Check: st.first + k, Pass: pass, Seen: seen})
	}
	for k := range st.extracts {
		e := &st.extracts[k]
		val, kind, ok := it.extract(e, resp)
		o := Outcome{Check: st.first + len(st.checks) + k, Pass: ok}
		if ok {
			setValue(it, e.slot, val, kind)
		} else {
			o.Seen = e.missing(resp)
		}
		it.out = append(it.out, o)
	}
	return it.out
}

// extract reads an extraction's value and how a condition types it: a JSON string, a header,
// a cookie or a regex group is a string, another JSON value keeps its JSON type, a status is
// an int.
func (it *Iteration) extract(e *planExtract, resp *Response) (string, valueKind, bool) {
	switch e.Source {
	case FromStatus:
		return strconv.Itoa(resp.Status), valueInt, true
	case FromHeader:
		v := resp.Header.Values(e.Expr)
		if len(v) == 0 {
			return "", valueUnset, false
		}
		return v[0], valueText, true
	case FromCookie:
		for _, line := range resp.Header["Set-Cookie"] {
			if c, err := http.ParseSetCookie(line); err == nil && c.Name == e.Expr {
				return c.Value, valueText, true
			}
		}
		return "", valueUnset, false
	case FromRegex:
		m := e.re.FindSubmatch(resp.Body)
		if m == nil {
			return "", valueUnset, false
		}
		return string(m[1]), valueText, true
	}
	r := gjson.GetBytes(resp.Body, e.path)
	if e.wildcard {
		arr := r.Array()
		if len(arr) == 0 {
			return "", valueUnset, false
		}
		r = arr[it.pick.below(uint64(len(arr)))]
	}
	if !r.Exists() {
		return "", valueUnset, false
	}
	if r.Type == gjson.String {
		return r.Str, valueText, true
	}
	return r.Raw, valueJSON, true
}

// missing says what a failed extraction saw.
func (e *planExtract) missing(resp *Response) string {
	switch e.Source {
	case FromHeader:
		return "no " + e.Expr + " header in the response"
	case FromCookie:
		return "no Set-Cookie for " + strconv.Quote(e.Expr) + " in the response"
	case FromRegex:
		return "no match of " + e.Expr + " in the body " + preview(resp.Body)
	}
	return "no value at " + e.Expr + " in the body " + preview(resp.Body)
}

// jsonText is a JSON value as text: a string's contents, else the JSON itself.
func jsonText(r gjson.Result) string {
	if r.Type == gjson.String {
		return r.Str
	}
	return r.Raw
}

// testWith runs the check on resp with want, the rendered expected value: the text of
// body_contains, the value of equals or the regular expression of matches when templated.
func (c *planCheck) testWith(resp *Response, want string) (bool, string) {
	if c.value == nil {
		return c.test(resp, want)
	}
	cc := *c
	switch {
	case c.Kind == CheckBodyContains:
		cc.Text = want
	case c.Test == TestMatches:
		re, err := compileMatch(want)
		if err != nil {
			return false, err.Error()
		}
		cc.re = re
	}
	return cc.test(resp, want)
}

// test runs the check on resp; seen says what was seen when it fails.
func (c *planCheck) test(resp *Response, want string) (bool, string) {
	switch c.Kind {
	case CheckStatus:
		if slices.Contains(c.Status, resp.Status) {
			return true, ""
		}
		return false, "status " + strconv.Itoa(resp.Status)
	case CheckBodyContains:
		if bytes.Contains(resp.Body, []byte(c.Text)) {
			return true, ""
		}
		return false, "body " + preview(resp.Body)
	case CheckMaxLatency:
		if resp.Latency <= c.MaxLatency {
			return true, ""
		}
		return false, "latency " + resp.Latency.Round(time.Microsecond).String()
	case CheckHeader:
		return c.testHeader(resp.Header, want)
	}
	return c.testJSON(resp.Body, want)
}

func (c *planCheck) testHeader(h http.Header, want string) (bool, string) {
	v, present := h[c.Header]
	if c.Test == TestExists {
		if present == c.Exists {
			return true, ""
		}
		if present {
			return false, c.Header + ": " + strconv.Quote(v[0])
		}
		return false, "no " + c.Header + " header"
	}
	if !present {
		return false, "no " + c.Header + " header"
	}
	if c.Test == TestEquals && v[0] == want || c.Test == TestMatches && c.re.MatchString(v[0]) {
		return true, ""
	}
	return false, c.Header + ": " + strconv.Quote(v[0])
}

func (c *planCheck) testJSON(body []byte, want string) (bool, string) {
	r := gjson.GetBytes(body, c.path)
	values := []gjson.Result{r}
	if c.wildcard {
		values = r.Array()
	}
	exists := len(values) > 0 && values[0].Exists()
	if c.Test == TestExists {
		if exists == c.Exists {
			return true, ""
		}
		if exists {
			return false, c.Path + " is " + abbreviate(values[0].Raw)
		}
		return false, c.Path + " missing in the body " + preview(body)
	}
	if !exists {
		return false, c.Path + " missing in the body " + preview(body)
	}
	for _, v := range values {
		ok := c.Test == TestEquals && jsonEquals(v, want) || c.Test == TestMatches && c.re.MatchString(jsonText(v))
		if !ok {
			return false, c.Path + " is " + abbreviate(v.Raw)
		}
	}
	return true, ""
}

// jsonEquals compares a JSON value with the text of a YAML scalar: strings by their contents,
// numbers by value, true, false and null by name, objects and arrays by their JSON text.
func jsonEquals(r gjson.Result, want string) bool {
	switch r.Type {
	case gjson.String:
		return r.Str == want
	case gjson.Number:
		f, err := strconv.ParseFloat(want, 64)
		return err == nil && f == r.Num
	case gjson.True:
		return want == "true"
	case gjson.False:
		return want == "false"
	case gjson.Null:
		return want == "null" || want == "~"
	}
	return r.Raw == want
}

// preview is the start of a body, quoted, for a sample message.
func preview(body []byte) string {
	const max = 80
	if len(body) > max {
		return strconv.Quote(string(body[:max])) + fmt.Sprintf("... (%d bytes)", len(body))
	}
	return strconv.Quote(string(body))
}
