package engine

import (
	"context"
	"errors"
	"net/http"
	"testing"
	"time"

	"github.com/loadtestdev/loadtest/results"
)

// TestProgressPartial checks that Progress.Partial is a copy of what was measured at that
// instant: rendered after the run has gone on (and ended), its counters are still those of
// the progress it came with (also when it is taken a while into the OnSecond call), its
// histograms hold as many requests, every request name is there, and taking it does not
// disturb the final result.
func TestProgressPartial(t *testing.T) {
	t.Parallel()
	cs := newCountingServer(t, func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/bad" {
			w.WriteHeader(http.StatusInternalServerError)
			return
		}
		_, _ = w.Write([]byte("ok"))
	})
	stop := errors.New("stop")
	type taken struct {
		progress Progress
		partial  *Partial
	}
	var snaps []taken
	final, err := Run(context.Background(), Options{
		Targeter: newFake(cs.URL, "/ok", "/bad"), RatePerSec: 40, Duration: 10 * time.Second,
		OnSecond: func(p Progress) error {
			// the workers record as they go: a copy taken when asked, not with the
			// counters, would hold the requests answered meanwhile (at 40/s, about 8)
			time.Sleep(200 * time.Millisecond)
			snaps = append(snaps, taken{p, p.Partial()})
			if len(snaps) == 2 {
				return stop
			}
			return nil
		},
	})
	if !errors.Is(err, stop) || len(snaps) != 2 {
		t.Fatalf("err = %v after %d seconds, want the OnSecond error after 2", err, len(snaps))
	}
	for i, s := range snaps {
		r, err := s.partial.Result()
		if err != nil {
			t.Fatalf("partial %d: %v", i, err)
		}
		if r.Requests == 0 || r.Requests != s.progress.Requests || r.Successes != s.progress.Successes {
			t.Errorf("partial %d: %d requests, %d successes; its progress said %d, %d", i, r.Requests, r.Successes, s.progress.Requests, s.progress.Successes)
		}
		h, err := results.DecodeHistogram(r.Histograms.Latency)
		if err != nil || uint64(h.TotalCount()) != r.Requests {
			t.Errorf("partial %d latency histogram: %v, %d values, want %d", i, err, h.TotalCount(), r.Requests)
		}
		bad := r.ByRequest["GET /bad"]
		if len(r.ByRequest) != 2 || bad == nil || bad.Successes != 0 || bad.Requests == 0 || len(r.Errors) != 1 || r.Errors[0].Class != "http 500" {
			t.Errorf("partial %d: by_request %v errors %+v, want GET /ok and GET /bad, whose requests all failed with http 500", i, r.ByRequest, r.Errors)
		}
		if len(r.Timeline) != 0 || r.DurationS <= 0 {
			t.Errorf("partial %d: %d timeline seconds, duration %v; want no timeline and a duration", i, len(r.Timeline), r.DurationS)
		}
	}
	if final.Requests <= snaps[0].progress.Requests || len(final.Timeline) == 0 || final.Requests != cs.count.Load() {
		t.Errorf("final: %d requests (first partial %d, server %d), %d timeline seconds; want more than the partial, the server's count, a timeline",
			final.Requests, snaps[0].progress.Requests, cs.count.Load(), len(final.Timeline))
	}
	checkConsistent(t, final)
}
