package collector

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"reflect"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/loadtestdev/loadtest/results"
)

func TestStatsHandlerRoundTrips(t *testing.T) {
	srv := httptest.NewServer(StatsHandler(results.RoleServer))
	defer srv.Close()
	resp, err := http.Get(srv.URL + "/stats")
	if err != nil {
		t.Fatalf("GET /stats: %v", err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || !strings.HasPrefix(resp.Header.Get("Content-Type"), "application/json") {
		t.Fatalf("got %s %q, want 200 application/json", resp.Status, resp.Header.Get("Content-Type"))
	}
	var snap results.Snapshot
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&snap); err != nil {
		t.Fatalf("decode /stats into Snapshot: %v\n%s", err, body)
	}
	checkRanges(t, snap)
	if len(snap.Processes) != 1 || snap.Processes[0].PID != int32(os.Getpid()) || snap.Processes[0].Role != results.RoleServer || snap.Processes[0].Goroutines <= 0 {
		t.Errorf("got processes %+v, want this process as %q with its goroutines", snap.Processes, results.RoleServer)
	}
	// Encoding the decoded snapshot again gives the same document: nothing is lost either way.
	again, err := json.Marshal(snap)
	if err != nil {
		t.Fatal(err)
	}
	var a, b any
	_ = json.Unmarshal(body, &a)
	_ = json.Unmarshal(again, &b)
	if !reflect.DeepEqual(a, b) {
		t.Errorf("round trip changed the document:\ngot  %s\nwant %s", again, body)
	}
}

func TestStatsHandlerRejectsOtherMethods(t *testing.T) {
	rec := httptest.NewRecorder()
	StatsHandler(results.RoleServer).ServeHTTP(rec, httptest.NewRequest(http.MethodPost, "/stats", nil))
	if rec.Code != http.StatusMethodNotAllowed || rec.Header().Get("Allow") != "GET, HEAD" {
		t.Errorf("got %d Allow %q, want 405 Allow \"GET, HEAD\"", rec.Code, rec.Header().Get("Allow"))
	}
}

func TestStatsURL(t *testing.T) {
	tests := []struct {
		target, want string
		wantErr      bool
	}{
		{target: "http://127.0.0.1:8080", want: "http://127.0.0.1:8080/stats"},
		{target: "http://127.0.0.1:8080/", want: "http://127.0.0.1:8080/stats"},
		{target: "https://api.example.com/v1/?x=1#f", want: "https://api.example.com/v1/stats"},
		{target: "127.0.0.1:8080", wantErr: true},
		{target: "ftp://host/", wantErr: true},
		{target: "http://", wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.target, func(t *testing.T) {
			got, err := StatsURL(tt.target)
			if (err != nil) != tt.wantErr || got != tt.want {
				t.Errorf("got %q, %v; want %q, error %v", got, err, tt.want, tt.wantErr)
			}
		})
	}
}

func TestStatsPollerRecordsSnapshots(t *testing.T) {
	before := runtime.NumGoroutine()
	srv := httptest.NewServer(StatsHandler(results.RoleServer))
	p := NewStatsPoller(srv.Client(), srv.URL+StatsPath, "", 300*time.Millisecond)
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	if err := p.Run(ctx); err != nil {
		t.Errorf("Run: %v", err)
	}
	samples := p.Samples()
	if len(samples) < 3 {
		t.Errorf("got %d samples, want at least 3 (first, during, last)", len(samples))
	}
	for _, s := range samples {
		checkRanges(t, s)
	}
	if p.Note() != "" {
		t.Errorf("got note %q, want none", p.Note())
	}
	srv.Close()
	srv.Client().CloseIdleConnections()
	waitGoroutines(t, before)
}

func TestStatsPollerToleratesTargetWithoutStats(t *testing.T) {
	requests := 0
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		requests++
		http.NotFound(w, r)
	}))
	defer srv.Close()
	p := NewStatsPoller(srv.Client(), srv.URL+StatsPath, "", 20*time.Millisecond)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	start := time.Now()
	_ = p.Run(ctx)
	if took := time.Since(start); took > time.Second {
		t.Errorf("Run went on for %v against a target without /stats, want it to stop at the first 404", took)
	}
	if len(p.Samples()) != 0 || requests != 1 {
		t.Errorf("got %d samples after %d requests, want 0 after 1", len(p.Samples()), requests)
	}
	if !strings.Contains(p.Note(), "404") {
		t.Errorf("got note %q, want one naming the 404", p.Note())
	}
}

func TestStatsPollerIgnoresOtherJSON(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.WriteString(w, `{"status":"ok"}`)
	}))
	defer srv.Close()
	_, err := FetchStats(context.Background(), srv.Client(), srv.URL+StatsPath, "")
	if !errors.Is(err, ErrNoStats) {
		t.Errorf("got %v, want ErrNoStats", err)
	}
}

func TestPollStatsStopsAtATargetThatDoesNotAnswerTheProbe(t *testing.T) {
	// A port that was just free: connections are refused.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	target := "http://" + ln.Addr().String()
	ln.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	start := time.Now()
	samples, err := PollStats(ctx, target, "loadtest/test", 50*time.Millisecond)
	if err != nil || len(samples) != 0 {
		t.Errorf("got %d samples, %v; want none and no error", len(samples), err)
	}
	if took := time.Since(start); took > 2*time.Second {
		t.Errorf("PollStats went on for %v after an unanswered probe, want it to stop at once", took)
	}
	if _, err := PollStats(ctx, "not a url", "", time.Second); err == nil {
		t.Error("got no error for target \"not a url\", want one")
	}
}

func TestSameHost(t *testing.T) {
	tests := []struct {
		name string
		a, b results.Snapshot
		want bool
	}{
		{"same host id", results.Snapshot{HostID: "x", Hostname: "a"}, results.Snapshot{HostID: "x", Hostname: "b"}, true},
		{"different host ids, same name", results.Snapshot{HostID: "x", Hostname: "a"}, results.Snapshot{HostID: "y", Hostname: "a"}, false},
		{"no host id, same name", results.Snapshot{Hostname: "a"}, results.Snapshot{HostID: "y", Hostname: "a"}, true},
		{"nothing known", results.Snapshot{}, results.Snapshot{}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := SameHost(tt.a, tt.b); got != tt.want {
				t.Errorf("got %v, want %v", got, tt.want)
			}
		})
	}
}

func FuzzStatsURL(f *testing.F) {
	for _, seed := range []string{"http://127.0.0.1:8080", "https://h/a/b/?q#f", "http://", "ftp://x", "::", "http://[::1]:80//", "http://h/%2F/"} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, target string) {
		got, err := StatsURL(target)
		if err != nil {
			return
		}
		u, perr := url.Parse(got)
		if perr != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || !strings.HasSuffix(u.Path, StatsPath) || u.RawQuery != "" {
			t.Errorf("StatsURL(%q) = %q (%v), want an http(s) URL with a host ending in %s and no query", target, got, perr, StatsPath)
		}
	})
}
