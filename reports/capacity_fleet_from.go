package reports

import (
	"errors"
	"fmt"
	"os"
	"strings"

	"github.com/loadtestdev/loadtest/capacity"
	"github.com/loadtestdev/loadtest/capacity/fleetfile"
	"github.com/loadtestdev/loadtest/results"
)

// LoadFleet reads the fleet file at path ("" for none: every field from flags), puts the
// flags given (flag name to value as given) over it, resolves its {from: RESULT.json}
// capacities with Read and builds the model's input. Every error is bad input naming the
// file, line, field or flag.
func (f *FleetRates) LoadFleet(path string, flags map[string]string) (*fleetfile.Spec, capacity.FleetInput, error) {
	spec := fleetfile.New()
	if path != "" {
		data, err := os.ReadFile(path)
		if err != nil {
			return nil, capacity.FleetInput{}, fmt.Errorf("fleet %w", err)
		}
		if spec, err = fleetfile.Parse(path, data); err != nil {
			return nil, capacity.FleetInput{}, err
		}
	}
	for _, field := range fleetfile.Fields {
		if text, given := flags[field.Flag]; given {
			if err := spec.SetFlag(field, text); err != nil {
				return nil, capacity.FleetInput{}, err
			}
		}
	}
	if err := spec.Resolve(f.Read); err != nil {
		return nil, capacity.FleetInput{}, err
	}
	in, err := spec.Build()
	return spec, in, err
}

// FleetRates takes the capacities a fleet file gives as {from: RESULT.json}, and keeps where
// each came from and the doubts about it, for the fleet's report.
type FleetRates struct {
	Sources  []FleetSource
	Warnings []CapacityWarning
}

// Read takes the capacity of field from the result file at path by the trust rules of capacity
// plan --from (RateFrom): a probe that converged on the server's limit, or a run at its limit.
// A refusal says what to write in the fleet file instead. It is the reader
// fleetfile.Spec.Resolve takes.
func (f *FleetRates) Read(field, path string) (float64, string, error) {
	r, err := results.ReadFile(path)
	if err != nil {
		return 0, "", err
	}
	ev, err := RateFrom(r, path)
	var refusal *RateRefusal
	if errors.As(err, &refusal) {
		hint := strings.ReplaceAll(refusal.Hint, "--server-rps R", "the rate as a number")
		hint = strings.ReplaceAll(hint, "then --from probe.json", "then {from: probe.json}")
		return 0, "", fmt.Errorf("%s; %s", refusal.Reason, hint)
	}
	if err != nil {
		return 0, "", err
	}
	f.Sources = append(f.Sources, FleetSource{Field: field, Rate: ev.RPS, Source: ev.Source, Evidence: ev.Saturation})
	for _, w := range ev.Warnings {
		w.Message = field + ": " + w.Message
		f.Warnings = append(f.Warnings, w)
	}
	return ev.RPS, ev.Source, nil
}
