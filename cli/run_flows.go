package cli

import (
	"github.com/loadtestdev/loadtest/engine"
	"github.com/loadtestdev/loadtest/scenarios"
)

// compileScenario compiles the scenario into eo: a Plan of requests as its Targeter, or a
// FlowPlan of flows with its max_sessions.
func compileScenario(eo *engine.Options, sc *scenarios.Scenario, po scenarios.PlanOptions) error {
	if len(sc.Flows) > 0 {
		fp, err := sc.FlowPlan(po)
		if err != nil {
			return err
		}
		eo.FlowPlan, eo.MaxSessions = fp, sc.MaxSessions
		return nil
	}
	plan, err := sc.Plan(po)
	if err != nil {
		return err
	}
	eo.Targeter = plan
	return nil
}
