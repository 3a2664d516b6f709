package cli

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
)

// TestRunServerStatsPoll runs against a third-party server (no /stats): by default the run
// asks GET /stats once, with the User-Agent of its load requests, and notes it once;
// --server-stats=false sends no request to /stats at all.
func TestRunServerStatsPoll(t *testing.T) {
	tests := []struct {
		name      string
		flags     []string
		wantStats int
	}{
		{"default probes once", nil, 1},
		{"--server-stats=false sends nothing", []string{"--server-stats=false"}, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var mu sync.Mutex
			paths := map[string]int{}
			agents := map[string]map[string]bool{} // path → User-Agents seen
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				mu.Lock()
				paths[r.URL.Path]++
				if agents[r.URL.Path] == nil {
					agents[r.URL.Path] = map[string]bool{}
				}
				agents[r.URL.Path][r.UserAgent()] = true
				mu.Unlock()
				if r.URL.Path == "/stats" {
					http.NotFound(w, r)
					return
				}
				_, _ = w.Write([]byte("ok"))
			}))
			defer srv.Close()
			args := append([]string{"run", "echo", "--target", srv.URL, "--rate", "20/s", "--duration", "1s",
				"--sample-interval", "50ms", "--quiet", "--no-thresholds"}, tt.flags...)
			code, _, errOut := runCLI(t, args...)
			if code != 0 {
				t.Fatalf("exit %d: %s", code, errOut)
			}
			mu.Lock()
			defer mu.Unlock()
			if paths["/stats"] != tt.wantStats || paths["/echo"] == 0 {
				t.Errorf("got requests per path %v, want %d to /stats and the load to /echo", paths, tt.wantStats)
			}
			want := "loadtest/" + version()
			for path, uas := range agents {
				if len(uas) != 1 || !uas[want] {
					t.Errorf("%s: got User-Agents %v, want only %q", path, uas, want)
				}
			}
			n := 0
			for _, line := range strings.Split(errOut, "\n") {
				if strings.Contains(line, "/stats") {
					n++
				}
			}
			if n != tt.wantStats {
				t.Errorf("got %d notes about /stats in %q, want %d", n, errOut, tt.wantStats)
			}
		})
	}
}

// TestKubeShardsGetServerStats: --server-stats=false reaches every pod's run.
func TestKubeShardsGetServerStats(t *testing.T) {
	code, out, errOut := runCLI(t, "cluster", "manifest", "echo", "--shards", "2", "--image", "i:v1",
		"--target", "http://192.0.2.1:8080", "--cluster-token", "x", "--server-stats=false")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	if !strings.Contains(out, "--server-stats=false") {
		t.Errorf("the manifest does not pass --server-stats=false to the shards:\n%s", out)
	}
}
