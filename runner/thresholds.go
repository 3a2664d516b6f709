package runner

import (
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/loadtestdev/loadtest/engine"
	"github.com/loadtestdev/loadtest/gate"
	"github.com/loadtestdev/loadtest/scenarios"
)

// LoadThresholds parses the thresholds of a run (flags and the scenario's, unless
// noScenario; with neither, the default ones, unless noScenario) and checks them against
// the scenario's requests, all before any load is sent; gate.LoadThresholds does the work,
// the same that `scenarios check` runs. Errors are bad input.
func LoadThresholds(sc *scenarios.Scenario, flags []string, noScenario, abortOnFail bool) ([]gate.Threshold, error) {
	fromScenario := sc.Thresholds
	var defaults []string
	if noScenario {
		fromScenario = nil
	} else {
		defaults = gate.DefaultThresholds(len(sc.Flows) > 0, flowsCheck(sc))
	}
	ths, err := gate.LoadThresholds(gate.ThresholdSet{Flags: flags, Scenario: fromScenario, Defaults: defaults,
		Source: sc.Source, Requests: sc.RequestNames(), Flows: sc.FlowNames()})
	if err != nil {
		return nil, fmt.Errorf("run: %w", err)
	}
	if abortOnFail && len(ths) == 0 {
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

// ProbeSLOs parses a probe's SLOs: the flags', or else the scenario's thresholds; they must
// name requests the scenario has. Errors are bad input.
func ProbeSLOs(flags []string, sc *scenarios.Scenario) ([]gate.Threshold, error) {
	var slos []gate.Threshold
	var err error
	switch {
	case len(flags) > 0:
		if slos, err = gate.ParseAll(flags, nil); err != nil {
			return nil, fmt.Errorf("probe: --slo: %w", err)
		}
	case len(sc.Thresholds) == 0:
		return nil, fmt.Errorf("probe: no SLOs: give --slo EXPR (e.g. --slo \"p99<100ms\"); scenario %s has no thresholds", sc.Name)
	default:
		if slos, err = gate.ParseAll(nil, sc.Thresholds); err != nil {
			return nil, fmt.Errorf("probe: scenario %s: %w", sc.Name, err)
		}
	}
	if err := gate.CheckRequests(slos, sc.RequestNames()); err != nil {
		return nil, fmt.Errorf("probe: %w", err)
	}
	return slos, nil
}

// ParseShard reads I/N: shard I (0-based) of N, N from 1 to engine.MaxShards.
func ParseShard(s string) (engine.Shard, error) {
	is, ns, ok := strings.Cut(strings.TrimSpace(s), "/")
	i, ierr := strconv.Atoi(strings.TrimSpace(is))
	n, nerr := strconv.Atoi(strings.TrimSpace(ns))
	if !ok || ierr != nil || nerr != nil {
		return engine.Shard{}, fmt.Errorf("--shard %s: want I/N, shard I (0-based) of N, such as 0/3", s)
	}
	if n < 1 || n > engine.MaxShards {
		return engine.Shard{}, fmt.Errorf("--shard %s: the count must be 1 to %d", s, engine.MaxShards)
	}
	if i < 0 || i >= n {
		return engine.Shard{}, fmt.Errorf("--shard %s: index must be 0..%d", s, n-1)
	}
	return engine.Shard{Index: i, Count: n}, nil
}
