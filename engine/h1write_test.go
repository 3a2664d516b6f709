package engine

import (
	"bufio"
	"bytes"
	"net/http"
	"strings"
	"testing"
)

// writeBoth writes req with writeRequest and with net/http's Request.Write.
func writeBoth(t testing.TB, req *http.Request) (got, want string) {
	t.Helper()
	var g, w bytes.Buffer
	gw := bufio.NewWriter(&g)
	var keys []string
	if err := writeRequest(gw, req.Clone(req.Context()), &keys); err != nil {
		t.Fatalf("writeRequest: %v", err)
	}
	if err := gw.Flush(); err != nil {
		t.Fatal(err)
	}
	again := req.Clone(req.Context())
	if req.GetBody != nil {
		body, err := req.GetBody()
		if err != nil {
			t.Fatal(err)
		}
		again.Body = body
	}
	if err := again.Write(&w); err != nil {
		t.Fatalf("Request.Write: %v", err)
	}
	return g.String(), w.String()
}

func TestWriteRequest(t *testing.T) {
	tests := []struct {
		name, method, url string
		header            http.Header
		host              string
		body              string
	}{
		{name: "bare GET", method: "GET", url: "http://127.0.0.1:8080/echo"},
		{name: "empty method", method: "", url: "http://127.0.0.1:8080/"},
		{name: "no path", method: "GET", url: "http://example.test"},
		{name: "query", method: "GET", url: "http://127.0.0.1/a/b?x=1&y=%20z"},
		{name: "escaped path", method: "GET", url: "http://127.0.0.1/a%2Fb/c d"},
		{name: "IPv6", method: "HEAD", url: "http://[::1]:9000/x"},
		{name: "user agent", method: "GET", url: "http://127.0.0.1/", header: http.Header{"User-Agent": {"loadtest/1.0"}}},
		{name: "user agent padded", method: "GET", url: "http://127.0.0.1/", header: http.Header{"User-Agent": {"  lt\t"}}},
		{name: "empty user agent", method: "GET", url: "http://127.0.0.1/", header: http.Header{"User-Agent": {""}}},
		{name: "user agent without values", method: "GET", url: "http://127.0.0.1/", header: http.Header{"User-Agent": {}}},
		{name: "headers sorted, values in order", method: "GET", url: "http://127.0.0.1/",
			header: http.Header{"X-B": {"2", " 3 "}, "Accept": {"*/*"}, "x-lower": {"v"}, "Cookie": {"a=1; b=2"}, "Empty": {}}},
		{name: "excluded headers", method: "GET", url: "http://127.0.0.1/",
			header: http.Header{"Content-Length": {"5"}, "Transfer-Encoding": {"chunked"}, "Trailer": {"X"}, "Host": {"other"}}},
		{name: "host override", method: "GET", url: "http://127.0.0.1:8080/", host: "api.example.test:8443"},
		{name: "POST without body", method: "POST", url: "http://127.0.0.1/p"},
		{name: "PUT without body", method: "PUT", url: "http://127.0.0.1/p"},
		{name: "PATCH without body", method: "PATCH", url: "http://127.0.0.1/p"},
		{name: "DELETE", method: "DELETE", url: "http://127.0.0.1/p"},
		{name: "OPTIONS star", method: "OPTIONS", url: "http://127.0.0.1/*"},
		{name: "POST with body (net/http writes it)", method: "POST", url: "http://127.0.0.1/p", body: `{"a":1}`},
		{name: "unicode host (net/http writes it)", method: "GET", url: "http://bücher.example/"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var body *strings.Reader
			req, err := http.NewRequest(tt.method, tt.url, nil)
			if tt.body != "" {
				body = strings.NewReader(tt.body)
				req, err = http.NewRequest(tt.method, tt.url, body)
			}
			if err != nil {
				t.Fatal(err)
			}
			for k, vs := range tt.header {
				req.Header[k] = vs
			}
			req.Host = tt.host
			got, want := writeBoth(t, req)
			if got != want {
				t.Errorf("got %q, want %q", got, want)
			}
		})
	}
}

func TestWriteRequestCloseLeftToNetHTTP(t *testing.T) {
	req, err := http.NewRequest("GET", "http://127.0.0.1/", nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Close = true
	got, want := writeBoth(t, req)
	if got != want || !strings.Contains(got, "Connection: close\r\n") {
		t.Errorf("got %q, want %q with Connection: close", got, want)
	}
}

// FuzzWriteRequest holds writeRequest to net/http's output for any request the transport
// would send (one that http.NewRequest builds and whose header passes checkHeader).
func FuzzWriteRequest(f *testing.F) {
	f.Add("GET", "http://127.0.0.1:8080/echo?q=1", "User-Agent", "loadtest/1", "X-Id", " 42 ", "")
	f.Add("POST", "http://[::1]/p", "Accept", "*/*", "accept", "x", "h.test")
	f.Add("DELETE", "http://h/%41", "", "", "Cookie", "a=b", "")
	f.Fuzz(func(t *testing.T, method, url, k1, v1, k2, v2, host string) {
		req, err := http.NewRequest(method, url, nil)
		if err != nil || req.URL.Scheme != "http" {
			return
		}
		if k1 != "" {
			req.Header[k1] = []string{v1}
		}
		if k2 != "" {
			req.Header[k2] = append(req.Header[k2], v2)
		}
		req.Host = host
		if checkHeader(req.Header) != nil {
			return
		}
		var w bytes.Buffer
		if req.Clone(req.Context()).Write(&w) != nil {
			// net/http refuses it; writeRequest must too (it leaves such requests to net/http)
			var g bytes.Buffer
			gw := bufio.NewWriter(&g)
			var keys []string
			if writeRequest(gw, req, &keys) == nil && gw.Flush() == nil {
				t.Fatalf("writeRequest wrote %q, net/http refuses the request", g.String())
			}
			return
		}
		got, want := writeBoth(t, req)
		if got != want {
			t.Fatalf("got %q, want %q", got, want)
		}
	})
}
