package har

import (
	"fmt"
	"net/http"
	"net/url"
	"path"
	"strings"

	"github.com/loadtestdev/loadtest/internal/target"
)

// staticTypes are the resource types (Chromium's _resourceType) and MIME type prefixes of
// static assets, dropped unless Options.IncludeStatic.
var (
	staticResourceTypes = []string{"stylesheet", "script", "image", "font", "media", "manifest", "texttrack", "ping"}
	staticMIMEPrefixes  = []string{"text/css", "application/javascript", "text/javascript", "application/x-javascript", "image/", "font/", "audio/", "video/", "application/font", "application/wasm"}
	staticExtensions    = []string{".css", ".js", ".mjs", ".map", ".png", ".jpg", ".jpeg", ".gif", ".svg", ".ico", ".webp", ".avif", ".woff", ".woff2", ".ttf", ".otf", ".eot", ".mp4", ".webm", ".mp3", ".wasm"}
)

// selected is an entry kept as a step, with its parsed URL.
type selected struct {
	entry
	url *url.URL
	// followed are the recorded requests to the Locations of this entry's redirects, which
	// the step follows (redirect.go).
	followed []selected
}

// selectEntries keeps the entries of the included hosts that are not excluded or static, in
// recorded order, and says what it dropped. With no IncludeHosts, the host of the first
// entry that is not static is the one included (a recording usually holds one application
// and the third parties its pages call).
func selectEntries(f *file, o Options) (kept []selected, dropped map[string]int, err error) {
	dropped = map[string]int{}
	hosts := o.IncludeHosts
	for _, e := range f.Log.Entries {
		u, err := url.Parse(e.Request.URL)
		if err != nil || u.Hostname() == "" || (u.Scheme != "http" && u.Scheme != "https") || !validOrigin(u) {
			dropped["not http(s)"]++
			continue
		}
		if !o.IncludeStatic && isStatic(e, u) {
			dropped["static asset"]++
			continue
		}
		if len(hosts) == 0 {
			hosts = []string{u.Host}
		}
		if !hostIncluded(hosts, u) {
			dropped["other host "+u.Host]++
			continue
		}
		if excluded(o.Exclude, u.Path) {
			dropped["excluded path"]++
			continue
		}
		if e.Request.Method == "CONNECT" || e.Request.Method == "OPTIONS" {
			dropped[e.Request.Method]++ // proxies and CORS preflights: the client's, not the journey's
			continue
		}
		if !sendable(methodOrGet(e.Request.Method)) {
			dropped["method "+e.Request.Method]++ // TRACE, WebDAV: no scenario sends them
			continue
		}
		kept = append(kept, selected{entry: e, url: u})
	}
	if len(kept) == 0 {
		return nil, dropped, fmt.Errorf("%w: no request left to import (dropped: %s): check --include-host and --exclude", ErrInvalid, describeDropped(dropped))
	}
	return kept, dropped, nil
}

func isStatic(e entry, u *url.URL) bool {
	for _, t := range staticResourceTypes {
		if e.ResourceType == t {
			return true
		}
	}
	mime := strings.ToLower(e.Response.Content.MimeType)
	for _, p := range staticMIMEPrefixes {
		if strings.HasPrefix(mime, p) {
			return true
		}
	}
	ext := strings.ToLower(path.Ext(u.Path))
	for _, x := range staticExtensions {
		if ext == x {
			return true
		}
	}
	return false
}

// hostIncluded matches u's host (with or without its port) against the included hosts.
func hostIncluded(hosts []string, u *url.URL) bool {
	for _, h := range hosts {
		if strings.EqualFold(h, u.Host) || strings.EqualFold(h, u.Hostname()) {
			return true
		}
	}
	return false
}

// excluded matches the path against the --exclude glob patterns (path.Match, with or without
// the leading slash: 'static/*' and '/static/*' both drop /static/app.js).
func excluded(patterns []string, p string) bool {
	for _, pat := range patterns {
		for _, cand := range []string{p, strings.TrimPrefix(p, "/")} {
			if ok, _ := path.Match(pat, cand); ok {
				return true
			}
			if strings.HasSuffix(pat, "/*") && strings.HasPrefix(cand, strings.TrimSuffix(pat, "*")) {
				return true // 'static/*' also drops static/js/app.js
			}
		}
	}
	return false
}

func describeDropped(d map[string]int) string {
	if len(d) == 0 {
		return "nothing"
	}
	var parts []string
	for _, k := range sortedKeys(d) {
		parts = append(parts, fmt.Sprintf("%d %s", d[k], k))
	}
	return strings.Join(parts, ", ")
}

// sendable says whether a scenario step may have the method.
func sendable(method string) bool {
	switch method {
	case http.MethodGet, http.MethodHead, http.MethodPost, http.MethodPut, http.MethodPatch, http.MethodDelete:
		return true
	}
	return false
}

// validOrigin says whether u's scheme and host make a target a scenario accepts.
func validOrigin(u *url.URL) bool {
	_, err := target.Parse(u.Scheme + "://" + u.Host)
	return err == nil
}
