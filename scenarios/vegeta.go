package scenarios

import (
	"errors"
	"fmt"
	"io"
	"net/url"
	"path/filepath"
	"strings"
	"time"

	"github.com/loadtestdev/loadtest/internal/target"
	vegeta "github.com/tsenart/vegeta/v12/lib"
)

// Limits of a vegeta targets file.
const (
	maxVegetaTargets = 1_000_000
	// maxVegetaNames is how many distinct "METHOD /path" names a targets file may produce
	// before its requests are named by method alone (one latency histogram per name).
	maxVegetaNames = 50
)

// vegetaDefaultRate is vegeta attack's default -rate, used when the run gives no --rate.
var vegetaDefaultRate = Rate{Freq: 50, Per: time.Second}

// FromVegetaTargets reads vegeta's http target format (as vegeta attack -format=http reads it,
// with NewHTTPTargeter: "METHOD URL" lines, header lines, "@file" bodies, blank-line separated)
// and returns a scenario that sends the targets in file order, round robin, as vegeta does.
//
// URLs may be paths ("GET /echo", sent to the run's target) or absolute http(s) URLs on any
// host. When every URL is absolute, the first one's scheme://host:port becomes the scenario's
// target, which PlanOptions.Target (--target) replaces, and the targets on it are named by
// their path; the others keep their host in their name, so two hosts that share a path are
// kept apart. Requests are named "METHOD /path" (query left out); targets that share a name
// share its statistics, and a file with more than 50 such names is named by method alone. Rate defaults to vegeta's 50/s, duration to 10s.
func FromVegetaTargets(path string, r io.Reader) (*Scenario, error) {
	targeter := vegeta.NewHTTPTargeter(r, nil, nil)
	sc := &Scenario{
		Name:     strings.TrimSuffix(filepath.Base(path), filepath.Ext(path)),
		Source:   path,
		Rate:     vegetaDefaultRate,
		Duration: DefaultDuration,
		Order:    OrderSequential,
	}
	var first string   // the first absolute URL's origin
	var absolute []int // requests whose Path is an absolute URL
	for n := 1; ; n++ {
		var t vegeta.Target
		err := targeter(&t)
		if errors.Is(err, vegeta.ErrNoTargets) {
			break
		}
		if err != nil {
			return nil, &Error{Path: path, Field: fmt.Sprintf("target %d", n), Err: fmt.Errorf("target %d: %w", n, err)}
		}
		if n > maxVegetaTargets {
			return nil, &Error{Path: path, Err: fmt.Errorf("more than %d targets", maxVegetaTargets)}
		}
		req, origin, err := vegetaRequest(t)
		if err != nil {
			return nil, &Error{Path: path, Field: fmt.Sprintf("target %d", n), Err: fmt.Errorf("target %d: %w", n, err)}
		}
		if origin != "" {
			if first == "" {
				first = origin
			}
			absolute = append(absolute, len(sc.Requests))
		}
		sc.Requests = append(sc.Requests, req)
	}
	if len(sc.Requests) == 0 {
		return nil, &Error{Path: path, Err: errors.New(`no targets, want lines such as "GET http://127.0.0.1:8080/echo" or "GET /echo"`)}
	}
	if len(absolute) == len(sc.Requests) {
		sc.Target = first
		for _, i := range absolute {
			if rest, ok := strings.CutPrefix(sc.Requests[i].Path, first); ok && strings.HasPrefix(rest, "/") {
				sc.Requests[i].Path = rest
			}
		}
	}
	nameVegetaRequests(sc.Requests)
	return sc, nil
}

// vegetaRequest converts one target; origin is its scheme://host:port when the URL is absolute.
func vegetaRequest(t vegeta.Target) (Request, string, error) {
	u, err := url.Parse(t.URL)
	if err != nil {
		return Request{}, "", fmt.Errorf("bad URL %q: %w", t.URL, err)
	}
	req := Request{Weight: 1, Method: t.Method, Body: escapeTemplate(string(t.Body))}
	if !validMethod(t.Method) {
		return Request{}, "", fmt.Errorf("method %q is not one of %s", t.Method, strings.Join(httpMethods, ", "))
	}
	var origin string
	switch {
	case u.Scheme == "" && u.Host == "" && strings.HasPrefix(t.URL, "/"):
		req.Path = escapeTemplate(t.URL)
	case (u.Scheme == "http" || u.Scheme == "https") && u.Host != "":
		origin = u.Scheme + "://" + u.Host
		authority := origin
		if u.User != nil {
			authority = u.Scheme + "://" + u.User.String() + "@" + u.Host
		}
		if _, err := target.Parse(authority); err != nil {
			return Request{}, "", err // a port out of range, or user info that would be dropped
		}
		req.Path = origin + escapeTemplate(u.RequestURI())
	default:
		return Request{}, "", fmt.Errorf("URL %q is neither a path (/...) nor an http URL", t.URL)
	}
	if len(t.Header) > 0 {
		req.Headers = make(map[string]string, len(t.Header))
		for k, vs := range t.Header {
			if !validHeaderName(k) {
				return Request{}, "", fmt.Errorf("%q is not a valid header name", k)
			}
			req.Headers[k] = escapeTemplate(strings.Join(vs, ", "))
		}
	}
	return req, origin, nil
}

// nameVegetaRequests names each request "METHOD /path", or by method when that makes too
// many distinct names.
func nameVegetaRequests(reqs []Request) {
	names := map[string]bool{}
	for i := range reqs {
		p := reqs[i].Path
		if j := strings.IndexByte(p, '?'); j >= 0 {
			p = p[:j]
		}
		reqs[i].Name = reqs[i].Method + " " + strings.ReplaceAll(p, `{{ "{{" }}`, "{{")
		names[reqs[i].Name] = true
	}
	if len(names) > maxVegetaNames {
		for i := range reqs {
			reqs[i].Name = reqs[i].Method
		}
	}
}
