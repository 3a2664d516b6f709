package runner

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"

	"github.com/loadtestdev/loadtest/engine"
)

// TestBeforeStart: the hook sees the engine's options after the host sampling started and
// may change them (here: fewer requests); its error ends the run before anything is sent.
func TestBeforeStart(t *testing.T) {
	var served atomic.Uint64
	srv := httptest.NewServer(http.HandlerFunc(func(_ http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/stats" { // the host sampling polls it
			served.Add(1)
		}
	}))
	defer srv.Close()
	eo := engine.Options{Targeter: oneURL(srv.URL), Target: srv.URL, RatePerSec: 50, Duration: 10 * time.Second}
	tests := []struct {
		name     string
		hook     error
		wantReqs uint64
	}{
		{"adjusts the options", nil, 5},
		{"stops the run", errors.New("coordinator refused"), 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			served.Store(0)
			var sawRate float64
			oc, err := Attack(t.Context(), AttackOptions{Engine: eo, Sampling: &Sampling{Interval: 100 * time.Millisecond, ReadyWait: time.Second},
				BeforeStart: func(_ context.Context, o *engine.Options) error {
					sawRate, o.MaxRequests = o.RatePerSec, 5
					return tt.hook
				}})
			if sawRate != 50 {
				t.Errorf("the hook saw rate %v, want 50", sawRate)
			}
			if tt.hook != nil {
				if oc != nil || !errors.Is(err, tt.hook) || served.Load() != 0 {
					t.Errorf("got outcome %v, error %v, %d served; want none, the hook's error, nothing sent", oc, err, served.Load())
				}
				return
			}
			if err != nil || oc.Result.Requests != tt.wantReqs || served.Load() != tt.wantReqs {
				t.Errorf("got %v, %d requests, %d served; want %d", err, oc.Result.Requests, served.Load(), tt.wantReqs)
			}
		})
	}
}
