package engine

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	vegeta "github.com/tsenart/vegeta/v12/lib"
)

// newClient returns the HTTP client every worker shares: keep-alive connections, at most one
// per worker, no transparent compression (the load generator must not spend its CPU
// gunzipping), and response bodies counted as they are read. Plain-http HTTP/1.1 requests go
// through h1Transport; HTTP/2, https and proxied requests through a tuned http.Transport.
//
// The client itself has no Timeout: http.Client enforces one with a goroutine and a timer per
// request whenever its transport is not a bare *http.Transport. Each transport bounds a
// request by o.Timeout instead (see engineTransport.RoundTrip and h1Transport).
func newClient(o *Options, bytesIn *atomic.Uint64) *http.Client {
	dialer := &net.Dialer{Timeout: o.Timeout, KeepAlive: 30 * time.Second}
	tr := &http.Transport{
		Proxy:                 http.ProxyFromEnvironment,
		DialContext:           dialer.DialContext,
		MaxIdleConns:          0,
		MaxIdleConnsPerHost:   o.Connections,
		IdleConnTimeout:       90 * time.Second,
		TLSHandshakeTimeout:   o.Timeout,
		ExpectContinueTimeout: time.Second,
		DisableCompression:    true,
		TLSClientConfig:       o.tlsConfig,
	}
	et := &engineTransport{std: tr, timeout: o.Timeout, bytesIn: bytesIn, userAgent: o.UserAgent}
	et.errorBodies = o.FlowPlan == nil // a flow session keeps its own (a checked status can pass)
	if o.HTTP2 {
		// h2 over TLS by ALPN, h2c with prior knowledge over plain http
		p := new(http.Protocols)
		p.SetHTTP2(true)
		p.SetUnencryptedHTTP2(true)
		tr.Protocols = p
		tr.ForceAttemptHTTP2 = true
	} else {
		tr.TLSNextProto = map[string]func(string, *tls.Conn) http.RoundTripper{}
		et.h1 = newH1Transport(dialer.DialContext, o.Timeout, o.Connections, bytesIn)
	}
	// a redirect is the request's answer: following one is another request, which the
	// engine sends and counts itself (redirect.go)
	return &http.Client{Transport: et, CheckRedirect: noRedirects}
}

func noRedirects(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }

// engineTransport routes each request to h1Transport (plain http without a proxy, HTTP/1.1)
// or to the standard transport, which it bounds by the timeout and whose response bodies it
// counts: the engine tells vegeta to keep no body (MaxBody 0), so vegeta's own BytesIn stays 0.
type engineTransport struct {
	h1      *h1Transport // nil with HTTP/2
	std     *http.Transport
	timeout time.Duration
	bytesIn *atomic.Uint64
	// userAgent is Options.UserAgent
	userAgent string
	// errorBodies: keep the start of failed responses' bodies for the error samples
	// (keepErrorBody)
	errorBodies bool
}

func (t *engineTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	if t.userAgent != "" {
		// vegeta gives each request its own copy of the target's headers
		if !canonicalHeader(req.Header, "User-Agent") {
			req.Header.Set("User-Agent", t.userAgent)
		}
	}
	if t.h1 != nil && req.URL.Scheme == "http" {
		if proxy, err := t.std.Proxy(req); err == nil && proxy == nil {
			resp, err := t.h1.RoundTrip(req)
			if err == nil && t.errorBodies {
				keepErrorBody(resp)
			}
			return resp, err
		}
	}
	ctx, cancel := context.WithTimeout(req.Context(), t.timeout)
	resp, err := t.std.RoundTrip(req.WithContext(ctx))
	if err != nil {
		cancel()
		if ctx.Err() == context.DeadlineExceeded {
			err = fmt.Errorf("%w (timeout %s)", err, t.timeout)
		} else if reason := tlsReason(err); reason != "" {
			// the sample says why first, in words a user acts on (error class tls)
			err = fmt.Errorf("%s: %w", reason, err)
		}
		return resp, err
	}
	resp.Body = &countingBody{ReadCloser: resp.Body, total: t.bytesIn, cancel: cancel}
	if t.errorBodies {
		keepErrorBody(resp)
	}
	return resp, nil
}

// canonicalHeader reports whether h has the header name (canonical) in any case, and moves
// its values under the canonical key: a scenario's header keys are kept as written, and
// net/http's writer, which looks for the canonical key only, would add its own User-Agent
// beside a "user-agent" one.
func canonicalHeader(h http.Header, name string) bool {
	found := false
	for k, vs := range h {
		if strings.EqualFold(k, name) {
			found = true
			if k != name {
				delete(h, k)
				h[name] = append(h[name], vs...)
			}
		}
	}
	return found
}

// CloseIdleConnections lets http.Client.CloseIdleConnections reach both transports.
func (t *engineTransport) CloseIdleConnections() {
	t.std.CloseIdleConnections()
	if t.h1 != nil {
		t.h1.CloseIdleConnections()
	}
}

type countingBody struct {
	io.ReadCloser
	n      uint64
	total  *atomic.Uint64
	cancel context.CancelFunc
}

func (b *countingBody) Read(p []byte) (int, error) {
	n, err := b.ReadCloser.Read(p)
	b.n += uint64(n)
	return n, err
}

func (b *countingBody) Close() error {
	if b.total != nil {
		b.total.Add(b.n)
		b.total = nil
	}
	err := b.ReadCloser.Close()
	b.cancel()
	return err
}

// tagger wraps a Targeter into a vegeta.Targeter that appends "#INDEX" to each hit's URL.
// Fragments never go on the wire, and vegeta copies the URL into its Result, so the
// aggregator reads the request name back from res.URL exactly. A URL the targeter returns
// again (static paths) is tagged once: the common case allocates nothing.
type tagger struct {
	next   Targeter
	suffix []string                 // "#0", "#1", ...
	cache  []atomic.Pointer[tagged] // the last tagged URL per name
	sent   atomic.Uint64            // hits handed to vegeta
}

type tagged struct{ url, tagged string }

func newTagger(t Targeter) *tagger {
	n := len(t.Names())
	tg := &tagger{next: t, suffix: make([]string, n), cache: make([]atomic.Pointer[tagged], n)}
	for i := range tg.suffix {
		tg.suffix[i] = "#" + strconv.Itoa(i)
	}
	return tg
}

func (tg *tagger) target(tgt *vegeta.Target) error {
	i, err := tg.next.Next(tgt)
	if errors.Is(err, vegeta.ErrNoTargets) {
		return err
	}
	if err != nil {
		// a hit that cannot be rendered is a failed request, not the end of the attack:
		// vegeta fails to parse the URL, and the aggregator reads the cause back from it
		tgt.URL = unbuilt + err.Error()
	}
	if i < 0 || i >= len(tg.suffix) {
		i = 0
	}
	tg.sent.Add(1)
	c := &tg.cache[i]
	if p := c.Load(); p != nil && p.url == tgt.URL {
		tgt.URL = p.tagged
		return nil
	}
	p := &tagged{url: tgt.URL, tagged: tgt.URL + tg.suffix[i]}
	c.Store(p)
	tgt.URL = p.tagged
	return nil
}

// unbuilt starts the URL of a hit the targeter could not render; the error follows.
const unbuilt = "\x00"

// untag returns the request index from a tagged URL, or -1.
func untag(url string) int {
	h := strings.LastIndexByte(url, '#')
	if h < 0 || h == len(url)-1 {
		return -1
	}
	n := 0
	for _, c := range url[h+1:] {
		if c < '0' || c > '9' {
			return -1
		}
		n = n*10 + int(c-'0')
	}
	return n
}
