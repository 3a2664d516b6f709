package reports

import (
	"bytes"
	"path/filepath"
	"strings"
	"testing"

	"github.com/loadtestdev/loadtest/internal/golden"
	"github.com/loadtestdev/loadtest/results"
)

func TestTextGolden(t *testing.T) {
	var buf bytes.Buffer
	if err := Text(&buf, fixtureResult(t)); err != nil {
		t.Fatal(err)
	}
	golden.Assert(t, filepath.Join("testdata", "report.txt"), buf.Bytes())
}

func TestTextSections(t *testing.T) {
	full := fixtureResult(t)
	merged := fixtureResult(t)
	merged.Sources = []string{"a.json", "b.json"}
	merged.SourceHosts = []*results.Host{{Source: "a.json", Generator: full.Host.Generator}, {Source: "b.json", Server: full.Host.Server}}
	merged.Host = nil
	bare := &results.Result{Schema: results.Schema, Scenario: "s", Target: "http://x"}
	probe := &results.Result{Schema: results.Schema, Scenario: "s", Target: "http://x", Interrupted: true, Connections: 8,
		Probe: &results.Probe{SLOs: []string{"p99<100ms"}, SustainableRate: 400, Steps: []results.ProbeStep{
			{RateAsked: 400, Rate: 399.5, Throughput: 399.5, P99MS: 80, Passed: true},
			{RateAsked: 800, Rate: 610, Throughput: 600, P99MS: 950, ErrorRatio: 0.016, Breached: "p99<100ms"}}}}
	tests := []struct {
		name    string
		r       *results.Result
		want    []string
		notWant []string
	}{
		{"full", full, []string{"scenario", "echo", "rate asked", "100.00 req/s", "p99.9", "service time", "0 (no response)",
			"http 500", "search", "generator (2 cpu)", "peak", "Warnings", "generator_saturated", "Thresholds: 1 of 2 passed", "FAIL"}, []string{"merged from"}},
		{"merged", merged, []string{"merged from", "2 sources: a.json, b.json", "a.json", "b.json"}, []string{"this run"}},
		{"probe", probe, []string{"interrupted", "max (8 connections)", "Probe: sustainable rate 400.00 req/s (SLOs: p99<100ms)", "950.00 ms", "1.60 %", "FAIL", "p99<100ms"}, nil},
		{"bare", bare, []string{"scenario", "requests", "max"}, []string{"Host", "Warnings", "Thresholds", "Errors", "Per request"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var buf bytes.Buffer
			if err := Text(&buf, tt.r); err != nil {
				t.Fatal(err)
			}
			out := buf.String()
			for _, w := range tt.want {
				if !strings.Contains(out, w) {
					t.Errorf("got no %q in\n%s", w, out)
				}
			}
			for _, w := range tt.notWant {
				if strings.Contains(out, w) {
					t.Errorf("got %q, want none in\n%s", w, out)
				}
			}
		})
	}
}

func TestHostSummaryOnly(t *testing.T) {
	r := &results.Result{Schema: results.Schema, Scenario: "s", Target: "http://x", Host: &results.Host{
		Server: &results.HostSeries{Origin: "pid 7", Summary: map[string]results.SeriesStat{
			"load1": {Max: 3.5}, "load5": {Max: 2}, "load15": {Max: 1}, "cpu_user": {Max: 60}, "cpu_system": {Max: 9}, "cpu_idle": {Min: 31}}}}}
	var buf bytes.Buffer
	if err := Text(&buf, r); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"server", "pid 7", "3.50 / 2.00 / 1.00", "60.0 / 9.0 / 31.0 %"} {
		if !strings.Contains(buf.String(), want) {
			t.Errorf("got no %q in\n%s", want, buf.String())
		}
	}
}
