package gate

import (
	"testing"

	"github.com/loadtestdev/loadtest/scenarios"
)

// TestBuiltinScenarioThresholds checks that the thresholds shipped in the built-in scenarios
// parse and name only requests those scenarios have.
func TestBuiltinScenarioThresholds(t *testing.T) {
	for _, name := range scenarios.Builtins() {
		t.Run(name, func(t *testing.T) {
			sc, err := scenarios.Load(name)
			if err != nil {
				t.Fatal(err)
			}
			ths, err := ParseAll(nil, sc.Thresholds)
			if err != nil {
				t.Fatal(err)
			}
			names := make([]string, len(sc.Requests))
			for i, r := range sc.Requests {
				names[i] = r.Name
			}
			if err := CheckRequests(ths, names); err != nil {
				t.Error(err)
			}
		})
	}
}
