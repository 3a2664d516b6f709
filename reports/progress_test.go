package reports

import (
	"strings"
	"testing"
	"time"

	"github.com/loadtestdev/loadtest/engine"
	"github.com/loadtestdev/loadtest/results"
)

func TestWriteProgress(t *testing.T) {
	tests := []struct {
		name string
		pr   engine.Progress
		want string
	}{
		{"bounded", engine.Progress{Elapsed: 2400 * time.Millisecond, Duration: 10 * time.Second, RatePerSec: 199.6, P99MS: 1.234, Requests: 1234567, Errors: 3},
			"  2s / 10s   200 req/s   p99 1.23 ms   1234567 requests   3 errors"},
		{"unbounded", engine.Progress{Elapsed: 61 * time.Second, RatePerSec: 0, P99MS: 0, Requests: 0, Errors: 0},
			"  1m1s / ∞   0 req/s   p99 0.00 ms   0 requests   0 errors"},
		{"a shard", engine.Progress{Elapsed: 2 * time.Second, Duration: 10 * time.Second, RatePerSec: 100, Requests: 200, Shard: engine.Shard{Index: 1, Count: 3}},
			"  shard 1/3 2s / 10s   100 req/s   p99 0.00 ms   200 requests   0 errors"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var b strings.Builder
			if err := WriteProgress(&b, tt.pr); err != nil {
				t.Fatal(err)
			}
			if b.String() != tt.want {
				t.Errorf("got  %q\nwant %q", b.String(), tt.want)
			}
		})
	}
}

func TestWriteProbeStep(t *testing.T) {
	tests := []struct {
		name string
		step results.ProbeStep
		want string
	}{
		{"pass", results.ProbeStep{RateAsked: 100, Rate: 99.75, P99MS: 12.345, ErrorRatio: 0.001, Passed: true},
			"step 3: 100.00 req/s asked, 99.75 req/s achieved, p99 12.35 ms, errors 0.10 %: pass\n"},
		{"fail", results.ProbeStep{RateAsked: 1600, Rate: 1200, P99MS: 0.5, ErrorRatio: 0, Breached: "p99<100us"},
			"step 3: 1600.00 req/s asked, 1200.00 req/s achieved, p99 500 µs, errors 0.00 %: FAIL: p99<100us\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var b strings.Builder
			if err := WriteProbeStep(&b, 3, tt.step); err != nil {
				t.Fatal(err)
			}
			if b.String() != tt.want {
				t.Errorf("got  %q\nwant %q", b.String(), tt.want)
			}
		})
	}
	var b strings.Builder
	if err := WriteProbeStepStart(&b, 1, 100, 10*time.Second); err != nil {
		t.Fatal(err)
	}
	if want := "step 1: 100.00 req/s for 10s\n"; b.String() != want {
		t.Errorf("got %q, want %q", b.String(), want)
	}
}

func TestProbeLines(t *testing.T) {
	var b strings.Builder
	lines := ProbeLines{W: &b, StepDuration: 10 * time.Second}
	lines.StepStart(1, 100)
	lines.StepEnd(1, results.ProbeStep{RateAsked: 100, Rate: 99.75, P99MS: 12.345, ErrorRatio: 0.001, Passed: true})
	want := "step 1: 100.00 req/s for 10s\nstep 1: 100.00 req/s asked, 99.75 req/s achieved, p99 12.35 ms, errors 0.10 %: pass\n"
	if b.String() != want {
		t.Errorf("got  %q\nwant %q", b.String(), want)
	}
	quiet := ProbeLines{StepDuration: time.Second} // no writer: --quiet
	quiet.StepStart(1, 100)
	quiet.StepEnd(1, results.ProbeStep{})
}
