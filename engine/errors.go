package engine

import (
	"strconv"
	"strings"
)

// Error classes of a failed hit, the keys of results.ErrorCount.Class. HTTP errors are
// "http CODE" (e.g. "http 503").
const (
	ClassRefused = "connection refused"
	ClassTimeout = "timeout"
	ClassReset   = "connection reset"
	ClassClosed  = "connection closed"
	ClassDNS     = "dns"
	ClassTLS     = "tls"
	ClassOther   = "other"
	// ClassBuild is a request that could not be built, hence was never sent: a template value
	// that makes an invalid URL, a control byte in a header value.
	ClassBuild = "build"
)

// classify returns the error class of a failed hit from its status code (0 when no response
// arrived) and vegeta's error message.
func classify(code uint16, msg string) string {
	if code >= 400 || (code != 0 && code < 200) {
		return httpClass(code)
	}
	switch {
	case isBuildFailure(msg):
		return ClassBuild
	case strings.Contains(msg, "connection refused"):
		return ClassRefused
	case strings.Contains(msg, "Client.Timeout"), strings.Contains(msg, "timeout"),
		strings.Contains(msg, "deadline exceeded"):
		return ClassTimeout
	case strings.Contains(msg, "connection reset"), strings.Contains(msg, "broken pipe"):
		return ClassReset
	case strings.HasSuffix(msg, "EOF"), strings.Contains(msg, "server closed"):
		return ClassClosed
	case strings.Contains(msg, "no such host"), strings.Contains(msg, "lookup "):
		return ClassDNS
	case strings.Contains(msg, "tls:"), strings.Contains(msg, "x509:"):
		return ClassTLS
	}
	return ClassOther
}

// httpClasses caches "http CODE" for the codes servers send, so that counting them allocates
// nothing.
var httpClasses = func() []string {
	c := make([]string, 600)
	for i := range c {
		c[i] = "http " + strconv.Itoa(i)
	}
	return c
}()

func httpClass(code uint16) string {
	if int(code) < len(httpClasses) {
		return httpClasses[code]
	}
	return "http " + strconv.Itoa(int(code))
}

// stripTag removes the "#N" the engine appends to each URL (see tagger) from an error message,
// so that samples read as the user's URL.
func stripTag(msg string) string {
	for i := 0; i < len(msg); i++ {
		if msg[i] != '#' {
			continue
		}
		j := i + 1
		for j < len(msg) && msg[j] >= '0' && msg[j] <= '9' {
			j++
		}
		if j > i+1 && (j == len(msg) || msg[j] == '"' || msg[j] == ' ' || msg[j] == ':') {
			return msg[:i] + stripTag(msg[j:])
		}
	}
	return msg
}
