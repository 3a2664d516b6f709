package runner

import (
	"net/url"
	"slices"

	"github.com/loadtestdev/loadtest/collector"
	"github.com/loadtestdev/loadtest/engine"
	"github.com/loadtestdev/loadtest/results"
)

// recordHost records the sampling session's host section and warnings in r, and completes the
// engine's behind_schedule advice with what the host sampling measured.
func recordHost(r *results.Result, rep collector.HostReport) {
	host := &results.Host{Generator: results.NewHostSeries("local", true, rep.Generator)}
	if rep.Server != nil {
		host.Server = results.NewHostSeries(rep.ServerOrigin, rep.ServerSameHost, rep.Server)
	}
	r.Host = host
	explainBehindSchedule(r, rep.Warnings)
	r.Warnings = append(r.Warnings, rep.Warnings...)
}

// explainBehindSchedule completes a behind_schedule warning with what the host sampling
// measured: whether the generator's CPU was saturated (a CPU warning fired); and, when the
// hits left late with connections to spare and the CPU was not saturated, that the timer or
// the scheduler held them back.
func explainBehindSchedule(r *results.Result, host []results.Warning) {
	cpu := ""
	for _, hw := range host {
		if hw.Code == collector.WarnGeneratorCPU || hw.Code == collector.WarnGeneratorHostIdle {
			cpu = hw.Code
			break
		}
	}
	for i := range r.Warnings {
		w := &r.Warnings[i]
		if w.Code != "behind_schedule" {
			continue
		}
		switch {
		case cpu != "" && w.Values["cause"] == engine.BehindConnections:
			w.Message += "; the generator's CPU was saturated too (" + cpu + "): more connections need CPU to spare"
			w.Values["cpu_saturated"] = 1
		case cpu != "":
			w.Message += "; the generator's CPU was saturated (" + cpu + ")"
			w.Values["cpu_saturated"] = 1
		case w.Values["cause"] == engine.BehindGenerator:
			w.Message += "; the generator's CPU was not saturated, so its timer or the scheduler held the hits back"
			w.Values["cpu_saturated"] = 0
		}
	}
}

// otherHosts are the run's hosts besides its target (a scenario's named hosts and absolute
// URLs), for the sampling session; the target is compared by scheme://host:port.
func otherHosts(eo engine.Options) []string {
	var origins []string
	if eo.FlowPlan != nil {
		origins = eo.FlowPlan.Origins()
	} else if o, ok := eo.Targeter.(interface{ Origins() []string }); ok {
		origins = o.Origins()
	}
	key := func(s string) string {
		u, err := url.Parse(s)
		if err != nil {
			return s
		}
		return u.Scheme + "://" + u.Host
	}
	target := key(eo.Target)
	var out []string
	for _, o := range origins {
		if k := key(o); k != target && !slices.Contains(out, k) {
			out = append(out, k)
		}
	}
	return out
}
