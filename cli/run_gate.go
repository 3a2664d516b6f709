package cli

import (
	"errors"
	"fmt"

	"github.com/loadtestdev/loadtest/gate"
	"github.com/loadtestdev/loadtest/results"
	"github.com/loadtestdev/loadtest/scenarios"
)

// warningAborted is the result warning of a run stopped by --abort-on-fail.
const warningAborted = gate.WarningAborted

// loadRunThresholds parses the thresholds of a run (--threshold and the scenario's, unless
// --no-thresholds; with neither, the default ones, unless --no-thresholds) and checks them
// against the scenario's requests, all before any load is sent; gate.LoadThresholds does the
// work, the same that `scenarios check` runs. Errors are bad input.
func loadRunThresholds(o *runOptions, sc *scenarios.Scenario) ([]gate.Threshold, error) {
	fromScenario := sc.Thresholds
	var defaults []string
	if o.NoThresholds {
		fromScenario = nil
	} else {
		defaults = gate.DefaultThresholds(len(sc.Flows) > 0, flowsCheck(sc))
	}
	ths, err := gate.LoadThresholds(gate.ThresholdSet{Flags: o.Thresholds, Scenario: fromScenario, Defaults: defaults,
		Source: sc.Source, Requests: sc.RequestNames(), Flows: sc.FlowNames()})
	if err != nil {
		return nil, fmt.Errorf("run: %w", err)
	}
	if o.AbortOnFail && len(ths) == 0 {
		return nil, errors.New("run: --abort-on-fail needs thresholds: give --threshold EXPR, or drop --no-thresholds to keep the scenario's or the default ones")
	}
	return ths, nil
}

// flowsCheck reports whether a step of the scenario's flows checks or extracts something, so
// that the checks metric has data to measure.
func flowsCheck(sc *scenarios.Scenario) bool {
	for _, f := range sc.Flows {
		for _, st := range f.Steps {
			if len(st.Checks) > 0 || len(st.Extract) > 0 {
				return true
			}
		}
	}
	return false
}

// gateVerdict turns the gate's verdict into the exit error: 99 when a threshold was breached
// or the run was stopped by --abort-on-fail.
func gateVerdict(verdict error) error {
	if verdict == nil {
		return nil
	}
	return &ExitError{Code: ExitThresholds, Err: verdict}
}

// breachedNote is appended to the message of an interrupted run that has thresholds.
func breachedNote(r *results.Result) string {
	if len(r.Thresholds) == 0 {
		return ""
	}
	return fmt.Sprintf("; on it %d of %d thresholds breached", len(r.Breached()), len(r.Thresholds))
}
