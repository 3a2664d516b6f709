package engine

import (
	"crypto/tls"
	"io"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	vegeta "github.com/tsenart/vegeta/v12/lib"
)

// newClient returns the HTTP client every worker shares: keep-alive connections, one idle
// connection kept per worker, no transparent compression (the load generator must not spend
// its CPU gunzipping), and response bodies counted as they are drained.
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
	}
	if o.HTTP2 {
		// h2 over TLS by ALPN, h2c with prior knowledge over plain http
		p := new(http.Protocols)
		p.SetHTTP2(true)
		p.SetUnencryptedHTTP2(true)
		tr.Protocols = p
		tr.ForceAttemptHTTP2 = true
	} else {
		tr.TLSNextProto = map[string]func(string, *tls.Conn) http.RoundTripper{}
	}
	return &http.Client{Transport: &countingTransport{base: tr, bytesIn: bytesIn}, Timeout: o.Timeout}
}

// countingTransport adds the size of every response body, as vegeta drains it, to bytesIn:
// the engine tells vegeta to keep no body (MaxBody 0), so vegeta's own BytesIn stays 0.
type countingTransport struct {
	base    http.RoundTripper
	bytesIn *atomic.Uint64
}

func (t *countingTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	resp, err := t.base.RoundTrip(req)
	if err != nil {
		return resp, err
	}
	resp.Body = &countingBody{ReadCloser: resp.Body, total: t.bytesIn}
	return resp, nil
}

// CloseIdleConnections lets http.Client.CloseIdleConnections reach the transport.
func (t *countingTransport) CloseIdleConnections() {
	if c, ok := t.base.(interface{ CloseIdleConnections() }); ok {
		c.CloseIdleConnections()
	}
}

type countingBody struct {
	io.ReadCloser
	n     uint64
	total *atomic.Uint64
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
	return b.ReadCloser.Close()
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
	if err != nil {
		return err
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
