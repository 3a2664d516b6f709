package target

import (
	"strings"
	"testing"
)

func TestParse(t *testing.T) {
	for _, c := range []struct {
		name, in string
		want     string // the error's message contains this; "" means accepted
	}{
		{"loopback with port", "http://127.0.0.1:8080", ""},
		{"https and path prefix", "https://[::1]:8443/api/", ""},
		{"no port", "http://localhost", ""},
		{"lowest port", "http://127.0.0.1:1", ""},
		{"highest port", "http://127.0.0.1:65535", ""},
		{"port too high", "http://127.0.0.1:99999", "has port 99999, want a port from 1 to 65535"},
		{"port just too high", "http://127.0.0.1:65536", "has port 65536"},
		{"port zero", "http://127.0.0.1:0", "has port 0"},
		{"ipv6 port too high", "http://[::1]:70000", "has port 70000"},
		{"empty port", "http://127.0.0.1:", "has an empty port"},
		{"port not a number", "http://127.0.0.1:http", "is not an http URL"},
		{"no scheme", "127.0.0.1:8080", "is not an http URL"},
		{"bare host", "localhost:8080", "is not an http URL"},
		{"other scheme", "ftp://127.0.0.1", "is not an http URL"},
		{"no host", "http:///echo", "is not an http URL"},
		{"port without host", "http://:8080", "is not an http URL"},
		{"empty", "", "is not an http URL"},
		{"user info", "http://u:p@127.0.0.1:8080", "has a user name or password"},
		{"query", "http://127.0.0.1:8080/?a=1", "has a query or fragment"},
		{"empty query", "http://127.0.0.1:8080/?", "has a query or fragment"},
		{"fragment", "http://127.0.0.1:8080/#top", "has a query or fragment"},
		{"empty fragment", "http://127.0.0.1:8080/#", "has a query or fragment"},
	} {
		t.Run(c.name, func(t *testing.T) {
			u, err := Parse(c.in)
			switch {
			case c.want == "" && err != nil:
				t.Errorf("Parse(%q): got %v, want it accepted", c.in, err)
			case c.want == "" && u.String() != c.in:
				t.Errorf("Parse(%q): got %q, want the same URL", c.in, u)
			case c.want != "" && err == nil:
				t.Errorf("Parse(%q): got %v, want an error with %q", c.in, u, c.want)
			case c.want != "" && (!strings.Contains(err.Error(), c.want) || !strings.HasPrefix(err.Error(), `"`+c.in+`"`)):
				t.Errorf("Parse(%q): got %q, want it to start with the URL and contain %q", c.in, err, c.want)
			}
		})
	}
}

func TestIsLoopback(t *testing.T) {
	for _, c := range []struct {
		host string
		want bool
	}{
		{"127.0.0.1", true},
		{"127.1.2.3", true},
		{"::1", true},
		{"[::1]", true},
		{"::ffff:127.0.0.1", true},
		{"localhost", true},
		{"LocalHost", true},
		{"localhost.", true},
		{"", false},
		{"0.0.0.0", false},
		{"::", false},
		{"192.0.2.1", false},
		{"128.0.0.1", false},
		{"example.com", false},
		{"localhost.example.com", false},
		{"notlocalhost", false},
		{"127.0.0.1.nip.io", false},
	} {
		if got := IsLoopback(c.host); got != c.want {
			t.Errorf("IsLoopback(%q): got %v, want %v", c.host, got, c.want)
		}
	}
}
