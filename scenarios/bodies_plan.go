package scenarios

import (
	"net/http"
	"unicode/utf8"
)

// compileBody compiles a request's body: its text template, or the parts of a json, form or
// multipart body with each value encoded by the kind.
func (c *compiler) compileBody(r *Request, field string) ([]op, error) {
	if r.BodyKind == BodyText {
		return c.template(field+".body", r.Body)
	}
	esc := map[BodyKind]escape{BodyJSON: escJSON, BodyForm: escQuery, BodyMultipart: escRaw}[r.BodyKind]
	var ops []op
	for _, part := range r.BodyParts {
		if !part.IsValue {
			ops = appendText(ops, part.Text)
			continue
		}
		vops, err := c.template(field+"."+string(r.BodyKind), part.Value)
		if err != nil {
			return nil, err
		}
		for _, o := range vops {
			switch {
			case o.kind == opText:
				ops = appendText(ops, string(appendEscaped(nil, []byte(o.text), esc)))
			default:
				if !o.filtered {
					o.esc = esc
				}
				ops = append(ops, o)
			}
		}
	}
	return ops, nil
}

// contentType is the Content-Type header a request's body implies, when neither the request
// nor the scenario sets one ("" when it sends none).
func (c *compiler) contentType(r *Request) string {
	if r.ContentType == "" {
		return ""
	}
	for k := range r.Headers {
		if http.CanonicalHeaderKey(k) == "Content-Type" {
			return ""
		}
	}
	for k := range c.s.Headers {
		if http.CanonicalHeaderKey(k) == "Content-Type" {
			return ""
		}
	}
	return r.ContentType
}

// appendJSONString appends v escaped for the inside of a JSON string (RFC 8259 section 7):
// quote, backslash and control characters escaped, invalid UTF-8 replaced by U+FFFD.
func appendJSONString(dst, v []byte) []byte {
	const hex = "0123456789abcdef"
	for i := 0; i < len(v); {
		c := v[i]
		if c < utf8.RuneSelf {
			switch {
			case c == '"' || c == '\\':
				dst = append(dst, '\\', c)
			case c == '\n':
				dst = append(dst, '\\', 'n')
			case c == '\r':
				dst = append(dst, '\\', 'r')
			case c == '\t':
				dst = append(dst, '\\', 't')
			case c < 0x20 || c == 0x7f:
				dst = append(dst, '\\', 'u', '0', '0', hex[c>>4], hex[c&0xf])
			default:
				dst = append(dst, c)
			}
			i++
			continue
		}
		r, size := utf8.DecodeRune(v[i:])
		if r == utf8.RuneError && size == 1 {
			dst = append(dst, `\ufffd`...)
		} else {
			dst = append(dst, v[i:i+size]...)
		}
		i += size
	}
	return dst
}
