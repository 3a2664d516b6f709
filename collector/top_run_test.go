package collector

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/loadtestdev/loadtest/results"
)

// TestRunTopTarget shows three JSON snapshots of a /stats server; the second request fails,
// which a watch survives with a warning.
func TestRunTopTarget(t *testing.T) {
	stats := StatsHandler("server")
	var n atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if n.Add(1) == 2 {
			http.NotFound(w, r)
			return
		}
		if got := r.Header.Get("User-Agent"); got != "loadtest/test" {
			t.Errorf("User-Agent %q, want loadtest/test", got)
		}
		stats.ServeHTTP(w, r)
	}))
	defer srv.Close()
	var out, errOut bytes.Buffer
	err := RunTop(context.Background(), TopOptions{Target: srv.URL, Interval: 10 * time.Millisecond, Frames: 3, JSON: true,
		UserAgent: "loadtest/test", Out: &out, ErrOut: &errOut})
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	if len(lines) != 2 {
		t.Fatalf("got %d JSON lines, want 2 (3 frames, one missed):\n%s", len(lines), out.String())
	}
	for _, l := range lines {
		var snap results.Snapshot
		if err := json.Unmarshal([]byte(l), &snap); err != nil || snap.Time.IsZero() {
			t.Errorf("line %q: %v", l, err)
		}
	}
	if !strings.HasPrefix(errOut.String(), "warning: ") || !strings.Contains(errOut.String(), "only the loadtest reference server serves it") {
		t.Errorf("stderr %q, want one warning naming the reference server", errOut.String())
	}
}

func TestRunTopFirstScreenFails(t *testing.T) {
	srv := httptest.NewServer(http.NotFoundHandler())
	defer srv.Close()
	var out bytes.Buffer
	err := RunTop(context.Background(), TopOptions{Target: srv.URL, Interval: time.Second, Frames: 0, Out: &out, ErrOut: &out})
	if err == nil || !strings.Contains(err.Error(), "run top without --target") {
		t.Fatalf("got %v, want the first screen's failure", err)
	}
}

func TestRunTopThisHostUntilCancelled(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
	defer cancel()
	var out bytes.Buffer
	if err := RunTop(ctx, TopOptions{Interval: 50 * time.Millisecond, Out: &out, ErrOut: &out}); err != nil {
		t.Fatalf("got %v, want nil when ctx ends", err)
	}
	if n := strings.Count(out.String(), "load average: "); n < 1 {
		t.Errorf("got %d screens, want at least 1:\n%s", n, out.String())
	}
}
