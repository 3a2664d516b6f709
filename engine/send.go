package engine

import (
	"bytes"
	"context"
	"crypto/tls"
	"encoding/base64"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"

	vegeta "github.com/tsenart/vegeta/v12/lib"
)

// worker is what one of the attacker's workers reuses from hit to hit: the hit's target and
// result (the aggregator keeps nothing of either), and its requests.
type worker struct {
	tgt vegeta.Target
	res vegeta.Result
	requestBuilder
}

// requestBuilder builds the requests of a worker's hits or of a flow runner's steps one after the
// other, reusing what the last one built.
type requestBuilder struct {
	// ctx is the context of the requests: it lends h1Transport the scratch (see h1Scratch)
	// unless it is nil
	ctx     context.Context
	scratch h1Scratch
	// the last request built, without its header and body: a request to the same method
	// and URL is a shallow copy of it (one parse of the URL, not one per hit)
	method, url string
	last        *http.Request
	// sent is the last request sent; free is the request (and header) of one that h1Transport
	// sent, which nothing holds once its response is read and recorded (see recycle)
	sent, free *http.Request
}

// recycle keeps the request just recorded for the next when h1Transport sent it (the scratch
// says so): it keeps nothing of a request once its response's body is closed. http.Transport,
// which sends the others, may still hold its request for a while then.
func (w *requestBuilder) recycle() {
	if w.scratch.sent && w.sent != nil {
		w.free = w.sent
	}
	w.sent, w.scratch.sent = nil, false
}

// request builds tgt's request as vegeta's Target.Request does (the same errors, the target's
// header copied, Host from a Host header, the body replayable), reusing the parsed URL of the
// previous request when the method and URL are the same: nothing on the way writes to a
// request's URL.
func (w *requestBuilder) request(tgt *vegeta.Target) (*http.Request, error) {
	if w.last == nil || tgt.URL != w.url || tgt.Method != w.method {
		ctx := w.ctx
		if ctx == nil {
			ctx = context.Background()
		}
		last, err := http.NewRequestWithContext(ctx, tgt.Method, tgt.URL, nil)
		if err != nil {
			return nil, err
		}
		w.method, w.url, w.last = tgt.Method, tgt.URL, last
	}
	req := w.free
	w.free = nil
	if req == nil {
		req = new(http.Request)
	}
	h := req.Header
	*req = *w.last
	if h == nil {
		h = make(http.Header, len(tgt.Header))
	}
	clear(h)
	req.Header = h
	for k, vs := range tgt.Header {
		req.Header[k] = append([]string(nil), vs...)
	}
	if len(tgt.Body) != 0 {
		// what http.NewRequest does with a *bytes.Reader
		body := tgt.Body
		req.ContentLength = int64(len(body))
		req.Body = io.NopCloser(bytes.NewReader(body))
		req.GetBody = func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(body)), nil }
	}
	if host := req.Header.Get("Host"); host != "" {
		req.Host = host
	}
	return req, nil
}

// send sends req through rt as the engine's http.Client would (no cookie jar, no timeout of
// its own, and a CheckRedirect that returns http.ErrUseLastResponse: a redirect is the hit's
// answer), without the per-request copies http.Client.Do makes to be able to follow
// redirects: the same basic authentication from the URL's user information, the same errors
// (a *url.Error naming the method and the URL, its password hidden), the same refusal of a
// redirect whose Location does not parse.
func send(rt http.RoundTripper, req *http.Request) (*http.Response, error) {
	if u := req.URL.User; u != nil && req.Header.Get("Authorization") == "" {
		password, _ := u.Password()
		req.Header.Set("Authorization", "Basic "+base64.StdEncoding.EncodeToString([]byte(u.Username()+":"+password)))
	}
	resp, err := rt.RoundTrip(req)
	if err != nil {
		if tlsErr, ok := err.(tls.RecordHeaderError); ok && string(tlsErr.RecordHeader[:]) == "HTTP/" {
			err = http.ErrSchemeMismatch
		}
		return nil, sendError(req, err)
	}
	if resp == nil {
		return nil, sendError(req, fmt.Errorf("http: RoundTripper implementation (%T) returned a nil *Response with a nil error", rt))
	}
	if resp.Body == nil {
		resp.Body = http.NoBody
	}
	if loc := resp.Header.Get("Location"); loc != "" && followable(req, resp.StatusCode) {
		if _, err := req.URL.Parse(loc); err != nil {
			_ = resp.Body.Close()
			closeReqBody(req)
			return nil, sendError(req, fmt.Errorf("failed to parse Location header %q: %v", loc, err))
		}
	}
	return resp, nil
}

// followable says whether http.Client would consider following a response of status code to
// req (and so parse its Location) before asking CheckRedirect.
func followable(req *http.Request, code int) bool {
	switch code {
	case http.StatusMovedPermanently, http.StatusFound, http.StatusSeeOther:
		return true
	case http.StatusTemporaryRedirect, http.StatusPermanentRedirect:
		// a body that cannot be sent again is not followed
		return req.GetBody != nil || req.Body == nil || req.Body == http.NoBody
	}
	return false
}

// sendError is http.Client's error for a request that failed.
func sendError(req *http.Request, err error) error {
	op := "Get"
	if m := req.Method; m != "" {
		op = m[:1] + strings.ToLower(m[1:])
	}
	return &url.Error{Op: op, URL: redactPassword(req.URL), Err: err}
}

// redactPassword is http.Client's URL in an error: the password, if any, as ***.
func redactPassword(u *url.URL) string {
	if _, set := u.User.Password(); set {
		return strings.Replace(u.String(), u.User.String()+"@", u.User.Username()+":***@", 1)
	}
	return u.String()
}
