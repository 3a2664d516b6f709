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
// --no-thresholds) and checks them against the scenario's requests, all before any load is
// sent; gate.LoadThresholds does the work, the same that `scenarios check` runs. Errors are
// bad input.
func loadRunThresholds(o *runOptions, sc *scenarios.Scenario) ([]gate.Threshold, error) {
	fromScenario := sc.Thresholds
	if o.NoThresholds {
		fromScenario = nil
	}
	ths, err := gate.LoadThresholds(gate.ThresholdSet{Flags: o.Thresholds, Scenario: fromScenario, Source: sc.Source, Requests: sc.RequestNames(), Flows: sc.FlowNames()})
	if err != nil {
		return nil, fmt.Errorf("run: %w", err)
	}
	if o.AbortOnFail && len(ths) == 0 {
		return nil, errors.New("run: --abort-on-fail needs thresholds: give --threshold EXPR or use a scenario with thresholds")
	}
	return ths, nil
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
