package collector

import (
	"net/http/httptest"
	"testing"

	"github.com/loadtestdev/loadtest/results"
)

// TestSessionOtherHosts: with several hosts, the server side sampled is the target's and its
// origin says so, naming the hosts not sampled.
func TestSessionOtherHosts(t *testing.T) {
	ts := httptest.NewServer(StatsHandler(results.RoleServer))
	defer ts.Close()
	rep := sampleUntil(t, SessionOptions{Target: ts.URL, OtherHosts: []string{"https://auth.example.com", "http://127.0.0.1:7001"}}, 1, EngineFigures{})
	want := ts.URL + "/stats (the target; not sampled: https://auth.example.com, http://127.0.0.1:7001)"
	if rep.ServerOrigin != want {
		t.Errorf("got server origin %q, want %q", rep.ServerOrigin, want)
	}
}

// TestSessionOtherHostHere: a run whose target is elsewhere but one of whose hosts is on this
// machine shares the generator's CPU with it.
func TestSessionOtherHostHere(t *testing.T) {
	tests := []struct {
		name  string
		hosts []string
		want  bool
	}{
		{"none", nil, false},
		{"remote", []string{"https://auth.example.com"}, false},
		{"one local", []string{"https://auth.example.com", "http://127.0.0.1:7001"}, true},
		{"localhost", []string{"http://localhost:8080"}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := &Session{opts: SessionOptions{Target: "https://api.example.com", OtherHosts: tt.hosts}}
			if got := s.otherHostHere(); got != tt.want {
				t.Errorf("got %v, want %v", got, tt.want)
			}
		})
	}
}
