package results

import (
	"reflect"
	"testing"
)

func TestBreached(t *testing.T) {
	tests := []struct {
		name string
		ths  []ThresholdResult
		want []ThresholdResult
	}{
		{"none", nil, nil},
		{"all pass", []ThresholdResult{{Expression: "p99<1s", Passed: true}}, nil},
		{"some breached", []ThresholdResult{{Expression: "a", Passed: false}, {Expression: "b", Passed: true}, {Expression: "c"}},
			[]ThresholdResult{{Expression: "a"}, {Expression: "c"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := &Result{Thresholds: tt.ths}
			if got := r.Breached(); !reflect.DeepEqual(got, tt.want) {
				t.Errorf("got %+v, want %+v", got, tt.want)
			}
		})
	}
}

func TestLowestAsked(t *testing.T) {
	tests := []struct {
		name  string
		steps []float64
		want  float64
	}{
		{"no step", nil, 0},
		{"one", []float64{100}, 100},
		{"bisection down", []float64{100, 200, 150, 125, 60}, 60},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := &Probe{}
			for _, r := range tt.steps {
				p.Steps = append(p.Steps, ProbeStep{RateAsked: r})
			}
			if got := p.LowestAsked(); got != tt.want {
				t.Errorf("got %g, want %g", got, tt.want)
			}
		})
	}
}

func TestBreachedNoteAndFirstError(t *testing.T) {
	tests := []struct {
		name                    string
		r                       Result
		wantBreached, wantFirst string
	}{
		{"none", Result{}, "", ""},
		{"one of two breached, errors", Result{Thresholds: []ThresholdResult{{Expression: "p99<1s", Passed: true}, {Expression: "errors<1%"}},
			Errors: []ErrorCount{{Class: "timeout", Message: "deadline exceeded", Count: 12}, {Class: "status", Message: "503", Count: 3}}},
			"; on it 1 of 2 thresholds breached", ", 12× timeout: deadline exceeded"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.r.BreachedNote(); got != tt.wantBreached {
				t.Errorf("BreachedNote: got %q, want %q", got, tt.wantBreached)
			}
			if got := tt.r.FirstError(); got != tt.wantFirst {
				t.Errorf("FirstError: got %q, want %q", got, tt.wantFirst)
			}
		})
	}
}
