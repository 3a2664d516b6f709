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
	// escRegexp quotes the value's regular expression metacharacters, so that a value in a
	// matches test matches itself (regexp.QuoteMeta); | raw puts it as a regular expression.
	escRegexp
)

// filterNames are the filters an action may end with, for error messages.
var filterNames = []string{"raw", "urlencode", "pathescape"}

// splitFilter removes a trailing "| NAME" from an action's tokens and returns the escape it
// names; filtered is false when the action has no filter.
func splitFilter(toks []token, body string, base int) (expr []token, esc escape, filtered bool, err error) {
	pipe := -1
	for i, t := range toks {
		if t.pipe {
			pipe = i
			break
		}
	}
	if pipe < 0 {
		return toks, escRaw, false, nil
	}
	rest := toks[pipe+1:]
	if pipe == 0 {
		return nil, 0, false, &templateError{toks[0].offset, fmt.Sprintf("{{%s}}: a filter needs a value before the |", body)}
	}
	if len(rest) != 1 || rest[0].isStr || rest[0].isInt || rest[0].pipe {
		return nil, 0, false, &templateError{toks[pipe].offset, fmt.Sprintf("{{%s}}: want one filter after |, one of %s", body, strings.Join(filterNames, ", "))}
	}
	switch rest[0].text {
	case "raw":
		esc = escRaw
	case "urlencode":
		esc = escQuery
	case "pathescape":
		esc = escPath
	default:
		return nil, 0, false, &templateError{rest[0].offset, fmt.Sprintf("unknown filter %q, want one of %s", rest[0].text, strings.Join(filterNames, ", "))}
	}
	return toks[:pipe], esc, true, nil
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
	if esc == escRaw {
		return append(dst, v...)
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
		if !keep(c, esc) {
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
