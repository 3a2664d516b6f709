package har

import (
	"net/http"
	"net/url"
)

// Redirects. A browser follows a redirect by itself and the HAR records both requests: the
// one answered 3xx and the request to its Location. The importer makes them one step that
// follows the redirect (follow_redirects: N), so the scenario goes where the server's fresh
// Location says, as the browser did, and the recorded Location (which may hold an id or a
// token of that session) is never written. The step checks the status the last request of the
// chain got, and its extractions read that response.

// followRedirects joins each kept entry answered with a redirect to the next kept entry that
// is the request a browser sends to its Location (same origin, the method the status
// implies), as far as the chain goes. Entries not followed by their Location's request stay
// steps of their own that check the 3xx.
func followRedirects(kept []selected) []selected {
	used := make([]bool, len(kept))
	var out []selected
	for i := range kept {
		if used[i] {
			continue
		}
		s := kept[i]
		last := s
		for {
			j := nextHop(kept, used, last, i)
			if j < 0 {
				break
			}
			used[j] = true
			s.followed = append(s.followed, kept[j])
			last = kept[j]
		}
		out = append(out, s)
	}
	return out
}

// nextHop is the index of the entry after after that requests last's Location, -1 if none.
func nextHop(kept []selected, used []bool, last selected, after int) int {
	loc := redirectLocation(last)
	if loc == nil {
		return -1
	}
	method := hopMethod(methodOrGet(last.Request.Method), last.Response.Status)
	for j := after + 1; j < len(kept); j++ {
		e := kept[j]
		if used[j] || methodOrGet(e.Request.Method) != method {
			continue
		}
		if sameURL(e.url, loc) {
			return j
		}
	}
	return -1
}

// redirectLocation is where a redirect response sends the browser, on the same origin; nil
// when the entry is no redirect or leads elsewhere.
func redirectLocation(e selected) *url.URL {
	switch e.Response.Status {
	case http.StatusMovedPermanently, http.StatusFound, http.StatusSeeOther,
		http.StatusTemporaryRedirect, http.StatusPermanentRedirect:
	default:
		return nil
	}
	loc := header(e.Response.Headers, "Location")
	if loc == "" {
		loc = e.Response.RedirectURL
	}
	if loc == "" {
		return nil
	}
	u, err := e.url.Parse(loc)
	if err != nil || u.Scheme != e.url.Scheme || u.Host != e.url.Host {
		return nil
	}
	return u
}

// hopMethod is the method a browser follows a redirect with: 301 and 302 turn a POST into a
// GET, 303 anything but HEAD; 307 and 308 keep it.
func hopMethod(method string, status int) string {
	switch status {
	case http.StatusMovedPermanently, http.StatusFound:
		if method == http.MethodPost {
			return http.MethodGet
		}
	case http.StatusSeeOther:
		if method != http.MethodHead {
			return http.MethodGet
		}
	}
	return method
}

func sameURL(a, b *url.URL) bool {
	return a.Scheme == b.Scheme && a.Host == b.Host && a.EscapedPath() == b.EscapedPath() && a.RawQuery == b.RawQuery
}

// final is the last response of a step's chain: its own, or that of the last redirect it
// followed.
func (s selected) final() entry {
	if n := len(s.followed); n > 0 {
		return s.followed[n-1].entry
	}
	return s.entry
}

// sent are the requests a step sends, "METHOD /path" as a server logs them: its own and the
// redirects it follows.
func (s selected) sent() []string {
	out := []string{methodOrGet(s.Request.Method) + " " + s.url.EscapedPath()}
	for _, f := range s.followed {
		out = append(out, methodOrGet(f.Request.Method)+" "+f.url.EscapedPath())
	}
	return out
}
