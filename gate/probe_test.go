package gate

import (
	"context"
	"errors"
	"math"
	"strings"
	"testing"
	"time"

	"github.com/loadtestdev/loadtest/results"
)

// capacityStep fakes a server that holds `capacity` req/s: up to it every request takes
// 10 ms, above it 500 ms. It records the rates asked.
func capacityStep(t *testing.T, capacity float64, asked *[]float64) StepFunc {
	return func(ctx context.Context, rate float64) (*results.Result, error) {
		*asked = append(*asked, rate)
		lat := 10 * time.Millisecond
		if rate > capacity {
			lat = 500 * time.Millisecond
		}
		return fabricate(t, 100, 0, 100/rate, func(int) time.Duration { return lat }), nil
	}
}

func sloSet(t *testing.T, exprs ...string) []Threshold {
	ths, err := ParseAll(exprs, nil)
	if err != nil {
		t.Fatal(err)
	}
	return ths
}

func TestProbeSearch(t *testing.T) {
	tests := []struct {
		name      string
		capacity  float64
		o         ProbeOptions
		wantRate  float64
		wantAsked []float64
	}{
		{"double then bisect", 1000, ProbeOptions{Start: 100, Max: 100000, MaxSteps: 20},
			1000, []float64{100, 200, 400, 800, 1600, 1200, 1000, 1100, 1050}},
		{"precision 10%", 1000, ProbeOptions{Start: 100, Max: 100000, MaxSteps: 20, Precision: 0.1},
			1000, []float64{100, 200, 400, 800, 1600, 1200, 1000, 1100}},
		{"stops at max", 1e9, ProbeOptions{Start: 100, Max: 500, MaxSteps: 20},
			500, []float64{100, 200, 400, 500}},
		{"stops at max steps", 1000, ProbeOptions{Start: 100, Max: 100000, MaxSteps: 3},
			400, []float64{100, 200, 400}},
		{"start too high bisects down", 30, ProbeOptions{Start: 100, Max: 1000, MaxSteps: 20},
			30, []float64{100, 50, 25, 38, 32, 29, 31, 30}},
		{"nothing holds", 0.5, ProbeOptions{Start: 4, Max: 1000, MaxSteps: 20},
			0, []float64{4, 2, 1}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var asked []float64
			o := tt.o
			o.SLOs = sloSet(t, "p99<100ms", "errors<1%")
			var seen int
			o.OnStep = func(n int, s results.ProbeStep) { seen = n }
			r, err := Probe(context.Background(), o, capacityStep(t, tt.capacity, &asked))
			if err != nil {
				t.Fatal(err)
			}
			if r.Probe.SustainableRate != tt.wantRate {
				t.Errorf("sustainable rate: got %v, want %v", r.Probe.SustainableRate, tt.wantRate)
			}
			if !equalRates(asked, tt.wantAsked) {
				t.Errorf("rates asked: got %v, want %v", asked, tt.wantAsked)
			}
			if len(r.Probe.Steps) != len(asked) || seen != len(asked) {
				t.Errorf("got %d steps and %d OnStep calls, want %d", len(r.Probe.Steps), seen, len(asked))
			}
			if tt.wantRate > 0 && math.Abs(r.Rate-tt.wantRate) > 1e-9*tt.wantRate {
				t.Errorf("the result is the step at %v/s, want the sustainable step %v/s", r.Rate, tt.wantRate)
			}
			if strings.Join(r.Probe.SLOs, ";") != "p99<100ms;errors<1%" {
				t.Errorf("SLOs: got %v", r.Probe.SLOs)
			}
		})
	}
}

func equalRates(a, b []float64) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func TestProbeJudgesTheRate(t *testing.T) {
	// A server that answers fast but only ever completes 80% of the rate asked.
	step := func(ctx context.Context, rate float64) (*results.Result, error) {
		return fabricate(t, 80, 0, 100/rate, linear), nil
	}
	r, err := Probe(context.Background(), ProbeOptions{SLOs: sloSet(t, "errors<1%"), Start: 100, Max: 100, MaxSteps: 1}, step)
	if err != nil {
		t.Fatal(err)
	}
	s := r.Probe.Steps[0]
	if s.Passed || !strings.Contains(s.Breached, "rate 80/s < 95% of 100/s") {
		t.Errorf("got %+v, want a failure on the achieved rate", s)
	}
}

func TestProbeInterrupted(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var asked []float64
	inner := capacityStep(t, 1000, &asked)
	step := func(ctx context.Context, rate float64) (*results.Result, error) {
		r, err := inner(ctx, rate)
		if len(asked) == 3 {
			cancel()
			r.Interrupted = true
		}
		return r, err
	}
	r, err := Probe(ctx, ProbeOptions{SLOs: sloSet(t, "p99<100ms"), Start: 100, Max: 1e5, MaxSteps: 20}, step)
	if err != nil {
		t.Fatal(err)
	}
	if !r.Interrupted || len(r.Probe.Steps) != 2 || r.Probe.SustainableRate != 200 {
		t.Errorf("got interrupted %v, %d steps, rate %v; want true, 2 steps (the third is not judged), 200",
			r.Interrupted, len(r.Probe.Steps), r.Probe.SustainableRate)
	}
}

func TestProbeStepError(t *testing.T) {
	var asked []float64
	inner := capacityStep(t, 1000, &asked)
	boom := errors.New("connection refused")
	step := func(ctx context.Context, rate float64) (*results.Result, error) {
		if rate > 150 {
			return nil, boom
		}
		return inner(ctx, rate)
	}
	r, err := Probe(context.Background(), ProbeOptions{SLOs: sloSet(t, "p99<100ms"), Start: 100, Max: 1e5, MaxSteps: 20}, step)
	if !errors.Is(err, boom) || !strings.Contains(err.Error(), "probe step 2 at 200/s") {
		t.Errorf("got %v, want the step's error naming step 2", err)
	}
	if r == nil || r.Probe.SustainableRate != 100 {
		t.Errorf("got %+v, want what was found before the error (100/s)", r)
	}
}

func TestProbeOptionsChecked(t *testing.T) {
	slos := sloSet(t, "p99<1s")
	for _, o := range []ProbeOptions{
		{Start: 1, Max: 2, MaxSteps: 1},
		{SLOs: slos, Start: 0, Max: 2, MaxSteps: 1},
		{SLOs: slos, Start: 10, Max: 2, MaxSteps: 1},
		{SLOs: slos, Start: 1, Max: 2, MaxSteps: 0},
	} {
		if _, err := Probe(context.Background(), o, nil); err == nil {
			t.Errorf("%+v: got no error, want one", o)
		}
	}
}
