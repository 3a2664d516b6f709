package engine

import (
	"io"
	"net/http"
	"strconv"
	"strings"
	"sync"

	"github.com/loadtestdev/loadtest/results"
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
	case strings.Contains(msg, "tls:"), strings.Contains(msg, "x509:"):
		// before reset and EOF: a server that refuses the client's certificate may close
		// the connection as it says why
		return ClassTLS
	case strings.Contains(msg, "connection reset"), strings.Contains(msg, "broken pipe"):
		return ClassReset
	case strings.HasSuffix(msg, "EOF"), strings.Contains(msg, "server closed"):
		return ClassClosed
	case strings.Contains(msg, "no such host"), strings.Contains(msg, "lookup "):
		return ClassDNS
	}
	return ClassOther
}

// httpClasses caches "http CODE" for the codes servers send, so that counting them allocates
// nothing; it is made at the first error status, not in every command's start-up.
var httpClasses = sync.OnceValue(func() []string {
	c := make([]string, 600)
	for i := range c {
		c[i] = "http " + strconv.Itoa(i)
	}
	return c
})

func httpClass(code uint16) string {
	if classes := httpClasses(); int(code) < len(classes) {
		return classes[code]
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

// errorBodyKey is the response header under which an errorBody leaves the start of the body
// it saw, for the aggregator to put in the error sample: a name no server can send (a field
// name holds no colon). Its values are the kept bytes and, when more followed, "truncated".
const errorBodyKey = ":loadtest-error-body"

// keepErrorBody makes a response that will be an error sample (a status under 200 or from 400
// up, as vegeta counts them) keep the first results.MaxErrorBody bytes of its body as they are
// read. Other responses are left alone: a successful request costs one comparison.
func keepErrorBody(resp *http.Response) {
	if resp.StatusCode >= 200 && resp.StatusCode < 400 || resp.Header == nil {
		return
	}
	resp.Body = &errorBody{ReadCloser: resp.Body, header: resp.Header}
}

// errorBody keeps the first bytes read of a failed response's body and, when it is closed
// (vegeta reads the body to its end, then closes it, before it reads the headers), records
// them in the response's header under errorBodyKey.
type errorBody struct {
	io.ReadCloser
	header http.Header
	kept   []byte
	more   bool
	done   bool
}

func (b *errorBody) Read(p []byte) (int, error) {
	n, err := b.ReadCloser.Read(p)
	room := results.MaxErrorBody - len(b.kept)
	switch {
	case n > room:
		b.kept = append(b.kept, p[:room]...)
		b.more = true
	case n > 0:
		b.kept = append(b.kept, p[:n]...)
	}
	return n, err
}

func (b *errorBody) Close() error {
	if !b.done {
		b.done = true
		v := []string{string(b.kept)}
		if b.more {
			v = append(v, "truncated")
		}
		b.header[errorBodyKey] = v
	}
	return b.ReadCloser.Close()
}

// keptErrorBody returns what keepErrorBody kept of a response's body (as valid UTF-8) and
// whether the body went on beyond it; "", false for a nil header or one without it.
func keptErrorBody(h http.Header) (body string, truncated bool) {
	v := h[errorBodyKey]
	if len(v) == 0 {
		return "", false
	}
	return strings.ToValidUTF8(v[0], "\uFFFD"), len(v) > 1
}
