package engine

import (
	"testing"
	"time"

	"github.com/loadtestdev/loadtest/results"
)

func TestTimelineGapsAndStragglers(t *testing.T) {
	tl := newTimeline()
	tl.add(100, true, time.Millisecond)
	tl.add(100, false, 3*time.Millisecond)
	tl.add(101, true, 2*time.Millisecond)
	tl.add(104, true, time.Millisecond) // closes 100 and 101 (all before 103)
	tl.add(101, true, time.Millisecond) // a straggler for closed 101: counts in the next, 102
	// 103 saw nothing: it comes out empty between 102 and 104
	got, err := tl.finish()
	if err != nil {
		t.Fatal(err)
	}
	want := []struct {
		unix                        int64
		requests, successes, errors uint64
	}{{100, 2, 1, 1}, {101, 1, 1, 0}, {102, 1, 1, 0}, {103, 0, 0, 0}, {104, 1, 1, 0}}
	if len(got) != len(want) {
		t.Fatalf("got %d seconds %+v, want %d", len(got), got, len(want))
	}
	for i, w := range want {
		g := got[i]
		if g.Unix != w.unix || g.Requests != w.requests || g.Successes != w.successes || g.Errors != w.errors {
			t.Errorf("second %d = {%d %d %d %d}, want %+v", i, g.Unix, g.Requests, g.Successes, g.Errors, w)
		}
	}
	if got[0].P50MS != 1 || got[0].MaxMS < 3 || got[0].MaxMS > 3.01 {
		t.Errorf("second 100 p50 %v max %v, want 1 and 3 ms", got[0].P50MS, got[0].MaxMS)
	}
	h, err := results.DecodeHistogram(got[0].Latency)
	if err != nil || h.TotalCount() != 2 {
		t.Errorf("second 100 histogram: %v values (%v), want 2", h.TotalCount(), err)
	}
}

func TestStatsErrorsAndCodes(t *testing.T) {
	s := newStats()
	s.add(200, true, time.Millisecond, time.Millisecond, "", "", nil)
	s.add(0, false, time.Millisecond, time.Millisecond, ClassRefused, `Get "http://h/#0": connection refused`, nil)
	s.add(503, false, time.Millisecond, time.Millisecond, "http 503", "503 Service Unavailable", nil)
	s.add(503, false, time.Millisecond, time.Millisecond, "http 503", "503 Service Unavailable", nil)
	s.add(999, false, time.Millisecond, time.Millisecond, "http 999", "999", nil)
	codes := s.statusCodes()
	for code, n := range map[string]uint64{"200": 1, "0": 1, "503": 2, "999": 1} {
		if codes[code] != n {
			t.Errorf("status %s = %d, want %d (all %v)", code, codes[code], n, codes)
		}
	}
	errs := s.errorList()
	if len(errs) != 3 || errs[0].Class != "http 503" || errs[0].Count != 2 || errs[1].Message != `Get "http://h/": connection refused` {
		t.Errorf("errors = %+v, want http 503 ×2 first and the refused sample without its tag", errs)
	}
}
