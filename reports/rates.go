package reports

import (
	"fmt"
	"strings"

	"github.com/loadtestdev/loadtest/results"
)

// The rates of a run in their units. A run of requests asks for and achieves requests per
// second. A run of flows asks for iterations per second (its rate and stages are how many
// iterations start each second) and achieves both: iterations started per second and requests
// per second (an iteration sends several). Every format labels each rate with its own unit.

// formatIterationRate formats a rate in iterations per second.
func formatIterationRate(v float64) string { return fixed(v, 2) + " iterations/s" }

// askedUnit is the unit of r's asked rate and stages: iterations/s for a run of flows.
func askedUnit(r *results.Result) string {
	if r.HasFlows() {
		return "iterations/s"
	}
	return "req/s"
}

// rateAsked describes the requested load: a constant rate, the stages of a ramp, or
// "as fast as possible" with N connections; in iterations/s for a run of flows.
func rateAsked(r *results.Result) string {
	if len(r.Stages) > 0 {
		parts := make([]string, len(r.Stages))
		for i, s := range r.Stages {
			parts[i] = fmt.Sprintf("%s→%.0f", formatSeconds(s.DurationS), s.RatePerSec)
		}
		return "ramp " + strings.Join(parts, ", ") + " " + askedUnit(r)
	}
	if r.RateAsked <= 0 {
		if r.Connections > 0 {
			return fmt.Sprintf("max (%d connections)", r.Connections)
		}
		return "max"
	}
	if r.HasFlows() {
		return formatIterationRate(r.RateAsked)
	}
	return formatRate(r.RateAsked)
}

// rateRows are the asked and achieved rates of the Requests table: "rate asked" and "rate
// achieved" in req/s for a run of requests; for a run of flows the iteration rate asked and
// achieved and the request rate achieved.
func rateRows(r *results.Result) [][]string {
	if !r.HasFlows() {
		return [][]string{{"rate asked", rateAsked(r)}, {"rate achieved", formatRate(r.Rate)}}
	}
	achieved := "-" // no duration was measured (nothing completed)
	if r.DurationS > 0 {
		achieved = formatIterationRate(r.IterationRate())
	}
	return [][]string{
		{"iteration rate asked", rateAsked(r)},
		{"iteration rate achieved", achieved},
		{"request rate achieved", formatRate(r.Rate)},
	}
}
