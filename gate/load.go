package gate

import (
	"errors"
	"fmt"
)

// ThresholdSet is where the thresholds of one run come from: the --threshold flags, the
// scenario's thresholds: list (nil after --no-thresholds), the defaults that apply when
// neither gives any, and the request names a scoped threshold may name (in a scenario with
// flows, its steps as "FLOW/STEP"), and the flow names a flow metric may name.
type ThresholdSet struct {
	Flags []string
	// Defaults apply only when Flags and Scenario are both empty (DefaultThresholds; nil after
	// --no-thresholds): thresholds the user gave replace them, as in k6.
	Defaults []string
	// Scenario are the scenario's expressions and Source its file (or builtin:NAME), for the
	// messages.
	Scenario []string
	Source   string
	Requests []string
	// Flows are the scenario's flow names; nil means they are not known and are not checked,
	// empty that the scenario has no flows (then a flow metric is an error).
	Flows []string
}

// LoadThresholds parses and checks the thresholds of a run before any load is sent: every
// malformed expression is reported, each naming where it came from ("--threshold" or
// "scenario FILE: thresholds[i]"); then duplicates, then scoped thresholds that name no
// request (or step) of the scenario, then flow metrics that name no flow of it. With no flag
// and no scenario threshold it returns the Defaults, marked SourceDefault. `loadtest run`,
// `probe` and `scenarios check` all call it, so that check rejects what run rejects. Every
// error is bad input.
func LoadThresholds(s ThresholdSet) ([]Threshold, error) {
	var errs []error
	for _, e := range s.Flags {
		if _, err := Parse(e); err != nil {
			errs = append(errs, fmt.Errorf("--threshold: %w", err))
		}
	}
	for i, e := range s.Scenario {
		if _, err := Parse(e); err != nil {
			errs = append(errs, fmt.Errorf("scenario %s: thresholds[%d]: %w", s.Source, i, err))
		}
	}
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	if len(s.Flags) == 0 && len(s.Scenario) == 0 {
		return defaults(s.Defaults)
	}
	ths, err := ParseAll(s.Flags, s.Scenario) // now only duplicates can fail
	if err != nil {
		return nil, fmt.Errorf("%w (drop one, or use --no-thresholds to ignore the scenario's)", err)
	}
	if err := checkFlowAsRequest(ths, s.Flows); err != nil {
		return nil, err
	}
	if err := CheckRequests(ths, s.Requests); err != nil {
		return nil, err
	}
	if err := CheckFlows(ths, s.Flows); err != nil {
		return nil, err
	}
	return ths, nil
}

// defaults parses the default thresholds, marked SourceDefault. They are the package's own
// expressions: one that does not parse is a bug, not bad input.
func defaults(exprs []string) ([]Threshold, error) {
	ths := make([]Threshold, 0, len(exprs))
	for _, e := range exprs {
		th, err := Parse(e)
		if err != nil {
			return nil, fmt.Errorf("gate: default threshold: %w", err)
		}
		th.Source = SourceDefault
		ths = append(ths, th)
	}
	return ths, nil
}
