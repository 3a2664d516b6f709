package runner

import (
	"github.com/loadtestdev/loadtest/gate"
	"github.com/loadtestdev/loadtest/scenarios"
)

// CheckScenario loads and compiles a scenario (a built-in or a file) and its thresholds as a
// run would, without sending anything (Scenario.CheckPlan, gate.LoadThresholds without a run's
// --threshold): `loadtest scenarios check`. token() is not checked, since the secret is only
// known when a run starts.
func CheckScenario(name string) (*scenarios.Scenario, error) {
	sc, err := scenarios.Load(name)
	if err != nil {
		return nil, err
	}
	if err := sc.CheckPlan(name); err != nil {
		return nil, err
	}
	if _, err := gate.LoadThresholds(gate.ThresholdSet{Scenario: sc.Thresholds, Source: sc.Source, Requests: sc.RequestNames(), Flows: sc.FlowNames()}); err != nil {
		return nil, err
	}
	return sc, nil
}
