package scenarios

import (
	"errors"
	"fmt"
)

// CheckTarget is the placeholder target a scenario without one is checked against.
const CheckTarget = "http://127.0.0.1:8080"

// CheckPlan compiles the scenario the way a run would (Plan, or FlowPlan for flows) against
// its target or CheckTarget and a placeholder secret, without sending anything: templates,
// feeders and bodies are checked; token() is not, since the secret is only known when a run
// starts. name is what the scenario was given as, for errors that do not name it already.
func (s *Scenario) CheckPlan(name string) error {
	target := s.Target
	if target == "" {
		target = CheckTarget
	}
	po := PlanOptions{Target: target, Secret: []byte("check"), Dir: s.Dir()}
	var err error
	if len(s.Flows) > 0 {
		_, err = s.FlowPlan(po)
	} else {
		_, err = s.Plan(po)
	}
	var se *Error
	if err != nil && !errors.As(err, &se) {
		return fmt.Errorf("scenario %s: %w", name, err)
	}
	return err
}
