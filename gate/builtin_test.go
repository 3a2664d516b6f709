package gate

import (
	"testing"

	"github.com/loadtestdev/loadtest/scenarios"
)

// TestBuiltinScenarioThresholds checks that the thresholds shipped in the built-in scenarios
// parse and name only requests (or FLOW/STEP steps) and flows those scenarios have, as
// `loadtest scenarios check` and `run` check them.
func TestBuiltinScenarioThresholds(t *testing.T) {
	for _, name := range scenarios.Builtins() {
		t.Run(name, func(t *testing.T) {
			sc, err := scenarios.Load(name)
			if err != nil {
				t.Fatal(err)
			}
			ths, err := LoadThresholds(ThresholdSet{Scenario: sc.Thresholds, Source: sc.Source, Requests: sc.RequestNames(), Flows: sc.FlowNames()})
			if err != nil {
				t.Fatal(err)
			}
			if len(ths) != len(sc.Thresholds) {
				t.Errorf("got %d thresholds, want the scenario's %d", len(ths), len(sc.Thresholds))
			}
		})
	}
}
