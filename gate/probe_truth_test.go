package gate

import (
	"context"
	"math"
	"testing"
	"time"

	"github.com/loadtestdev/loadtest/results"
)

// limitsStep fakes a server that holds serverCap req/s (above it every request takes 500 ms)
// and a load generator that can send at most generatorCap req/s: above that a step sends only
// generatorCap and carries the collector's generator_cpu_saturated warning (it still passes
// when generatorCap is within 95% of the rate asked, as 300 of 313 is).
func limitsStep(t *testing.T, serverCap, generatorCap float64, asked *[]float64) StepFunc {
	return func(ctx context.Context, rate float64) (*results.Result, error) {
		*asked = append(*asked, rate)
		lat := 10 * time.Millisecond
		if rate > serverCap {
			lat = 500 * time.Millisecond
		}
		if rate <= generatorCap {
			return fabricate(t, 100, 0, 100/rate, func(int) time.Duration { return lat }), nil
		}
		r := fabricate(t, 100, 0, 100/generatorCap, func(int) time.Duration { return lat })
		r.Warnings = []results.Warning{{Code: "generator_cpu_saturated", Message: "the loadtest process used 195% CPU"}}
		return r, nil
	}
}

// TestProbeTellsTheTruth: the probe says whether it converged, its bracket and the precision
// reached, and a step the generator failed is not the server's limit.
func TestProbeTellsTheTruth(t *testing.T) {
	tests := []struct {
		name                   string
		serverCap, genCap      float64
		o                      ProbeOptions
		wantAsked              []float64
		wantStop               string
		wantConverged          bool
		wantPass, wantFail     float64
		wantGenLimit, wantPrec float64
	}{
		{"converged", 1000, math.Inf(1), ProbeOptions{Start: 100, Max: 100000, MaxSteps: 20},
			[]float64{100, 200, 400, 800, 1600, 1200, 1000, 1100, 1050}, results.ProbeConverged, true, 1000, 1050, 0, 50.0 / 1050},
		{"max steps with a bracket", 1000, math.Inf(1), ProbeOptions{Start: 800, Max: 100000, MaxSteps: 2},
			[]float64{800, 1600}, results.ProbeMaxSteps, false, 800, 1600, 0, 0.5},
		{"max steps while doubling", 1000, math.Inf(1), ProbeOptions{Start: 100, Max: 100000, MaxSteps: 3},
			[]float64{100, 200, 400}, results.ProbeMaxSteps, false, 400, 0, 0, 0},
		{"every step passed up to max", 1e9, math.Inf(1), ProbeOptions{Start: 100, Max: 500, MaxSteps: 20},
			[]float64{100, 200, 400, 500}, results.ProbeMaxRate, false, 500, 0, 0, 0},
		{"the generator is the limit", 1e9, 300, ProbeOptions{Start: 100, Max: 100000, MaxSteps: 20},
			[]float64{100, 200, 400, 300, 350, 325, 313}, results.ProbeGenerator, false, 313, 0, 325, 0},
		{"the server is the limit below the generator's", 250, 300, ProbeOptions{Start: 100, Max: 100000, MaxSteps: 20},
			[]float64{100, 200, 400, 300, 250, 275, 263}, results.ProbeConverged, true, 250, 263, 400, 13.0 / 263},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var asked []float64
			o := tt.o
			o.SLOs = sloSet(t, "p99<100ms")
			r, err := Probe(context.Background(), o, limitsStep(t, tt.serverCap, tt.genCap, &asked))
			if err != nil {
				t.Fatal(err)
			}
			p := r.Probe
			if !equalRates(asked, tt.wantAsked) {
				t.Errorf("rates asked: got %v, want %v", asked, tt.wantAsked)
			}
			if p.Stop != tt.wantStop || p.Converged != tt.wantConverged {
				t.Errorf("stop %q, converged %v; want %q, %v", p.Stop, p.Converged, tt.wantStop, tt.wantConverged)
			}
			if p.Bracket == nil || p.Bracket.HighestPassed != tt.wantPass || p.Bracket.LowestFailed != tt.wantFail || p.SustainableRate != tt.wantPass {
				t.Errorf("bracket %+v, sustainable %v; want [%v, %v]", p.Bracket, p.SustainableRate, tt.wantPass, tt.wantFail)
			}
			if p.GeneratorLimit != tt.wantGenLimit || math.Abs(p.PrecisionReached-tt.wantPrec) > 1e-12 || p.Precision != DefaultProbePrecision {
				t.Errorf("generator limit %v, precision reached %v of %v; want %v, %v of %v", p.GeneratorLimit, p.PrecisionReached, p.Precision, tt.wantGenLimit, tt.wantPrec, DefaultProbePrecision)
			}
			for _, s := range p.Steps {
				wantBy := ""
				switch {
				case s.Passed:
				case s.RateAsked*DefaultMinRateRatio > tt.genCap:
					wantBy = results.FailedByGenerator
				default:
					wantBy = results.FailedByServer
				}
				if s.FailedBy != wantBy {
					t.Errorf("step at %v/s: failed by %q, want %q", s.RateAsked, s.FailedBy, wantBy)
				}
			}
		})
	}
}

// TestProbeStepRecordsTheRun: a step keeps what its run recorded.
func TestProbeStepRecordsTheRun(t *testing.T) {
	step := func(ctx context.Context, rate float64) (*results.Result, error) {
		r := fabricate(t, 100, 3, 100/rate, linear)
		r.Planned, r.Sent = 100, 100
		r.StatusCodes = map[string]uint64{"200": 97, "500": 3}
		r.Warnings = []results.Warning{{Code: "server_load_above_cores", Message: "busy"}}
		r.Host = &results.Host{Generator: &results.HostSeries{Origin: "local"}, Server: &results.HostSeries{Origin: "pid 7"}}
		return r, nil
	}
	r, err := Probe(context.Background(), ProbeOptions{SLOs: sloSet(t, "errors<10%"), Start: 100, Max: 100, MaxSteps: 1}, step)
	if err != nil {
		t.Fatal(err)
	}
	s := r.Probe.Steps[0]
	if s.Requests != 100 || s.Planned != 100 || s.Sent != 100 || s.StatusCodes["500"] != 3 || len(s.Warnings) != 1 ||
		s.Host == nil || s.Host.Server.Origin != "pid 7" || s.Successes != r.Successes {
		t.Errorf("step %+v does not keep its run's figures", s)
	}
}

// TestProbeBlamesTheGeneratorOnlyForWhatItCauses: a step the generator limited is blamed on
// it only when every breach is one a late generator causes (fewer requests, higher latency,
// a rate short of the one asked); sending more requests than an SLO allows is not.
func TestProbeBlamesTheGeneratorOnlyForWhatItCauses(t *testing.T) {
	saturated := []results.Warning{{Code: "generator_host_cpu_saturated", Message: "0% idle"}}
	tests := []struct {
		name     string
		slo      string
		rate     float64 // achieved, of 100/s asked
		warnings []results.Warning
		want     string
	}{
		{"latency, generator saturated", "p99<5ms", 100, saturated, results.FailedByGenerator},
		{"rate short, generator saturated", "errors<1%", 80, saturated, results.FailedByGenerator},
		{"too many requests, generator saturated", "requests<=50", 100, saturated, results.FailedByServer},
		{"too many requests and rate short", "requests<=50", 80, saturated, results.FailedByServer},
		{"latency, generator fine", "p99<5ms", 100, nil, results.FailedByServer},
		{"latency, behind on connections", "p99<5ms", 100, []results.Warning{{Code: "behind_schedule", Values: map[string]float64{"cause": 1}}}, results.FailedByServer},
		{"latency, behind with connections to spare", "p99<5ms", 100, []results.Warning{{Code: "behind_schedule", Values: map[string]float64{"cause": 2}}}, results.FailedByGenerator},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			step := func(ctx context.Context, rate float64) (*results.Result, error) {
				r := fabricate(t, 100, 0, 100/tt.rate, func(int) time.Duration { return 10 * time.Millisecond })
				r.Warnings = tt.warnings
				return r, nil
			}
			r, err := Probe(context.Background(), ProbeOptions{SLOs: sloSet(t, tt.slo), Start: 100, Max: 100, MaxSteps: 1}, step)
			if err != nil {
				t.Fatal(err)
			}
			if s := r.Probe.Steps[0]; s.Passed || s.FailedBy != tt.want {
				t.Errorf("step %+v: want failed by %q", s, tt.want)
			}
		})
	}
}

// TestProbeJudgesWhatWasSent: a step that sent less than 95% of its planned requests fails even
// when its rate over a shorter span looks right.
func TestProbeJudgesWhatWasSent(t *testing.T) {
	step := func(ctx context.Context, rate float64) (*results.Result, error) {
		r := fabricate(t, 75, 0, 0.75, linear) // 75 requests in 0.75 s: 100/s
		r.Planned, r.Sent = 100, 75
		return r, nil
	}
	r, err := Probe(context.Background(), ProbeOptions{SLOs: sloSet(t, "errors<1%"), Start: 100, Max: 100, MaxSteps: 1}, step)
	if err != nil {
		t.Fatal(err)
	}
	if s := r.Probe.Steps[0]; s.Passed || s.Breached != "sent 75 < 95% of 100 planned" {
		t.Errorf("got %+v, want a failure on what was sent", s)
	}
}
