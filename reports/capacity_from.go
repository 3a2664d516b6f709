package reports

import (
	"fmt"
	"math"
	"strings"
	"time"

	"github.com/loadtestdev/loadtest/capacity"
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

// RateEvidence is a per-server rate taken from a result, with the evidence that the server
// was at its limit when it was measured.
type RateEvidence struct {
	RPS float64
	// Source names the field and the file, e.g. "probe.sustainable_rate of probe.json".
	Source string
	// Saturation says why this rate is what one server holds (the plan prints it).
	Saturation string
	// Warnings are remaining doubts, e.g. a run that was interrupted.
	Warnings []CapacityWarning
}

// PlanFrom is what capacity plan --from takes from a result file: the per-server rate with its
// evidence and, when the run measured one, the mean latency.
type PlanFrom struct {
	RateEvidence
	// Latency is the result's mean latency (0 when it has none); LatencySource names it.
	Latency       time.Duration
	LatencySource string
}

// ReadPlanFrom reads the result file at path and takes the per-server rate from it by
// RateFrom's rules, and its mean latency. A file that cannot be read, or a result that does
// not show where the server saturates, is an error naming --from or saying what to do instead.
func ReadPlanFrom(path string) (PlanFrom, error) {
	r, err := results.ReadFile(path)
	if err != nil {
		return PlanFrom{}, fmt.Errorf("--from: %w", err)
	}
	ev, err := RateFrom(r, path)
	if err != nil {
		return PlanFrom{}, err
	}
	pf := PlanFrom{RateEvidence: ev}
	if r.LatencyMS.Mean > 0 {
		pf.Latency = time.Duration(r.LatencyMS.Mean * float64(time.Millisecond))
		pf.LatencySource = fmt.Sprintf("latency_ms.mean of %s", path)
	}
	return pf, nil
}

// RateRefusal is why a result cannot give a per-server rate, and what to do instead.
type RateRefusal struct {
	Path   string
	Reason string
	// Hint says how to measure the rate, with the utilization-law estimate when the server's
	// CPU was sampled.
	Hint string
}

func (e *RateRefusal) Error() string {
	return fmt.Sprintf("--from %s: %s; %s", e.Path, e.Reason, e.Hint)
}

// probeHint names the tools that measure what one server holds, for the scenario (if known).
func probeHint(scenario string) string {
	if scenario == "" || strings.ContainsAny(scenario, " \t\"'") {
		scenario = "SCENARIO"
	}
	return "measure it with loadtest probe (loadtest probe " + scenario + " --slo \"p99<250ms\" --out probe.json, then --from probe.json), or give --server-rps R"
}

// RateFrom takes the per-server rate from r, read from path, only where r shows where the
// server saturates: a probe that converged on the server's limit (its sustainable rate), or
// a run at the server's limit (it fell behind with every connection busy waiting for the
// server and the generator to spare, or the server's CPU was at least capacity.ServerCPUFull
// busy), whose throughput then counts. Otherwise it returns a *RateRefusal.
func RateFrom(r *results.Result, path string) (RateEvidence, error) {
	if r.Probe != nil {
		return probeRate(r, path)
	}
	if !(r.Throughput > 0) {
		return RateEvidence{}, &RateRefusal{Path: path, Reason: fmt.Sprintf("the result has no successful throughput (throughput = %g req/s)", r.Throughput),
			Hint: "nothing to size servers with; " + probeHint(r.Scenario)}
	}
	ev := RateEvidence{RPS: r.Throughput, Source: "throughput of " + path}
	busy, sampled := r.ServerCPUBusy()
	if w, ok := r.BehindOnServer(); ok {
		ev.Saturation = fmt.Sprintf("the run fell behind its schedule with all its connections busy waiting for the server and the generator's CPU to spare (behind_schedule: %s)", w.Message)
	} else if sampled && busy.Share >= capacity.ServerCPUFull {
		ev.Saturation = fmt.Sprintf("the server's CPU was %s busy during the run (%s, mean of %d samples), at least %s",
			formatShare(busy.Share), busy.Basis, busy.Samples, formatShare(capacity.ServerCPUFull))
	} else {
		return RateEvidence{}, runRefusal(r, path, busy, sampled)
	}
	ev.Warnings = rateWarnings(r, path, "throughput", ev.Saturation)
	return ev, nil
}

// runRefusal says why a run's throughput is not what one server holds, with the
// utilization-law estimate when the server's CPU was sampled.
func runRefusal(r *results.Result, path string, busy results.CPUBusy, sampled bool) *RateRefusal {
	offered := "the load it offered"
	if r.RateAsked > 0 {
		offered = fmt.Sprintf("the load it offered (%s req/s asked)", formatNumber(round3(r.RateAsked)))
	}
	reason := fmt.Sprintf("the run does not show where the server saturates: its throughput (%s req/s) is %s, not what one server holds",
		formatNumber(round3(r.Throughput)), offered)
	if w, ok := r.GeneratorLimited(); ok {
		reason += fmt.Sprintf(", and the load generator limited it (%s)", w.Code)
	}
	hint := probeHint(r.Scenario)
	if sampled {
		if bound := capacity.UtilizationLawMax(r.Throughput, busy.Share); bound > 0 {
			hint = fmt.Sprintf("the server was %s busy at %s req/s (%s); by the utilization law it might hold about %s req/s (an upper bound); %s",
				formatShare(busy.Share), formatNumber(round3(r.Throughput)), busy.Basis, formatGrouped(roundSignificant(bound, 3), 0), hint)
		}
	}
	return &RateRefusal{Path: path, Reason: reason, Hint: hint}
}

// roundSignificant rounds v to n significant digits.
func roundSignificant(v float64, n int) float64 {
	if v == 0 || math.IsInf(v, 0) || math.IsNaN(v) {
		return v
	}
	scale := math.Pow(10, float64(n)-math.Ceil(math.Log10(math.Abs(v))))
	return math.Round(v*scale) / scale
}

// rateWarnings says why a rate taken from r is still doubtful: r was interrupted, or did not
// hold its schedule for another reason than the server (evidence says which it was).
func rateWarnings(r *results.Result, path, field, evidence string) []CapacityWarning {
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
		if !scheduleWarningCodes[w.Code] || strings.Contains(evidence, "behind_schedule") {
			continue
		}
		out = append(out, CapacityWarning{Code: WarnRateBehindSchedule, Message: fmt.Sprintf(
			"the per-server rate (%s of %s) comes from a run that did not hold its schedule (%s: %s); it may measure the load generator rather than the server",
			field, path, w.Code, w.Message)})
	}
	return out
}

// probeRate takes the sustainable rate of a probe that converged on the server's limit.
func probeRate(r *results.Result, path string) (RateEvidence, error) {
	p := r.Probe
	override := "or give --server-rps R, a rate you trust"
	switch {
	case !(p.SustainableRate > 0):
		return RateEvidence{}, &RateRefusal{Path: path,
			Reason: fmt.Sprintf("the probe found no rate that met its SLOs (probe.sustainable_rate = %g); nothing to size servers with", p.SustainableRate),
			Hint:   "probe from a lower --start, " + override}
	case p.Stop == "":
		return RateEvidence{}, &RateRefusal{Path: path,
			Reason: "the probe does not say whether it converged on the server's limit (it was written by an older loadtest)",
			Hint:   "re-run loadtest probe, " + override}
	case !p.Converged:
		reason, hint := ProbeNotConverged(p)
		return RateEvidence{}, &RateRefusal{Path: path, Reason: "the probe did not converge on the server's limit: " + reason,
			Hint: fmt.Sprintf("%s, %s (it held %s req/s)", hint, override, formatNumber(p.SustainableRate))}
	}
	ev := RateEvidence{RPS: p.SustainableRate, Source: "probe.sustainable_rate of " + path,
		Saturation: fmt.Sprintf("the probe converged: %s req/s met %s and %s req/s failed (%s apart, --precision %s)",
			formatNumber(p.Bracket.HighestPassed), sloList(p.SLOs), formatNumber(p.Bracket.LowestFailed),
			formatShare(p.PrecisionReached), formatShare(p.Precision))}
	ev.Warnings = rateWarnings(r, path, "probe.sustainable_rate", ev.Saturation)
	return ev, nil
}

// ProbeNotConverged says why a probe did not converge on the server's limit, and what to do:
// both empty for a probe that converged.
func ProbeNotConverged(p *results.Probe) (reason, todo string) {
	b := p.Bracket
	if b == nil {
		b = &results.ProbeBracket{}
	}
	switch p.Stop {
	case results.ProbeMaxSteps:
		if b.LowestFailed == 0 {
			return fmt.Sprintf("every step passed up to %s req/s when --max-steps ran out", formatNumber(b.HighestPassed)),
				"raise --max-steps (or give a --start nearer the limit)"
		}
		return fmt.Sprintf("%s req/s passed and %s req/s failed, %s apart, wider than --precision %s, when --max-steps ran out",
			formatNumber(b.HighestPassed), formatNumber(b.LowestFailed), formatShare(p.PrecisionReached), formatShare(p.Precision)), "raise --max-steps"
	case results.ProbeMaxRate:
		return fmt.Sprintf("every step passed up to --max %s req/s, so the server's limit is above it", formatNumber(b.HighestPassed)), "raise --max"
	case results.ProbeGenerator:
		return fmt.Sprintf("the step at %s req/s failed because the load generator limited it, not the server, so the server's limit lies above %s req/s, beyond what this generator measures",
			formatNumber(p.GeneratorLimit), formatNumber(b.HighestPassed)), "probe with more generators (loadtest cluster), a lighter scenario or a generator with CPU to spare"
	case results.ProbeInterrupted:
		return "it was interrupted", "re-run loadtest probe to the end"
	case results.ProbeNonePassed:
		return "no step met the SLOs", "probe from a lower --start"
	}
	return "", ""
}
