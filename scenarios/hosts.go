package scenarios

import (
	"errors"
	"fmt"
	"github.com/loadtestdev/loadtest/internal/yamlnode"
	"net/url"
	"slices"
	"sort"
	"strings"

	"go.yaml.in/yaml/v3"
)

// A scenario may name its hosts:
//
//	hosts:
//	  api: https://api.example.com
//	  auth: https://auth.example.com:8443
//
// and write {{ hosts.auth }}/token as a path (or put {{ hosts.api }} in a header, a body or a
// check). The name is replaced by the host's URL when the scenario is compiled, so a path
// that starts with it is an absolute URL to that host, and every named host is one of the
// run's hosts (Plan.Origins: where redirects and whole-path templates may lead).
// PlanOptions.Hosts (--host NAME=URL) replaces a host's URL for one run.

// hostsPrefix starts a host reference in a template: {{ hosts.NAME }}.
const hostsPrefix = "hosts."

// hosts reads the scenario's hosts mapping.
func (p *parser) hosts(n *yaml.Node) error {
	if n.Kind != yaml.MappingNode {
		return p.errf(n, "hosts", "hosts must be a mapping of names to URLs, e.g. hosts: {api: https://api.example.com}, got %s", yamlnode.KindName(n))
	}
	p.sc.Hosts = map[string]string{}
	lines := map[string]int{}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], yamlnode.Resolve(n.Content[i+1])
		name, field := k.Value, "hosts."+k.Value
		if k.Kind != yaml.ScalarNode || !isIdent(name) {
			return p.errf(k, "hosts", "%q is not a host name, want letters, digits and _ (e.g. api)", name)
		}
		if line, ok := lines[name]; ok {
			return p.errf(k, field, "host %q appears twice (first at line %d)", name, line)
		}
		lines[name] = k.Line
		value, err := p.str(v, field)
		if err != nil {
			return err
		}
		base, err := parseHostURL(value)
		if err != nil {
			return p.errf(v, field, "host %s: %v", name, err)
		}
		p.sc.Hosts[name] = base
	}
	return nil
}

// parseHostURL checks a host's URL as a target (scheme://host[:port], no path) and returns it
// without a trailing slash.
func parseHostURL(s string) (string, error) {
	base, err := parseTarget(s)
	if err != nil {
		return "", err
	}
	u, _ := url.Parse(base)
	if u.Path != "" || u.RawQuery != "" {
		return "", fmt.Errorf("%q has a path: a host is scheme://host[:port] (write the path in each request)", s)
	}
	return base, nil
}

// ParseHostFlag parses the value of --host, NAME=URL.
func ParseHostFlag(s string) (name, base string, err error) {
	name, value, ok := strings.Cut(s, "=")
	if !ok || !isIdent(name) {
		return "", "", fmt.Errorf("%q is not NAME=URL, e.g. auth=http://127.0.0.1:9090", s)
	}
	if base, err = parseHostURL(value); err != nil {
		return "", "", fmt.Errorf("%s: %w", name, err)
	}
	return name, base, nil
}

// HostNames lists the names of hosts (a Scenario.Hosts), sorted and comma separated, for
// messages; "none" when there are none.
func HostNames(hosts map[string]string) string {
	if len(hosts) == 0 {
		return "none (declare them under hosts:)"
	}
	names := make([]string, 0, len(hosts))
	for n := range hosts {
		names = append(names, n)
	}
	sort.Strings(names)
	return strings.Join(names, ", ")
}

// resolveHosts merges the scenario's hosts with the run's overrides, whose names must be
// declared, and adds each to the run's origins.
func (c *compiler) resolveHosts() error {
	c.hosts = make(map[string]string, len(c.s.Hosts))
	for n, u := range c.s.Hosts {
		c.hosts[n] = u
	}
	for n, u := range c.opts.Hosts {
		if _, ok := c.s.Hosts[n]; !ok {
			return &Error{Path: c.s.Source, Field: "hosts", Err: fmt.Errorf("--host %s: the scenario names no host %q, its hosts are %s", n, n, HostNames(c.s.Hosts))}
		}
		base, err := parseHostURL(u)
		if err != nil {
			return &Error{Path: c.s.Source, Field: "hosts", Err: fmt.Errorf("--host %s: %w", n, err)}
		}
		c.hosts[n] = base
	}
	names := make([]string, 0, len(c.hosts))
	for n := range c.hosts {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		c.addOrigin(c.hosts[n])
	}
	return nil
}

// addOrigin adds a host (scheme://host[:port]) to the run's origins.
func (c *compiler) addOrigin(origin string) {
	if !slices.Contains(c.p.origins, origin) {
		c.p.origins = append(c.p.origins, origin)
	}
}

// substituteHosts replaces the {{ hosts.NAME }} of ops by the hosts' URLs, as text (passed
// through quote when not nil: a matches test quotes them, so that a host matches itself).
func substituteHosts(ops []op, hosts map[string]string, quote func(string) string) ([]op, error) {
	has := false
	for _, o := range ops {
		has = has || o.kind == opHost
	}
	if !has {
		return ops, nil
	}
	out := make([]op, 0, len(ops))
	for _, o := range ops {
		if o.kind != opHost {
			if o.kind == opText {
				out = appendText(out, o.text)
			} else {
				out = append(out, o)
			}
			continue
		}
		u, ok := hosts[o.name]
		if !ok {
			return nil, fmt.Errorf("unknown host %q, the scenario's hosts are %s", o.name, HostNames(hosts))
		}
		if quote != nil {
			u = quote(u)
		}
		out = appendText(out, u)
	}
	return out, nil
}

// originKey is u's scheme://host:port with the port made explicit, to compare origins.
func originKey(u *url.URL) string {
	port := u.Port()
	if port == "" {
		port = "80"
		if u.Scheme == "https" {
			port = "443"
		}
	}
	return strings.ToLower(u.Scheme + "://" + u.Hostname() + ":" + port)
}

// errNotRunHost is the cause of a whole-path template that rendered a URL elsewhere.
var errNotRunHost = errors.New("not a path (/...) nor a URL on one of the run's hosts")

// resolveURL turns the rendered value of a whole-path template into the URL to send: a path
// (/...) goes to base (the step's host); an http(s) URL on one of the run's hosts is sent as
// is; anything else is an error (the request fails with class build).
func (p *Plan) resolveURL(rendered, base string) (string, error) {
	u, err := url.Parse(rendered)
	switch {
	case err != nil:
		return "", fmt.Errorf("path %q is not a valid URL: %v", rendered, errors.Unwrap(err))
	case strings.HasPrefix(rendered, "/") && !strings.HasPrefix(rendered, "//"):
		return base + rendered, nil
	case (u.Scheme == "http" || u.Scheme == "https") && u.Host != "" && p.originSet[originKey(u)]:
		return rendered, nil
	}
	return "", fmt.Errorf("path %q: %w (%s)", rendered, errNotRunHost, strings.Join(p.origins, ", "))
}

// indexOrigins builds the set resolveURL looks whole-path URLs up in.
func (p *Plan) indexOrigins() {
	p.originSet = make(map[string]bool, len(p.origins))
	for _, o := range p.origins {
		if u, err := url.Parse(o); err == nil {
			p.originSet[originKey(u)] = true
		}
	}
}

// requestURL compiles a request's path into the template of its URL: a path (/...) is put
// after base; an absolute URL (written out, or starting with {{ hosts.NAME }}) is kept and
// its host becomes one of the run's; a path that starts with any other template is a
// whole-path template, resolved at each hit (resolveURL).
func (c *compiler) requestURL(path, field, base string) ([]op, error) {
	ops, err := c.template(field+".path", path)
	if err != nil {
		return nil, err
	}
	if len(ops) == 0 || ops[0].kind != opText {
		return ops, nil
	}
	lead := ops[0].text
	if strings.HasPrefix(lead, "/") {
		ops[0].text = base + lead
		return ops, nil
	}
	abs := lead
	if len(ops) > 1 {
		abs += "{{" // the host must be written out: checkAbsoluteURL refuses a template in it
	}
	if err := checkAbsoluteURL(abs); err != nil {
		return nil, &Error{Path: c.s.Source, Field: field + ".path", Err: err}
	}
	scheme, rest, _ := strings.Cut(lead, "://")
	authority := rest
	if i := strings.IndexAny(rest, "/?#"); i >= 0 {
		authority = rest[:i]
	}
	c.addOrigin(scheme + "://" + authority)
	return ops, nil
}
