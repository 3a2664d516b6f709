package reports

import (
	"errors"
	"fmt"
	"strings"

	"github.com/loadtestdev/loadtest/results"
)

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
