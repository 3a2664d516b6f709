package scenarios

import (
	"fmt"
	"github.com/loadtestdev/loadtest/internal/yamlnode"
	"regexp"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"
)

// extractSources are the keys an extraction may name its source by.
var extractSources = []string{string(FromJSON), string(FromHeader), string(FromRegex), string(FromCookie), string(FromStatus)}

// extracts reads a step's extract: a mapping of variable names to sources, such as
// {code: {json: $.code}, next: {header: Location}, sid: {regex: 'sid=(\d+)'}, st: status}.
func (p *parser) extracts(n *yaml.Node, field string) ([]Extract, error) {
	if n.Kind != yaml.MappingNode || len(n.Content) == 0 {
		return nil, p.errf(n, field, "extract must be a mapping of variable names to sources, e.g. {token: {json: $.token}}, got %s", yamlnode.KindName(n))
	}
	var out []Extract
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], yamlnode.Resolve(n.Content[i+1])
		name := k.Value
		vf := field + "." + name
		switch {
		case k.Kind != yaml.ScalarNode || !isIdent(name):
			return nil, p.errf(k, field, "%q is not a variable name, want letters, digits and _ (e.g. token)", name)
		case isFuncName(name) && name != "token": // {{ token }} without an argument is the variable
			return nil, p.errf(k, vf, "%q is a template function, choose another variable name", name)
		}
		for _, e := range out {
			if e.Var == name {
				return nil, p.errf(k, vf, "variable %q is extracted twice in this step", name)
			}
		}
		e, err := p.extract(v, vf, name)
		if err != nil {
			return nil, err
		}
		if p.extracted == nil {
			p.extracted = map[string]*yaml.Node{}
		}
		if _, ok := p.extracted[name]; !ok {
			p.extracted[name] = k
		}
		out = append(out, e)
	}
	return out, nil
}

func (p *parser) extract(v *yaml.Node, field, name string) (Extract, error) {
	e := Extract{Var: name}
	want := fmt.Sprintf("want one source: {json: $.a.b}, {header: NAME}, {regex: 'x=(\\d+)'}, {cookie: NAME} or status")
	if v.Kind == yaml.ScalarNode && v.Value == string(FromStatus) {
		e.Source = FromStatus
		return e, nil
	}
	if v.Kind != yaml.MappingNode || len(v.Content) == 0 {
		return e, p.errf(v, field, "extract %s names no source, got %s: %s", name, yamlnode.KindName(v), want)
	}
	if len(v.Content) > 2 {
		return e, p.errf(v, field, "extract %s names %d sources: %s", name, len(v.Content)/2, want)
	}
	k, val := v.Content[0], yamlnode.Resolve(v.Content[1])
	if !contains(extractSources, k.Value) {
		return e, p.errf(k, field+"."+k.Value, "unknown extraction source %q: %s", k.Value, want)
	}
	e.Source = ExtractSource(k.Value)
	sf := field + "." + k.Value
	if e.Source == FromStatus {
		if b, err := p.boolean(val, sf); err != nil || !b {
			return e, p.errf(val, sf, "extract %s: write status (or {status: true}) to save the status code", name)
		}
		return e, nil
	}
	expr, err := p.str(val, sf)
	if err != nil {
		return e, err
	}
	e.Expr = expr
	switch e.Source {
	case FromJSON:
		if _, _, err := jsonPath(expr); err != nil {
			return e, p.errf(val, sf, "extract %s: %v", name, err)
		}
	case FromRegex:
		if _, err := bodyRegexp(expr); err != nil {
			return e, p.errf(val, sf, "extract %s: %v", name, err)
		}
	case FromHeader:
		if !validHeaderName(expr) {
			return e, p.errf(val, sf, "extract %s: %q is not a valid header name", name, expr)
		}
	case FromCookie:
		if strings.TrimSpace(expr) == "" || strings.ContainsAny(expr, "=; \t\r\n") {
			return e, p.errf(val, sf, "extract %s: %q is not a cookie name", name, expr)
		}
	}
	return e, nil
}

// bodyRegexp compiles an extraction's regular expression, which must have exactly one group.
func bodyRegexp(expr string) (*regexp.Regexp, error) {
	re, err := regexp.Compile(expr)
	if err != nil {
		return nil, fmt.Errorf("%q is not a regular expression (RE2 syntax): %v", expr, strings.TrimPrefix(err.Error(), "error parsing regexp: "))
	}
	if re.NumSubexp() != 1 {
		return nil, fmt.Errorf("regular expression %q has %d groups, want exactly one: the value to save, e.g. 'code=(\\d+)'", expr, re.NumSubexp())
	}
	return re, nil
}

// jsonPath translates the JSONPath subset flows accept into a gjson path
// (github.com/tidwall/gjson): $ is the document, .name or ['name'] a member, [N] an array
// element and [*] every element (at most one [*]; the engine picks one of the values at
// random). wildcard says whether the path has [*].
//
//	$.a.b → a.b     $.a[0].b → a.0.b     $.a[*].b → a.#.b     $['x.y'] → x\.y
func jsonPath(expr string) (path string, wildcard bool, err error) {
	bad := func(format string, a ...any) (string, bool, error) {
		return "", false, fmt.Errorf("JSONPath %q: %s, want e.g. $.a.b, $.a[0].b or $.a[*].b", expr, fmt.Sprintf(format, a...))
	}
	s, ok := strings.CutPrefix(expr, "$")
	if !ok {
		return bad("a path starts with $")
	}
	var parts []string
	for s != "" {
		switch {
		case s[0] == '.':
			s = s[1:]
			j := 0
			for j < len(s) && s[j] != '.' && s[j] != '[' {
				j++
			}
			name := s[:j]
			if name == "" {
				return bad("empty member name")
			}
			if name == "*" || strings.ContainsAny(name, "]'\" ") {
				return bad("member %q is not a plain name (write ['%s'] or [*] for every element)", name, name)
			}
			parts = append(parts, gjsonEscape(name))
			s = s[j:]
		case s[0] == '[':
			end := strings.IndexByte(s, ']')
			if strings.HasPrefix(s, "['") {
				q := strings.Index(s[2:], "']")
				if q < 0 {
					return bad("unclosed ['")
				}
				parts = append(parts, gjsonEscape(s[2:2+q]))
				s = s[2+q+2:]
				continue
			}
			if end < 0 {
				return bad("unclosed [")
			}
			idx := s[1:end]
			switch {
			case idx == "*":
				if wildcard {
					return bad("more than one [*]")
				}
				wildcard = true
				parts = append(parts, "#")
			default:
				n, err := strconv.Atoi(idx)
				if err != nil || n < 0 {
					return bad("[%s] is not an array index (a whole number ≥ 0 or *)", idx)
				}
				parts = append(parts, strconv.Itoa(n))
			}
			s = s[end+1:]
		default:
			return bad("unexpected %q after a member (members start with . or [)", s[:1])
		}
	}
	if len(parts) == 0 {
		return "@this", false, nil
	}
	return strings.Join(parts, "."), wildcard, nil
}

// gjsonEscape escapes the characters gjson gives a meaning in a path component.
func gjsonEscape(name string) string {
	if !strings.ContainsAny(name, `.*?#|@\!=<>%,:{}[]()"`) && !isDigits(name) {
		return name
	}
	var b strings.Builder
	for i := 0; i < len(name); i++ {
		if strings.IndexByte(`.*?#|@\!=<>%,:{}[]()"`, name[i]) >= 0 {
			b.WriteByte('\\')
		}
		b.WriteByte(name[i])
	}
	return b.String()
}

func isDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return s != ""
}
