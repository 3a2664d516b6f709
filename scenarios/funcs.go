package scenarios

import (
	"bytes"
	"encoding/base64"
	"fmt"
)

// xform is a transformation of a template value, applied before its escaping: a function
// ({{ base64 x }}, {{ pad 6 x }}) or a filter ({{ x | base64 }}, {{ x | pad 6 }}).
type xform struct {
	kind  xformKind
	width int // xPad
}

type xformKind uint8

const (
	xBase64    xformKind = iota + 1 // standard base64 with padding (RFC 4648 section 4)
	xBase64URL                      // URL-safe base64 without padding (RFC 4648 section 5)
	xLower
	xUpper
	xPad // zero padding on the left to width, after a sign
)

// xformNames are the transformations by name, usable as a function or a filter.
var xformNames = map[string]xformKind{"base64": xBase64, "base64url": xBase64URL, "lower": xLower, "upper": xUpper, "pad": xPad}

// maxPad bounds pad's width.
const maxPad = 64

// applyXforms transforms dst[start:] in place by xs, in order.
func applyXforms(dst []byte, start int, xs []xform) []byte {
	for _, x := range xs {
		v := dst[start:]
		switch x.kind {
		case xBase64, xBase64URL:
			enc := base64.StdEncoding
			if x.kind == xBase64URL {
				enc = base64.RawURLEncoding
			}
			src := bytes.Clone(v)
			dst = enc.AppendEncode(dst[:start], src)
		case xLower:
			dst = append(dst[:start], bytes.ToLower(v)...)
		case xUpper:
			dst = append(dst[:start], bytes.ToUpper(v)...)
		case xPad:
			dst = appendPadded(dst, start, x.width)
		}
	}
	return dst
}

// appendPadded pads dst[start:] with zeros on the left to width bytes, after a leading sign
// ({{ pad 6 -42 }} is -00042, as fmt's %06d).
func appendPadded(dst []byte, start, width int) []byte {
	n := width - (len(dst) - start)
	if n <= 0 {
		return dst
	}
	at := start
	if at < len(dst) && (dst[at] == '-' || dst[at] == '+') {
		at++
	}
	dst = append(dst, make([]byte, n)...)
	copy(dst[at+n:], dst[at:len(dst)-n])
	for i := at; i < at+n; i++ {
		dst[i] = '0'
	}
	return dst
}

// parseXform reads a transformation's name and arguments (pad's width) from toks, which start
// with its name; it returns the tokens after them.
func parseXform(toks []token, body string) (xform, []token, error) {
	head := toks[0]
	x := xform{kind: xformNames[head.text]}
	if x.kind != xPad {
		return x, toks[1:], nil
	}
	if len(toks) < 2 || !toks[1].isInt {
		return x, nil, &templateError{head.offset, fmt.Sprintf("{{%s}}: pad takes a width, as in {{ pad 6 counter }} or {{ uid | pad 6 }}", body)}
	}
	if toks[1].n < 1 || toks[1].n > maxPad {
		return x, nil, &templateError{toks[1].offset, fmt.Sprintf("pad: width %d is out of range, want 1 to %d", toks[1].n, maxPad)}
	}
	x.width = int(toks[1].n)
	return x, toks[2:], nil
}

// isXform reports whether name is a transformation (a function that takes a value).
func isXform(name string) bool { _, ok := xformNames[name]; return ok }

// xformList names the transformations for error messages.
func xformList() string { return "base64, base64url, lower, upper, pad N" }

// literalXforms applies xs to a literal's text at compile time.
func literalXforms(text string, xs []xform) string {
	return string(applyXforms([]byte(text), 0, xs))
}
