package har

import (
	"net/url"
	"strconv"
	"strings"

	"github.com/loadtestdev/loadtest/internal/lazyregexp"
)

// extraction is what a step takes from its response into a variable.
type extraction struct {
	variable string
	kind     string // "json", "header", "cookie", "regex"
	expr     string
}

// source is where a value a later request sends was found: step index and extraction.
type source struct {
	step int
	ex   extraction
}

// correlator finds, for a value a request sends, the latest earlier response that returned it.
type correlator struct {
	steps  []*step
	leaves [][]leaf // per step, its response's JSON scalars (nil: not JSON)
	named  map[string]source
	byKey  map[string]string // step/kind/expr -> variable
	// secrets are the names the builder gave to secrets' variables: taken for extractions.
	secrets map[string]bool
}

func newCorrelator(steps []*step) *correlator {
	c := &correlator{steps: steps, named: map[string]source{}, byKey: map[string]string{}, secrets: map[string]bool{}}
	for _, s := range steps {
		c.leaves = append(c.leaves, jsonLeaves(s.respBody))
	}
	return c
}

// find returns the variable holding value for step i (key is the name the request sends it
// under, "" if none), adding the extraction to the earlier step on first use.
func (c *correlator) find(i int, value, key string) (string, bool) {
	number := isInteger(value)
	if !number && !distinctive(value) {
		return "", false
	}
	for j := i - 1; j >= 0; j-- {
		if ex, ok := c.match(j, value, key, number); ok {
			return c.variable(j, ex, key), true
		}
	}
	return "", false
}

// match looks for value in step j's response: a JSON field, a header, a cookie it set, or
// (for text bodies) a regular expression over the body.
func (c *correlator) match(j int, value, key string, number bool) (extraction, bool) {
	var best *leaf
	for k := range c.leaves[j] {
		l := &c.leaves[j][k]
		if l.value != value || (number && !l.number && !isInteger(l.value)) {
			continue
		}
		if number && !(idKey(l.key) || (key != "" && l.key == key) || len(value) >= 4) {
			continue // a small number under a key that is no id: likely chance
		}
		if best == nil || (key != "" && l.key == key && best.key != key) {
			best = l
		}
	}
	if best != nil {
		return extraction{variable: best.key, kind: "json", expr: best.path}, true
	}
	if number && len(value) < 4 {
		return extraction{}, false
	}
	s := c.steps[j]
	for _, ck := range s.setCookies {
		if ck.Value == value {
			return extraction{variable: ck.Name, kind: "cookie", expr: ck.Name}, true
		}
	}
	for _, h := range s.respHeaders {
		if strings.EqualFold(h.Name, "Location") || strings.HasPrefix(strings.ToLower(h.Name), "x-") {
			if h.Value == value || (strings.EqualFold(h.Name, "Location") && locationURI(h.Value) == value) {
				return extraction{variable: h.Name, kind: "header", expr: h.Name}, true
			}
		}
	}
	if c.leaves[j] == nil && (looksLikeToken(value) || hasDigit(value)) && len(value) >= 6 {
		if expr := contextRegex(s.respBody, value); expr != "" {
			return extraction{variable: key, kind: "regex", expr: expr}, true
		}
	}
	return extraction{}, false
}

// locationOf is the latest step before i whose response had uri as its Location header,
// -1 if none: the path is sent as recorded (a path that is a template as a whole is not
// written), and reported.
func (c *correlator) locationOf(i int, uri string) int {
	for j := i - 1; j >= 0; j-- {
		for _, h := range c.steps[j].respHeaders {
			if strings.EqualFold(h.Name, "Location") && (h.Value == uri || locationURI(h.Value) == uri) {
				return j
			}
		}
	}
	return -1
}

// variable names the extraction, reusing the name of the same extraction met before.
func (c *correlator) variable(j int, ex extraction, key string) string {
	id := strconv.Itoa(j) + "\x00" + ex.kind + "\x00" + ex.expr
	if v, ok := c.byKey[id]; ok {
		return v
	}
	base := variableName(key) // the name the request sends it under reads best: sid, code
	if base == "" {
		base = variableName(ex.variable)
	}
	if base == "" {
		base = "value"
	}
	if reserved(base) {
		base = variableName(c.steps[j].name + "_" + base) // {{ token }} is a function: login_token
	}
	name := base
	for n := 2; ; n++ {
		if !c.taken(name) {
			break
		}
		name = base + "_" + strconv.Itoa(n)
	}
	ex.variable = name
	c.named[name] = source{step: j, ex: ex}
	c.byKey[id] = name
	c.steps[j].extract = append(c.steps[j].extract, ex)
	return name
}

// taken says whether a variable name is already an extraction's, a secret's or a function's.
func (c *correlator) taken(name string) bool {
	_, extracted := c.named[name]
	return extracted || c.secrets[name] || reserved(name)
}

var nonIdent = lazyregexp.New(`[^a-z0-9_]+`)

// variableName turns a JSON key, header or cookie name into a template variable name in
// snake_case: accessToken, access-token and Access_Token are all access_token.
func variableName(s string) string {
	s = strings.Join(words(s), "_")
	if s == "" {
		return ""
	}
	if s[0] >= '0' && s[0] <= '9' {
		s = "v_" + s
	}
	return s
}

// reserved are names a variable may not take: the template functions.
func reserved(name string) bool {
	switch name {
	case "randInt", "randIntExcept", "choice", "counter", "uuid", "token", "csv", "env":
		return true
	}
	return false
}

func isInteger(v string) bool {
	if v == "" || len(v) > 18 {
		return false
	}
	for _, c := range v {
		if c < '0' || c > '9' {
			return false
		}
	}
	return true
}

// queryValues are a URL's query parameters in recorded order.
func queryValues(u *url.URL) [][2]string {
	var out [][2]string
	for _, part := range strings.Split(u.RawQuery, "&") {
		if part == "" {
			continue
		}
		k, v, _ := strings.Cut(part, "=")
		ku, err1 := url.QueryUnescape(k)
		vu, err2 := url.QueryUnescape(v)
		if err1 != nil || err2 != nil {
			ku, vu = k, v
		}
		out = append(out, [2]string{ku, vu})
	}
	return out
}

func hasDigit(v string) bool { return strings.ContainsAny(v, "0123456789") }

// locationURI is the path and query of a Location header's URL (absolute or relative).
func locationURI(loc string) string {
	u, err := url.Parse(loc)
	if err != nil {
		return ""
	}
	return u.RequestURI()
}
