package scenarios

import (
	"net/http"
	"reflect"
	"strings"
	"testing"

	vegeta "github.com/tsenart/vegeta/v12/lib"
)

// TestAbsoluteURLAnyHost: a path may be an absolute URL on any host (the product loads any
// host; only this project's tests keep to loopback), and its host is one of the run's.
func TestAbsoluteURLAnyHost(t *testing.T) {
	p := mustPlan(t, "requests:\n  - path: https://api.example.com/x\n  - path: /y\n", PlanOptions{})
	var urls []string
	for range 2 {
		_, tgt := next(t, p)
		urls = append(urls, tgt.URL)
	}
	if !strings.Contains(strings.Join(urls, " "), "https://api.example.com/x") {
		t.Errorf("got URLs %v, want https://api.example.com/x among them", urls)
	}
	if got, want := p.Origins(), []string{testTarget, "https://api.example.com"}; !reflect.DeepEqual(got, want) {
		t.Errorf("got origins %v, want %v", got, want)
	}
}

const hostsScenario = `hosts:
  auth: https://auth.example.com
  api: http://api.example.com:8080
flows:
  - name: f
    steps:
      - {name: login, method: POST, path: '{{ hosts.auth }}/token'}
      - {name: me, path: '{{ hosts.api }}/token?x={{ uuid }}', headers: {Origin: '{{ hosts.auth }}'}}
      - {name: home, path: /token}
`

// TestHostsNamed: {{ hosts.NAME }} starts a path with the host's URL, also in a header; the
// named hosts are the run's hosts after the target; PlanOptions.Hosts replaces one.
func TestHostsNamed(t *testing.T) {
	tests := []struct {
		name      string
		overrides map[string]string
		wantURLs  []string
		wantHosts []string
	}{
		{"as written", nil,
			[]string{"https://auth.example.com/token", "http://api.example.com:8080/token?x=", testTarget + "/token"},
			[]string{testTarget, "http://api.example.com:8080", "https://auth.example.com"}},
		{"overridden", map[string]string{"auth": "http://127.0.0.1:7000/"},
			[]string{"http://127.0.0.1:7000/token", "http://api.example.com:8080/token?x=", testTarget + "/token"},
			[]string{testTarget, "http://api.example.com:8080", "http://127.0.0.1:7000"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sc, err := Parse("h.yaml", []byte(hostsScenario))
			if err != nil {
				t.Fatal(err)
			}
			fp, err := sc.FlowPlan(PlanOptions{Target: testTarget, Hosts: tt.overrides})
			if err != nil {
				t.Fatal(err)
			}
			it := fp.NewIteration()
			if _, err := it.Start(0); err != nil {
				t.Fatal(err)
			}
			for i, want := range tt.wantURLs {
				var tgt vegeta.Target
				if _, err := it.Request(i, &tgt); err != nil {
					t.Fatal(err)
				}
				if !strings.HasPrefix(tgt.URL, want) {
					t.Errorf("step %d: got URL %q, want it to start with %q", i, tgt.URL, want)
				}
				if i == 1 && tgt.Header.Get("Origin") != strings.TrimSuffix(tt.wantURLs[0], "/token") {
					t.Errorf("got Origin %q, want the auth host", tgt.Header.Get("Origin"))
				}
			}
			if got := fp.Origins(); !reflect.DeepEqual(got, tt.wantHosts) {
				t.Errorf("got origins %v, want %v", got, tt.wantHosts)
			}
		})
	}
}

func TestHostsErrors(t *testing.T) {
	parse := []struct{ name, src, want string }{
		{"unknown host", "hosts: {api: http://a.example}\nrequests: [{path: '{{ hosts.apu }}/x'}]\n",
			`unknown host "apu", the scenario's hosts are api; did you mean "api"?`},
		{"no hosts", "requests: [{path: /x, headers: {Origin: '{{ hosts.web }}'}}]\n",
			`unknown host "web", the scenario's hosts are none`},
		{"host with a path", "hosts: {api: http://a.example/v1}\nrequests: [{path: /x}]\n",
			`has a path: a host is scheme://host[:port]`},
		{"not a URL", "hosts: {api: a.example}\nrequests: [{path: /x}]\n", `host api:`},
		{"host not first", "hosts: {api: http://a.example}\nrequests: [{path: '/x/{{ hosts.api }}'}]\n",
			`{{ hosts.api }} must start the path`},
		{"host glued", "hosts: {api: http://a.example}\nrequests: [{path: '{{ hosts.api }}x'}]\n",
			`must be followed by a path (/...)`},
		{"relative", "requests: [{path: x}]\n", `must start with / (relative to the target), be an http(s) URL, or start with a template`},
	}
	for _, tt := range parse {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Parse("e.yaml", []byte(tt.src))
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("got %v, want an error containing %q", err, tt.want)
			}
		})
	}
	sc, err := Parse("h.yaml", []byte(hostsScenario))
	if err != nil {
		t.Fatal(err)
	}
	_, err = sc.FlowPlan(PlanOptions{Target: testTarget, Hosts: map[string]string{"auht": "http://127.0.0.1:1"}})
	if want := `--host auht: the scenario names no host "auht", its hosts are api, auth`; err == nil || !strings.Contains(err.Error(), want) {
		t.Errorf("got %v, want %q", err, want)
	}
}

func TestParseHostFlag(t *testing.T) {
	tests := []struct{ in, name, base, err string }{
		{"auth=http://127.0.0.1:9090/", "auth", "http://127.0.0.1:9090", ""},
		{"api=https://api.example.com", "api", "https://api.example.com", ""},
		{"auth", "", "", "is not NAME=URL"},
		{"a-b=http://x", "", "", "is not NAME=URL"},
		{"auth=ftp://x", "", "", "auth:"},
		{"auth=http://x/path", "", "", "has a path"},
	}
	for _, tt := range tests {
		name, base, err := ParseHostFlag(tt.in)
		if tt.err != "" {
			if err == nil || !strings.Contains(err.Error(), tt.err) {
				t.Errorf("%q: got %v, want an error containing %q", tt.in, err, tt.err)
			}
			continue
		}
		if err != nil || name != tt.name || base != tt.base {
			t.Errorf("%q: got %q %q %v, want %q %q", tt.in, name, base, err, tt.name, tt.base)
		}
	}
}

// TestWholePathTemplate: a path that is a template as a whole is resolved at each hit: a path
// goes to the target, a URL on one of the run's hosts is sent there, anything else fails the
// request (the engine counts it as class build).
func TestWholePathTemplate(t *testing.T) {
	src := `hosts: {auth: 'http://127.0.0.1:7001'}
flows:
  - name: f
    steps:
      - name: start
        path: /start
        extract: {location: {header: Location}}
      - {name: follow, path: '{{ location }}'}
`
	sc, err := Parse("w.yaml", []byte(src))
	if err != nil {
		t.Fatalf("a whole-path template must parse: %v", err)
	}
	fp, err := sc.FlowPlan(PlanOptions{Target: testTarget})
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct{ location, want, err string }{
		{"/next?a=b c", testTarget + "/next?a=b c", ""},
		{"http://127.0.0.1:7001/cb?code=1", "http://127.0.0.1:7001/cb?code=1", ""},
		{"HTTP://127.0.0.1:7001/cb", "HTTP://127.0.0.1:7001/cb", ""},
		{testTarget + "/x", testTarget + "/x", ""},
		{"https://evil.example.com/x", "", `"https://evil.example.com/x": not a path (/...) nor a URL on one of the run's hosts (` + testTarget + `, http://127.0.0.1:7001)`},
		{"//evil.example.com/x", "", "not a path"},
		{"next", "", "not a path"},
		{"javascript:alert(1)", "", "not a path"},
		{"/%zz", "", "is not a valid URL"},
	}
	for _, tt := range tests {
		it := fp.NewIteration()
		if _, err := it.Start(0); err != nil {
			t.Fatal(err)
		}
		it.Verify(0, &Response{Status: 302, Header: http.Header{"Location": {tt.location}}})
		var tgt vegeta.Target
		_, err := it.Request(1, &tgt)
		switch {
		case tt.err != "" && (err == nil || !strings.Contains(err.Error(), tt.err)):
			t.Errorf("%q: got %q, %v, want an error containing %q", tt.location, tgt.URL, err, tt.err)
		case tt.err == "" && (err != nil || tgt.URL != tt.want):
			t.Errorf("%q: got %q, %v, want %q", tt.location, tgt.URL, err, tt.want)
		}
	}
}
