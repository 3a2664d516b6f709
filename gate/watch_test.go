package gate

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/loadtestdev/loadtest/results"
)

func TestDescribeThresholds(t *testing.T) {
	got := DescribeThresholds([]results.ThresholdResult{
		{Expression: "p99<1us", Measured: 0.41234, Unit: "ms"},
		{Expression: "errors<1%", Measured: 100, Unit: "%"},
		{Expression: "requests>5", Measured: 3},
		{Expression: "p50<1ns", Measured: 0.004, Unit: "ms"},
	})
	want := "p99<1us (measured 0.41 ms), errors<1% (measured 100 %), requests>5 (measured 3), p50<1ns (measured 0.004 ms)"
	if got != want {
		t.Errorf("got %q, want %q", got, want)
	}
}

// fixedPartial is a partial result the test makes up.
type fixedPartial struct{ r *results.Result }

func (p fixedPartial) Result() (*results.Result, error) { return p.r, nil }

func TestWatcherStopsAtTheNextSecond(t *testing.T) {
	ths, err := LoadThresholds(ThresholdSet{Flags: []string{"errors<1%", "rps>1000"}})
	if err != nil {
		t.Fatal(err)
	}
	failing := &results.Result{Requests: 20, Successes: 0, DurationS: 1, Rate: 20}
	passing := &results.Result{Requests: 20, Successes: 20, DurationS: 1, Rate: 20}
	tests := []struct {
		name     string
		partials []*results.Result
		stopAt   int // the Observe call (0-based) that stops the run; -1 none
	}{
		{"recoverable all along", []*results.Result{passing, passing, passing}, -1},
		{"lost at the first check", []*results.Result{failing, failing, failing}, 1},
		{"lost at the second check", []*results.Result{passing, failing, failing}, 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := NewWatcher(ths, 300)
			stopped := -1
			for i, p := range tt.partials {
				tick := Tick{Elapsed: time.Duration(i+1) * time.Second, Requests: p.Requests, Partial: func() Partial { return fixedPartial{p} }}
				if err := w.Observe(tick); err != nil {
					if !errors.Is(err, ErrAbortOnFail) {
						t.Fatalf("Observe: %v", err)
					}
					stopped = i
					break
				}
				w.pending.Wait() // the checker has evaluated this second's copy
			}
			w.Stop()
			if stopped != tt.stopAt {
				t.Fatalf("stopped at Observe %d, want %d", stopped, tt.stopAt)
			}
			a := w.Aborted()
			if tt.stopAt < 0 {
				if a != nil {
					t.Errorf("aborted %+v, want none", a)
				}
				return
			}
			// errors<1% alone is lost: rps>1000 could still be reached by a faster rest of the run
			if a == nil || len(a.Lost) != 1 || a.Lost[0].Expression != "errors<1%" ||
				a.LostAt != time.Duration(tt.stopAt)*time.Second || a.Stopped != time.Duration(tt.stopAt+1)*time.Second {
				t.Errorf("abort %+v, want errors<1%% lost at %ds, stopped at %ds", a, tt.stopAt, tt.stopAt+1)
			}
			final := &results.Result{Requests: 40, DurationS: 2, Rate: 20}
			RecordThresholds(final, ths, a, w.Planned())
			var be *BreachError
			if err := Verdict(final, a); !errors.As(err, &be) || be.Aborted != a || len(final.Warnings) != 1 || final.Warnings[0].Values["planned_requests"] != 300 {
				t.Errorf("verdict %v, warnings %+v; want the abort with planned 300", err, final.Warnings)
			}
		})
	}
}

func TestLoadThresholds(t *testing.T) {
	tests := []struct {
		name    string
		set     ThresholdSet
		n       int
		wantErr string
	}{
		{"flags and scenario", ThresholdSet{Flags: []string{"p99<1s"}, Scenario: []string{"errors<1%"}, Source: "s.yaml"}, 2, ""},
		{"NaN in the scenario", ThresholdSet{Scenario: []string{"NaN"}, Source: "s.yaml"}, 0, "scenario s.yaml: thresholds[0]"},
		{"bad value in the scenario", ThresholdSet{Scenario: []string{"ok", "p99 < 2xx"}, Source: "s.yaml"}, 0, "thresholds[1]"},
		{"bad flag", ThresholdSet{Flags: []string{"p99<2xx"}}, 0, "--threshold: "},
		{"duplicate", ThresholdSet{Flags: []string{"p99<1s"}, Scenario: []string{"p99 < 1000ms"}}, 0, "--no-thresholds"},
		{"unknown request", ThresholdSet{Flags: []string{"b.p99<1s"}, Requests: []string{"a"}}, 0, `unknown request "b"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ths, err := LoadThresholds(tt.set)
			if tt.wantErr == "" {
				if err != nil || len(ths) != tt.n {
					t.Errorf("got %d thresholds, %v; want %d", len(ths), err, tt.n)
				}
				return
			}
			if err == nil || !contains(err.Error(), tt.wantErr) {
				t.Errorf("err = %v, want it to contain %q", err, tt.wantErr)
			}
		})
	}
}

func contains(s, sub string) bool { return strings.Contains(s, sub) }
