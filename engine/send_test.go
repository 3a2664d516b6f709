package engine

import (
	"bytes"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	vegeta "github.com/tsenart/vegeta/v12/lib"
)

// TestSendLikeClient holds send to what the engine's http.Client (no redirects followed)
// returns for the same request: the status, the header the server saw, the error's text.
func TestSendLikeClient(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/bad-location":
			w.Header()["Location"] = []string{"http://[::1"}
			w.WriteHeader(http.StatusFound)
		case "/redirect":
			http.Redirect(w, r, "/elsewhere", http.StatusTemporaryRedirect)
		default:
			w.Header().Set("X-Auth", r.Header.Get("Authorization"))
			_, _ = io.Copy(w, r.Body)
		}
	}))
	defer srv.Close()
	dead, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	deadURL := "http://" + dead.Addr().String()
	_ = dead.Close()
	host := strings.TrimPrefix(srv.URL, "http://")
	tests := []struct {
		name string
		tgt  vegeta.Target
	}{
		{"plain", vegeta.Target{Method: "GET", URL: srv.URL + "/a#0"}},
		{"body", vegeta.Target{Method: "POST", URL: srv.URL + "/a#0", Body: []byte("hello")}},
		{"user info", vegeta.Target{Method: "GET", URL: "http://ann:secret@" + host + "/a#0"}},
		{"user info and Authorization", vegeta.Target{Method: "GET", URL: "http://ann:secret@" + host + "/a#0",
			Header: http.Header{"Authorization": {"Bearer x"}}}},
		{"bad Location", vegeta.Target{Method: "GET", URL: srv.URL + "/bad-location#0"}},
		{"redirect with body", vegeta.Target{Method: "PUT", URL: srv.URL + "/redirect#0", Body: []byte("b")}},
		{"dead target", vegeta.Target{Method: "DELETE", URL: deadURL + "/x#0"}},
		{"dead target with password", vegeta.Target{Method: "GET", URL: "http://u:pw@" + strings.TrimPrefix(deadURL, "http://") + "/x#0"}},
	}
	client := &http.Client{Transport: http.DefaultTransport, CheckRedirect: noRedirects}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var w worker
			req, err := w.request(&tt.tgt)
			if err != nil {
				t.Fatal(err)
			}
			got, gotErr := send(http.DefaultTransport, req)
			wantReq, err := tt.tgt.Request()
			if err != nil {
				t.Fatal(err)
			}
			want, wantErr := client.Do(wantReq)
			if (gotErr == nil) != (wantErr == nil) || gotErr != nil && gotErr.Error() != wantErr.Error() {
				t.Fatalf("error %v, want %v", gotErr, wantErr)
			}
			if gotErr != nil {
				return
			}
			defer got.Body.Close()
			defer want.Body.Close()
			gb, _ := io.ReadAll(got.Body)
			wb, _ := io.ReadAll(want.Body)
			if got.StatusCode != want.StatusCode || got.Header.Get("X-Auth") != want.Header.Get("X-Auth") || !bytes.Equal(gb, wb) {
				t.Errorf("got %d %q %q, want %d %q %q", got.StatusCode, got.Header.Get("X-Auth"), gb,
					want.StatusCode, want.Header.Get("X-Auth"), wb)
			}
		})
	}
}

// TestWorkerRequestReusesURL checks that a worker's requests to one URL share its parse but
// not their headers or bodies.
func TestWorkerRequestReusesURL(t *testing.T) {
	var w worker
	hdr := http.Header{"X-A": {"1"}}
	tgt := vegeta.Target{Method: "POST", URL: "http://127.0.0.1/x#0", Header: hdr, Body: []byte("abc")}
	r1, err := w.request(&tgt)
	if err != nil {
		t.Fatal(err)
	}
	r2, err := w.request(&tgt)
	if err != nil {
		t.Fatal(err)
	}
	if r1.URL != r2.URL {
		t.Errorf("the URL was parsed twice")
	}
	r1.Header.Set("X-A", "changed")
	if hdr.Get("X-A") != "1" || r2.Header.Get("X-A") != "1" {
		t.Errorf("a request's header is shared: target %q, other request %q", hdr.Get("X-A"), r2.Header.Get("X-A"))
	}
	b1, _ := io.ReadAll(r1.Body)
	b2, _ := io.ReadAll(r2.Body)
	again, _ := r2.GetBody()
	b3, _ := io.ReadAll(again)
	if string(b1) != "abc" || string(b2) != "abc" || string(b3) != "abc" || r2.ContentLength != 3 {
		t.Errorf("bodies %q %q %q, length %d, want abc three times and 3", b1, b2, b3, r2.ContentLength)
	}
	tgt.URL = "http://127.0.0.1/y#0"
	r3, err := w.request(&tgt)
	if err != nil {
		t.Fatal(err)
	}
	if r3.URL.Path != "/y" {
		t.Errorf("path %q after a new URL, want /y", r3.URL.Path)
	}
	if _, err := w.request(&vegeta.Target{Method: "GET", URL: "http://[::1"}); err == nil {
		t.Errorf("no error for a bad URL")
	}
}

// TestWorkerRequestRecycled checks that a worker reuses the request of a hit h1Transport sent,
// and only that one, and that the reused request holds the new target's header only.
func TestWorkerRequestRecycled(t *testing.T) {
	tests := []struct {
		name   string
		byH1   bool // h1Transport sent the first hit
		reused bool
	}{
		{"sent by h1Transport", true, true},
		{"sent by another transport", false, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			w := &worker{}
			first, err := w.request(&vegeta.Target{Method: "GET", URL: "http://127.0.0.1:1/a",
				Header: http.Header{"X-A": {"1"}, "Host": {"example.com"}}})
			if err != nil {
				t.Fatal(err)
			}
			w.sent, w.scratch.sent = first, tc.byH1
			w.recycle()
			second, err := w.request(&vegeta.Target{Method: "POST", URL: "http://127.0.0.1:1/b",
				Header: http.Header{"X-B": {"2"}}, Body: []byte("x")})
			if err != nil {
				t.Fatal(err)
			}
			if got := second == first; got != tc.reused {
				t.Errorf("reused: got %v, want %v", got, tc.reused)
			}
			want := http.Header{"X-B": {"2"}}
			if second.Method != "POST" || second.URL.Path != "/b" || second.Host != "127.0.0.1:1" ||
				second.ContentLength != 1 || fmt.Sprint(second.Header) != fmt.Sprint(want) {
				t.Errorf("got %s %s host %s length %d header %v, want POST /b host 127.0.0.1:1 length 1 header %v",
					second.Method, second.URL.Path, second.Host, second.ContentLength, second.Header, want)
			}
			if w.sent != nil || w.scratch.sent {
				t.Error("recycle left the last hit's request marked as sent")
			}
		})
	}
}
