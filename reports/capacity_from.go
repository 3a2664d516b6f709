package reports

import (
	"fmt"

	"github.com/loadtestdev/loadtest/results"
)

// Codes of the warnings about where a plan's per-server rate came from.
const (
	// WarnRateInterrupted: the rate comes from a run (or probe) stopped before its schedule ended.
	WarnRateInterrupted = "rate_from_interrupted_run"
	// WarnRateBehindSchedule: the rate comes from a run that fell behind its schedule, so
	// it measured the load generator's limits as much as the server's.
	WarnRateBehindSchedule = "rate_from_behind_schedule_run"
)

// scheduleWarningCodes are the result warnings that say a run did not send on schedule:
// the engine's behind_schedule, and not_sent for hits a run never sent.
var scheduleWarningCodes = map[string]bool{"behind_schedule": true, "not_sent": true}

// RateSourceWarnings says why the per-server rate a plan takes from r (its field, e.g.
// "throughput", read from the file path) is doubtful: r was interrupted, or did not hold its
// schedule. It returns nil for a run that held its schedule to the end.
func RateSourceWarnings(r *results.Result, path, field string) []CapacityWarning {
	var out []CapacityWarning
	if r.Interrupted {
		what := "run"
		if r.Probe != nil {
			what = "probe"
		}
		out = append(out, CapacityWarning{Code: WarnRateInterrupted, Message: fmt.Sprintf(
			"the per-server rate (%s of %s) comes from a %s that was interrupted and did not hold its schedule to the end; size on a complete run",
			field, path, what)})
	}
	for _, w := range r.Warnings {
		if !scheduleWarningCodes[w.Code] {
			continue
		}
		out = append(out, CapacityWarning{Code: WarnRateBehindSchedule, Message: fmt.Sprintf(
			"the per-server rate (%s of %s) comes from a run that did not hold its schedule (%s: %s); it may measure the load generator rather than the server",
			field, path, w.Code, w.Message)})
	}
	return out
}
