package scenarios

import (
	"fmt"
	"regexp"
	"strings"
)

// escape is how a template value is escaped where it is put.
type escape uint8

const (
	// escRaw puts the value as is (headers, bodies, checks; | raw).
	escRaw escape = iota
	// escPath escapes the value as one path segment: everything but the unreserved characters
	// (RFC 3986 section 2.3) and $&+,;=:@ becomes %XX, "/" and "?" included (| pathescape).
	escPath
	// escQuery escapes the value as a query key or value, as url.QueryEscape: space becomes
	// "+", everything but the unreserved characters %XX (| urlencode).
	escQuery
	// escJSON escapes the value for the inside of a JSON string (a json: body's values).
	escJSON
	// escRegexp quotes the value's regular expression metacharacters, so that a value in a
	// matches test matches itself (regexp.QuoteMeta); | raw puts it as a regular expression.
	escRegexp
)

// filterNames are the filters an action may end with, for error messages.
var filterNames = []string{"raw", "urlencode", "pathescape", "base64", "base64url", "lower", "upper", "pad N"}

// splitFilter removes the trailing filters "| NAME | NAME ..." from an action's tokens: the
// transformations (base64, lower, pad 6, ...) in order, then at most one escape, last. It
// returns the escape named (filtered says one was) and the transformations.
func splitFilter(toks []token, body string, base int) (expr []token, esc escape, filtered bool, xs []xform, err error) {
	pipe := -1
	for i, t := range toks {
		if t.pipe {
			pipe = i
			break
		}
	}
	if pipe < 0 {
		return toks, escRaw, false, nil, nil
	}
	if pipe == 0 {
		return nil, 0, false, nil, &templateError{toks[0].offset, fmt.Sprintf("{{%s}}: a filter needs a value before the |", body)}
	}
	rest := toks[pipe:]
	for len(rest) > 0 {
		bar := rest[0]
		rest = rest[1:]
		if filtered || len(rest) == 0 || rest[0].isStr || rest[0].isInt || rest[0].pipe {
			msg := fmt.Sprintf("{{%s}}: want a filter after |, one of %s", body, strings.Join(filterNames, ", "))
			if filtered {
				msg = fmt.Sprintf("{{%s}}: the escape filter (%s) comes last", body, strings.Join(filterNames[:3], ", "))
			}
			return nil, 0, false, nil, &templateError{bar.offset, msg}
		}
		name := rest[0]
		switch name.text {
		case "raw", "urlencode", "pathescape":
			esc, filtered = map[string]escape{"raw": escRaw, "urlencode": escQuery, "pathescape": escPath}[name.text], true
			rest = rest[1:]
		default:
			if !isXform(name.text) {
				return nil, 0, false, nil, &templateError{name.offset, fmt.Sprintf("unknown filter %q, want one of %s", name.text, strings.Join(filterNames, ", "))}
			}
			var x xform
			if x, rest, err = parseXform(rest, body); err != nil {
				return nil, 0, false, nil, err
			}
			xs = append(xs, x)
		}
		if len(rest) > 0 && !rest[0].pipe {
			return nil, 0, false, nil, &templateError{rest[0].offset, fmt.Sprintf("{{%s}}: %s after a filter, want | and another filter or }}", body, rest[0].describe())}
		}
	}
	return toks[:pipe], esc, filtered, xs, nil
}

// markURL sets the escape of the values of a request URL's template by where they go: none
// in the scheme and authority (up to the third "/" of the literal text), path segment
// escaping in the path, query escaping after a literal "?", none in a fragment. A filter
// overrides the context. Only literal text moves the context: a value's "?" or "/" is data.
func markURL(ops []op) {
	const (
		authority = iota
		path
		query
		fragment
	)
	state, slashes := authority, 0
	if len(ops) > 0 && ops[0].kind == opText && strings.HasPrefix(ops[0].text, "/") {
		state = path
	}
	for i := range ops {
		o := &ops[i]
		if o.kind != opText {
			if !o.filtered {
				switch state {
				case path:
					o.esc = escPath
				case query:
					o.esc = escQuery
				default:
					o.esc = escRaw
				}
			}
			continue
		}
		for j := 0; j < len(o.text); j++ {
			switch c := o.text[j]; {
			case c == '#':
				state = fragment
			case c == '?' && state < query:
				state = query
			case c == '/' && state == authority:
				if slashes++; slashes == 3 {
					state = path
				}
			}
		}
	}
}

// markRegexp sets the escape of the values of a matches test without a filter: their
// metacharacters are quoted.
func markRegexp(ops []op) {
	for i := range ops {
		if o := &ops[i]; o.kind != opText && !o.filtered {
			o.esc = escRegexp
		}
	}
}

// keep reports whether c stays as is under esc.
func keep(c byte, esc escape) bool {
	if 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' {
		return true
	}
	switch c {
	case '-', '_', '.', '~':
		return true
	case '$', '&', '+', ',', ';', '=', ':', '@':
		return esc == escPath
	}
	return false
}

// appendEscaped appends v to dst escaped by esc.
func appendEscaped(dst, v []byte, esc escape) []byte {
	switch esc {
	case escRaw:
		return append(dst, v...)
	case escJSON:
		return appendJSONString(dst, v)
	}
	for _, c := range v {
		switch {
		case keep(c, esc):
			dst = append(dst, c)
		case c == ' ' && esc == escQuery:
			dst = append(dst, '+')
		default:
			dst = append(dst, '%', upperHex[c>>4], upperHex[c&0xf])
		}
	}
	return dst
}

const upperHex = "0123456789ABCDEF"

// escapeTail escapes dst[start:] in place by esc; values that need no escaping (numbers,
// UUIDs, plain words) cost one scan and no allocation.
func escapeTail(dst []byte, start int, esc escape) []byte {
	switch esc {
	case escRaw:
		return dst
	case escRegexp:
		v := regexp.QuoteMeta(string(dst[start:]))
		return append(dst[:start], v...)
	}
	clean := true
	for _, c := range dst[start:] {
		if esc == escJSON && (c < 0x20 || c == '"' || c == '\\' || c >= 0x7f) || esc != escJSON && !keep(c, esc) {
			clean = false
			break
		}
	}
	if clean {
		return dst
	}
	v := append([]byte(nil), dst[start:]...)
	return appendEscaped(dst[:start], v, esc)
}
