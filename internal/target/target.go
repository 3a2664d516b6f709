// Package target parses the base URL a load test sends its requests to and says whether a host
// is this machine's loopback interface. It is a leaf: the scenario parser, the CLI's --target
// flag and the gate all use these same rules.
package target

import (
	"fmt"
	"net"
	"net/url"
	"strconv"
	"strings"
)

// Parse checks a base URL (the --target flag, a scenario's target:): http or https, a host, a
// port from 1 to 65535 if one is given, an optional path prefix, and no user info, query or
// fragment. Its errors start with the URL, quoted, and say what is allowed.
func Parse(s string) (*url.URL, error) {
	u, err := url.Parse(s)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.Hostname() == "" || u.Opaque != "" {
		return nil, fmt.Errorf("%q is not an http URL, want e.g. http://127.0.0.1:8080", s)
	}
	if u.User != nil {
		return nil, fmt.Errorf("%q has a user name or password, want just scheme://host:port and an optional path prefix (give credentials as a header)", s)
	}
	if u.RawQuery != "" || u.ForceQuery || u.Fragment != "" || strings.Contains(s, "#") {
		return nil, fmt.Errorf("%q has a query or fragment, want just scheme://host:port and an optional path prefix", s)
	}
	if strings.HasSuffix(u.Host, ":") {
		return nil, fmt.Errorf("%q has an empty port, want a port from 1 to 65535 or none", s)
	}
	if p := u.Port(); p != "" {
		if n, err := strconv.Atoi(p); err != nil || n < 1 || n > 65535 {
			return nil, fmt.Errorf("%q has port %s, want a port from 1 to 65535", s, p)
		}
	}
	return u, nil
}

// IsLoopback reports whether host (a URL's host name without the port; brackets around an
// IPv6 address are allowed) names this machine's loopback interface: "localhost" in any case,
// an address in 127.0.0.0/8, or ::1 (also written as an IPv4-mapped address).
func IsLoopback(host string) bool {
	host = strings.TrimSuffix(strings.TrimPrefix(host, "["), "]")
	if strings.EqualFold(strings.TrimSuffix(host, "."), "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}
