package gate

import (
	"slices"
	"testing"
)

// TestLoadThresholdsDefaults: the defaults apply only to a run given no threshold at all, are
// marked as defaults, and are replaced by the scenario's or the flags'.
func TestLoadThresholdsDefaults(t *testing.T) {
	tests := []struct {
		name        string
		set         ThresholdSet
		wantExprs   []string
		wantSources []string
	}{
		{"request scenario, nothing given", ThresholdSet{Defaults: DefaultThresholds(false, false)},
			[]string{"errors<1%"}, []string{SourceDefault}},
		{"flow scenario with checks", ThresholdSet{Defaults: DefaultThresholds(true, true), Flows: []string{"f"}},
			[]string{"errors<1%", "checks>99%"}, []string{SourceDefault, SourceDefault}},
		{"flow scenario without a check or extraction", ThresholdSet{Defaults: DefaultThresholds(true, false), Flows: []string{"f"}},
			[]string{"errors<1%"}, []string{SourceDefault}},
		{"the scenario's replace them", ThresholdSet{Scenario: []string{"p99<1s"}, Defaults: DefaultThresholds(false, false)},
			[]string{"p99<1s"}, []string{SourceScenario}},
		{"a flag replaces them", ThresholdSet{Flags: []string{"p99<1s"}, Defaults: DefaultThresholds(true, true)},
			[]string{"p99<1s"}, []string{SourceFlag}},
		{"--no-thresholds: none", ThresholdSet{}, nil, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ths, err := LoadThresholds(tt.set)
			if err != nil {
				t.Fatal(err)
			}
			var exprs, sources []string
			for _, th := range ths {
				exprs, sources = append(exprs, th.Expr), append(sources, th.Source)
			}
			if !slices.Equal(exprs, tt.wantExprs) || !slices.Equal(sources, tt.wantSources) {
				t.Errorf("got %v from %v, want %v from %v", exprs, sources, tt.wantExprs, tt.wantSources)
			}
		})
	}
}
