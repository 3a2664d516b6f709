package engine

import (
	"fmt"
	"net/http"
	"strings"
)

// buildFailure is the phrase of every message of a request that could not be built (class
// ClassBuild): the engine's own messages carry it.
const buildFailure = "cannot build the request"

// isBuildFailure says whether msg, the error of a hit with no response, is a request that
// could not be built: by the engine (buildFailure), by net/http's transport (a header value
// it refuses) or by vegeta, whose URL parse errors start with `parse "`.
func isBuildFailure(msg string) bool {
	return strings.Contains(msg, buildFailure) || strings.HasPrefix(msg, `parse "`) ||
		strings.Contains(msg, "net/http: invalid header field")
}

// checkHeader refuses a header name that is not a token and a value with a control byte
// (NUL, CR, LF, any byte below 0x20 but tab, and DEL), as net/http's Transport does: written
// as is, such a value would end the header early or smuggle another one.
func checkHeader(h http.Header) error {
	for k, vs := range h {
		if !validFieldName(k) {
			return fmt.Errorf("%s: header name %q is not a token", buildFailure, k)
		}
		for _, v := range vs {
			if i := controlByte(v); i >= 0 {
				return fmt.Errorf("%s: header %s has the control byte %#02x in its value %q", buildFailure, k, v[i], v)
			}
		}
	}
	return nil
}

// controlByte is the index of the first control byte in the header value v (any byte below
// 0x20 but tab, and DEL: what net/http refuses to send and textproto to read), or -1.
func controlByte(v string) int {
	for i := 0; i < len(v); i++ {
		if c := v[i]; c < ' ' && c != '\t' || c == 0x7f {
			return i
		}
	}
	return -1
}

func validFieldName(k string) bool {
	if k == "" {
		return false
	}
	for i := 0; i < len(k); i++ {
		c := k[i]
		ok := c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' ||
			strings.IndexByte("!#$%&'*+-.^_`|~", c) >= 0
		if !ok {
			return false
		}
	}
	return true
}
