package reports

import (
	"bytes"
	"path/filepath"
	"testing"

	"github.com/loadtestdev/loadtest/internal/golden"
	"github.com/loadtestdev/loadtest/results"
)

func TestWriteProbe(t *testing.T) {
	tests := []struct {
		name  string
		probe *results.Probe
	}{
		{"probe.txt", &results.Probe{SLOs: []string{"p99<100ms", "errors<1%"}, SustainableRate: 1000, Steps: []results.ProbeStep{
			{RateAsked: 1000, Rate: 999.5, Throughput: 999.5, P99MS: 12.5, Passed: true},
			{RateAsked: 2000, Rate: 1500, Throughput: 1400, P99MS: 950, ErrorRatio: 0.0667, Breached: "p99<100ms, errors<1%"},
			{RateAsked: 1500, Rate: 1499.9999, Throughput: 1320, P99MS: 0.4, Breached: "p99<100ms"},
		}}},
		{"probe-none.txt", &results.Probe{SLOs: []string{"p99<1ms", "errors<1%", "rps>=10"}, Steps: []results.ProbeStep{
			{RateAsked: 10, Rate: 10, Throughput: 9.5, P99MS: 20_000, ErrorRatio: 0.05, Breached: "p99<1ms, errors<1%, rps>=10"},
		}}},
		{"probe-converged.txt", &results.Probe{SLOs: []string{"p99<100ms"}, SustainableRate: 1000, Converged: true, Stop: results.ProbeConverged,
			Bracket: &results.ProbeBracket{HighestPassed: 1000, LowestFailed: 1050}, Precision: 0.05, PrecisionReached: 50.0 / 1050, Steps: []results.ProbeStep{
				{RateAsked: 1000, Rate: 999.5, Throughput: 999.5, P99MS: 12.5, Passed: true},
				{RateAsked: 1050, Rate: 1049, Throughput: 1049, P99MS: 150, Breached: "p99<100ms", FailedBy: results.FailedByServer},
			}}},
		{"probe-max-steps.txt", &results.Probe{SLOs: []string{"p99<100ms"}, SustainableRate: 800, Stop: results.ProbeMaxSteps,
			Bracket: &results.ProbeBracket{HighestPassed: 800, LowestFailed: 1600}, Precision: 0.05, PrecisionReached: 0.5, Steps: []results.ProbeStep{
				{RateAsked: 800, Rate: 800, Throughput: 800, P99MS: 12.5, Passed: true},
				{RateAsked: 1600, Rate: 1590, Throughput: 1590, P99MS: 450, Breached: "p99<100ms", FailedBy: results.FailedByServer},
			}}},
		{"probe-generator.txt", &results.Probe{SLOs: []string{"p99<100ms"}, SustainableRate: 313, Stop: results.ProbeGenerator,
			Bracket: &results.ProbeBracket{HighestPassed: 313}, Precision: 0.05, GeneratorLimit: 325, Steps: []results.ProbeStep{
				{RateAsked: 300, Rate: 300, Throughput: 300, P99MS: 10, Passed: true},
				{RateAsked: 325, Rate: 300, Throughput: 300, P99MS: 10, Breached: "rate 300/s < 95% of 325/s", FailedBy: results.FailedByGenerator},
				{RateAsked: 313, Rate: 300, Throughput: 300, P99MS: 10, Passed: true},
			}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var buf bytes.Buffer
			if err := WriteProbe(&buf, tt.probe); err != nil {
				t.Fatal(err)
			}
			golden.Assert(t, filepath.Join("testdata", tt.name), buf.Bytes())
		})
	}
}

func TestSLOList(t *testing.T) {
	for _, tt := range []struct {
		slos []string
		want string
	}{
		{nil, ""},
		{[]string{"a"}, "a"},
		{[]string{"a", "b"}, "a and b"},
		{[]string{"a", "b", "c"}, "a, b and c"},
	} {
		if got := sloList(tt.slos); got != tt.want {
			t.Errorf("sloList(%q): got %q, want %q", tt.slos, got, tt.want)
		}
	}
}
