package results_test

import (
	"bytes"
	"errors"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/loadtestdev/loadtest/results"
	"github.com/loadtestdev/loadtest/results/resultstest"
)

// TestMergeControlIsExact merges two runs with polls and skips: counts add up, the most
// attempts is the larger, and the completion summary is that of one histogram of both runs'
// completions (here known by hand: 100, 200, 300 ms and 1, 2 s).
func TestMergeControlIsExact(t *testing.T) {
	ms := time.Millisecond
	a := resultstest.FlowResult(t, resultstest.SignupFlows(), 5)
	resultstest.AddControl(t, a, []resultstest.Poll{
		{Flow: "login-and-swipe", Step: "rcmd", Completions: []time.Duration{100 * ms, 200 * ms, 300 * ms}, Attempts: []uint64{2, 3, 4, 9}, TimedOut: 1},
	}, map[string]uint64{"login-and-swipe/like": 7})
	a.Flows["browse"].LoopsAtMax = map[string]uint64{"feed": 1}
	b := resultstest.FlowResult(t, resultstest.SignupFlows(), 5)
	resultstest.AddControl(t, b, []resultstest.Poll{
		{Flow: "login-and-swipe", Step: "rcmd", Completions: []time.Duration{time.Second, 2 * time.Second}, Attempts: []uint64{12, 5}},
		{Flow: "browse", Step: "profile", Completions: []time.Duration{50 * ms}, Attempts: []uint64{1}},
	}, map[string]uint64{"login-and-swipe/like": 3, "browse/rcmd": 2})
	b.Flows["browse"].LoopsAtMax = map[string]uint64{"feed": 4}
	m, err := results.Merge(a, b)
	if err != nil {
		t.Fatal(err)
	}
	p := m.Flows["login-and-swipe"].Polls["rcmd"]
	want := results.PollStats{Polls: 6, Succeeded: 5, TimedOut: 1, Attempts: 35, AttemptsMax: 12}
	if p.Polls != want.Polls || p.Succeeded != want.Succeeded || p.TimedOut != want.TimedOut || p.Failed != 0 || p.Attempts != want.Attempts || p.AttemptsMax != want.AttemptsMax {
		t.Errorf("merged rcmd %+v, want %+v", *p, want)
	}
	union := results.NewHistogram()
	for _, d := range []time.Duration{100 * ms, 200 * ms, 300 * ms, time.Second, 2 * time.Second} {
		results.RecordDuration(union, d)
	}
	if p.CompletionMS != results.Summarize(union) || p.CompletionMS.P50 < 299 || p.CompletionMS.P50 > 301 {
		t.Errorf("merged completion %+v, want %+v (p50 300 ms)", p.CompletionMS, results.Summarize(union))
	}
	if got := m.Flows["browse"].Polls["profile"]; got == nil || got.Polls != 1 || got.Histogram != b.Flows["browse"].Polls["profile"].Histogram {
		t.Errorf("a poll of one side only: got %+v, want b's", got)
	}
	if m.Skipped != 12 || m.Flows["login-and-swipe"].Skipped["like"] != 10 || m.Flows["browse"].Skipped["rcmd"] != 2 || m.Flows["browse"].LoopsAtMax["feed"] != 5 {
		t.Errorf("merged skipped %d %v %v, loops at max %v", m.Skipped, m.Flows["login-and-swipe"].Skipped, m.Flows["browse"].Skipped, m.Flows["browse"].LoopsAtMax)
	}
	var buf bytes.Buffer
	if err := results.Write(&buf, m); err != nil {
		t.Fatal(err)
	}
	back, err := results.Read(&buf)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(back.Flows, m.Flows) || back.Skipped != m.Skipped {
		t.Errorf("the control figures changed on the round trip")
	}
}

func TestMergeRefusesAPollWithoutHistogram(t *testing.T) {
	a := resultstest.FlowResult(t, resultstest.SignupFlows(), 2)
	resultstest.AddControl(t, a, []resultstest.Poll{{Flow: "browse", Step: "rcmd", Completions: []time.Duration{time.Second}, Attempts: []uint64{2}}}, nil)
	b := resultstest.FlowResult(t, resultstest.SignupFlows(), 2)
	resultstest.AddControl(t, b, []resultstest.Poll{{Flow: "browse", Step: "rcmd", Completions: []time.Duration{time.Second}, Attempts: []uint64{2}}}, nil)
	b.Flows["browse"].Polls["rcmd"].Histogram = ""
	if _, err := results.Merge(a, b); !errors.Is(err, results.ErrMismatch) || !strings.Contains(err.Error(), `step "rcmd" has no completion histogram`) {
		t.Fatalf("got %v, want ErrMismatch naming the step", err)
	}
}
