package engine

import (
	"fmt"
	"maps"
	"net/http"
	"net/url"
	"slices"
	"strings"
)

// Redirects. The engine's client never follows a redirect by itself (a 3xx is the request's
// answer, as a step's): following one is sending another request, which the result must count
// under its own name, with its own status and latency, so that the counts per path still
// equal the server's log. A request that may follow N redirects (follow_redirects) sends each
// hop itself (redirect_run.go for plain requests, flows_session.go for steps).

// ClassRedirect is the error class of a request whose redirect was refused: it leads to an
// origin that is not one of the run's hosts.
const ClassRedirect = "redirect"

// maxHopNames bounds the distinct names hops get; the rest share one per method.
const maxHopNames = 50

// RedirectTargeter is what a Targeter whose requests may follow redirects tells the engine
// (a *scenarios.Plan implements it).
type RedirectTargeter interface {
	// FollowRedirects gives, per request name (indexed like Names), how many redirects its
	// hits follow.
	FollowRedirects() []int
	// Origins are the run's hosts (scheme://host[:port]) a redirect may lead to.
	Origins() []string
}

// redirectPolicy is what hops need: the hosts they may go to and the origin hops are named
// relative to.
type redirectPolicy struct {
	follow  []int // per request name; nil for flows (the step says)
	origins map[string]bool
	home    string // the first origin: hops to it are named by their path alone
}

func newRedirectPolicy(follow []int, origins []string) *redirectPolicy {
	p := &redirectPolicy{follow: follow, origins: make(map[string]bool)}
	for _, o := range origins {
		u, err := url.Parse(o)
		if err != nil {
			continue
		}
		o = originOf(u)
		if p.home == "" {
			p.home = o
		}
		p.origins[o] = true
	}
	return p
}

// originOf is u's scheme://host:port, the port made explicit.
func originOf(u *url.URL) string {
	port := u.Port()
	if port == "" {
		port = "80"
		if u.Scheme == "https" {
			port = "443"
		}
	}
	return strings.ToLower(u.Scheme) + "://" + strings.ToLower(u.Hostname()) + ":" + port
}

// isRedirect says whether code is a redirect a request may follow.
func isRedirect(code int) bool {
	switch code {
	case http.StatusMovedPermanently, http.StatusFound, http.StatusSeeOther,
		http.StatusTemporaryRedirect, http.StatusPermanentRedirect:
		return true
	}
	return false
}

// hop is the request a redirect leads to and its name in by_request.
type hop struct {
	req  *http.Request
	name string
}

// nextHop builds the request that resp, a redirect answering prev, leads to, as a browser or
// net/http's client would: 301 and 302 turn a POST into a GET, 303 anything but HEAD, without
// the body; 307 and 308 send the same method and body again. A hop to another of the run's
// hosts drops the credentials (Authorization, Cookie), as net/http does. dropCookie drops the
// Cookie header also on the same host (a session's cookie jar adds its cookies again). It
// returns a nil hop when resp has no Location, and an error (a refusal, class ClassRedirect)
// when the Location is not one of the run's hosts or cannot be read.
func (p *redirectPolicy) nextHop(prev *http.Request, resp *http.Response, dropCookie bool) (*hop, error) {
	loc := resp.Header.Get("Location")
	if loc == "" {
		return nil, nil
	}
	u, err := prev.URL.Parse(loc)
	if err != nil {
		return nil, fmt.Errorf("%s %s: %d redirect to %q refused: not a URL: %w", prev.Method, display(prev.URL), resp.StatusCode, loc, err)
	}
	u.Fragment, u.RawFragment = "", ""
	if u.Scheme != "http" && u.Scheme != "https" || !p.origins[originOf(u)] {
		return nil, fmt.Errorf("%s %s: %d redirect to %s refused: %s is not one of the run's hosts (%s)",
			prev.Method, display(prev.URL), resp.StatusCode, u.Redacted(), originOf(u), p.hosts())
	}
	method, body := prev.Method, true
	switch resp.StatusCode {
	case http.StatusMovedPermanently, http.StatusFound:
		if method == http.MethodPost {
			method, body = http.MethodGet, false
		}
	case http.StatusSeeOther:
		if method != http.MethodHead {
			method, body = http.MethodGet, false
		}
	}
	req, err := http.NewRequestWithContext(prev.Context(), method, u.String(), nil)
	if err != nil {
		return nil, fmt.Errorf("%s %s: %d redirect to %s: %s: %w", prev.Method, display(prev.URL), resp.StatusCode, u.Redacted(), buildFailure, err)
	}
	if body && prev.GetBody != nil && prev.Body != nil && prev.Body != http.NoBody {
		if req.Body, err = prev.GetBody(); err != nil {
			return nil, fmt.Errorf("%s %s: %d redirect: %s: body: %w", prev.Method, display(prev.URL), resp.StatusCode, buildFailure, err)
		}
		req.GetBody, req.ContentLength = prev.GetBody, prev.ContentLength
	}
	sameHost := originOf(u) == originOf(prev.URL)
	for k, vs := range prev.Header {
		switch {
		case k == "X-Vegeta-Seq":
		case !body && (k == "Content-Type" || k == "Content-Length"):
		case (dropCookie || !sameHost) && (k == "Cookie" || k == "Cookie2"):
		case !sameHost && (k == "Authorization" || k == "Www-Authenticate"):
		default:
			req.Header[k] = vs
		}
	}
	if prev.Host != "" && prev.Host != prev.URL.Host && sameHost {
		req.Host = prev.Host
	}
	name := method + " " + p.where(u)
	if method != prev.Method {
		name += " (was " + prev.Method + ")"
	}
	return &hop{req: req, name: name}, nil
}

// where names a hop's URL: its path on the run's first host, else its origin and path (the
// query is left out, as vegeta targets' names leave it out).
func (p *redirectPolicy) where(u *url.URL) string {
	path := u.EscapedPath()
	if path == "" {
		path = "/"
	}
	if originOf(u) == p.home {
		return path
	}
	return u.Scheme + "://" + u.Host + path
}

func (p *redirectPolicy) hosts() string {
	return strings.Join(slices.Sorted(maps.Keys(p.origins)), ", ")
}

// display is a request URL as an error shows it: without the engine's "#N" tag.
func display(u *url.URL) string {
	c := *u
	c.Fragment, c.RawFragment = "", ""
	return c.Redacted()
}
