package engine

import (
	"context"
	"net/http"
	"sync"
	"testing"
	"time"
)

// TestRunInterruptEndsTheWaitForTheNextHit checks that an interrupt stops a worker waiting for
// the next hit's time: at 1/s, a run cancelled once the server has seen hit 0 sends nothing
// more (vegeta's attacker slept through the wait and could still send the hit due after it).
func TestRunInterruptEndsTheWaitForTheNextHit(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var once sync.Once
	cs := newCountingServer(t, func(w http.ResponseWriter, r *http.Request) {
		once.Do(cancel)
		_, _ = w.Write([]byte("ok"))
	})
	r, err := Run(ctx, Options{Targeter: newFake(cs.URL, "/"), RatePerSec: 1, Duration: time.Minute, Connections: 2})
	if err != nil {
		t.Fatal(err)
	}
	if !r.Interrupted || r.Sent != 1 || r.Requests != 1 || cs.count.Load() != 1 {
		t.Errorf("interrupted %v, sent %d, requests %d, server %d; want true and 1 each", r.Interrupted, r.Sent, r.Requests, cs.count.Load())
	}
}

// TestRunWorkersStartOnDemand checks that a run at a low rate starts no more workers, hence
// opens no more connections, than it needs, and one at max rate starts them all.
func TestRunWorkersStartOnDemand(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		rate float64
		max  int // connections at most (of 50)
	}{
		{"low rate", 20, initialWorkers},
		{"max rate", 0, 50},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var mu sync.Mutex
			conns := map[string]bool{}
			cs := newCountingServer(t, func(w http.ResponseWriter, r *http.Request) {
				mu.Lock()
				conns[r.RemoteAddr] = true
				mu.Unlock()
				_, _ = w.Write([]byte("ok"))
			})
			var peak uint64
			r, err := Run(context.Background(), Options{Targeter: newFake(cs.URL, "/"), RatePerSec: tt.rate,
				MaxRequests: 40, Connections: 50, OnEnd: func(p Progress) { peak = p.PeakInFlight }})
			if err != nil {
				t.Fatal(err)
			}
			mu.Lock()
			defer mu.Unlock()
			if r.Requests != 40 || len(conns) > tt.max || peak > uint64(tt.max) {
				t.Errorf("requests %d over %d connections, peak in flight %d; want 40 over at most %d", r.Requests, len(conns), peak, tt.max)
			}
		})
	}
}
