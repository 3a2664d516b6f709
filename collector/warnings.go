package collector

import (
	"fmt"

	"github.com/loadtestdev/loadtest/results"
)

// results.Warning codes.
const (
	// WarnGeneratorCPU: the loadtest process used more than 90% of the cores it may use.
	WarnGeneratorCPU = "generator_cpu_saturated"
	// WarnGeneratorHostIdle: the generator host's CPU idle fell under 5% while the target runs
	// on another host.
	WarnGeneratorHostIdle = "generator_host_cpu_saturated"
	// WarnGeneratorFDs: the loadtest process ran out of file descriptors (open fds reached 95%
	// of its limit, or requests failed with "too many open files").
	WarnGeneratorFDs = "generator_fds_exhausted"
	// WarnConnectionCap: the engine had every connection it may open in use.
	WarnConnectionCap = "generator_connection_cap"
	// WarnServerLoad: during the run the server host had more runnable tasks than cores on
	// average, with its CPU busy (serverLoadWarning).
	WarnServerLoad = "server_load_above_cores"
)

// Thresholds of the saturation rules.
const (
	GeneratorCPUShare = 0.90 // of the cores the generator may use
	GeneratorMinIdle  = 5.0  // percent host CPU idle
	GeneratorFDShare  = 0.95 // of the fd limit
	// GeneratorBehindMinIdle is the host CPU idle (percent) under which a run that fell behind
	// schedule blames the generator host's CPU, also when the target shares the host: hits
	// left late while the CPU that runs the workers had next to nothing to spare.
	GeneratorBehindMinIdle = 10.0
	generatorLimitedBy     = "results may be limited by the load generator, not the target"
)

// Assessment is what the saturation rules look at: both sides' samples and the engine's own
// figures about its connections.
type Assessment struct {
	Generator []results.Snapshot // samples of the generator host (with the generator process)
	Server    []results.Snapshot // samples of the server host (local, or from its /stats)
	// TargetOnSameHost is true when the target runs on the generator's host: host CPU idle
	// then says nothing about the generator alone.
	TargetOnSameHost bool
	// ConnectionCap is the most connections (workers) the engine may open, 0 if unbounded;
	// PeakConnections the most it had open at once.
	ConnectionCap int
	// Sessions: the cap is flows' max_sessions (EngineFigures.Sessions).
	Sessions        bool
	PeakConnections int
	// FDErrors counts requests that failed because the generator had no file descriptor left
	// ("too many open files").
	FDErrors uint64
	// BehindSchedule is true when the engine sent hits late (its behind_schedule warning).
	BehindSchedule bool
}

// ConnectionsCapped reports whether the engine had every connection it may open in use.
func (a Assessment) ConnectionsCapped() bool {
	return a.ConnectionCap > 0 && a.PeakConnections >= a.ConnectionCap
}

// Warnings applies every saturation rule and returns the warnings that fire, in a fixed order.
func Warnings(a Assessment) []results.Warning {
	var out []results.Warning
	for _, rule := range []func(Assessment) (results.Warning, bool){
		generatorCPUWarning, generatorHostIdleWarning, generatorFDWarning, connectionCapWarning, serverLoadWarning,
	} {
		if w, ok := rule(a); ok {
			out = append(out, w)
		}
	}
	return out
}

// generatorCPUWarning fires when, in some sample, the generator process's CPU exceeds 90% of
// the cores it may use (GOMAXPROCS, else the host's cores).
func generatorCPUWarning(a Assessment) (results.Warning, bool) {
	var peak results.Process
	var cores float64
	found := false
	for _, s := range a.Generator {
		for _, p := range s.Processes {
			if p.Role != results.RoleGenerator {
				continue
			}
			usable := usableCores(p, s.NumCPU)
			if usable > 0 && p.CPUPercent > GeneratorCPUShare*100*usable && (!found || p.CPUPercent/usable > peak.CPUPercent/cores) {
				peak, cores, found = p, usable, true
			}
		}
	}
	if !found {
		return results.Warning{}, false
	}
	return results.Warning{
		Code: WarnGeneratorCPU,
		Message: fmt.Sprintf("%s: the loadtest process used %.1f%% CPU, over %.0f%% of the %g cores it may use",
			generatorLimitedBy, peak.CPUPercent, GeneratorCPUShare*100, cores),
		Values: map[string]float64{"cpu_percent": peak.CPUPercent, "usable_cores": cores, "threshold_percent": GeneratorCPUShare * 100 * cores},
	}, true
}

func usableCores(p results.Process, numCPU int) float64 {
	cores := numCPU
	if p.GOMAXPROCS > 0 && (cores <= 0 || p.GOMAXPROCS < cores) {
		cores = p.GOMAXPROCS
	}
	return float64(cores)
}

// generatorHostIdleWarning fires when the generator host's CPU idle falls under 5% in some
// sample while the target is on another host; or under 10% (GeneratorBehindMinIdle), on its
// own host or the target's, when the run fell behind schedule.
func generatorHostIdleWarning(a Assessment) (results.Warning, bool) {
	if len(a.Generator) == 0 {
		return results.Warning{}, false
	}
	minIdle, shared := GeneratorMinIdle, ""
	if a.BehindSchedule {
		minIdle = GeneratorBehindMinIdle
		if a.TargetOnSameHost {
			shared = ", which it shares with the target,"
		}
	} else if a.TargetOnSameHost {
		return results.Warning{}, false
	}
	low := a.Generator[0]
	for _, s := range a.Generator[1:] {
		if s.CPU.Idle < low.CPU.Idle {
			low = s
		}
	}
	if low.CPU.Idle >= minIdle {
		return results.Warning{}, false
	}
	return results.Warning{
		Code:    WarnGeneratorHostIdle,
		Message: fmt.Sprintf("%s: the generator host's CPU%s was %.1f%% idle (under %g%%)", generatorLimitedBy, shared, low.CPU.Idle, minIdle),
		Values:  map[string]float64{"cpu_idle": low.CPU.Idle, "threshold_percent": minIdle},
	}, true
}

// generatorFDWarning fires when the generator process's open fds reached 95% of its limit in
// some sample, or when requests failed for want of a file descriptor.
func generatorFDWarning(a Assessment) (results.Warning, bool) {
	var peak results.Process
	found := false
	for _, s := range a.Generator {
		for _, p := range s.Processes {
			if p.Role == results.RoleGenerator && p.FDLimit > 0 && float64(p.OpenFDs) >= GeneratorFDShare*float64(p.FDLimit) &&
				(!found || p.OpenFDs > peak.OpenFDs) {
				peak, found = p, true
			}
		}
	}
	if !found && a.FDErrors == 0 {
		return results.Warning{}, false
	}
	w := results.Warning{Code: WarnGeneratorFDs, Values: map[string]float64{}}
	if found {
		w.Message = fmt.Sprintf("the generator ran out of file descriptors: %d open of a limit of %d (ulimit -n); raise the limit or use fewer connections",
			peak.OpenFDs, peak.FDLimit)
		w.Values["open_fds"], w.Values["fd_limit"] = float64(peak.OpenFDs), float64(peak.FDLimit)
	}
	if a.FDErrors > 0 {
		if !found {
			w.Message = fmt.Sprintf("the generator ran out of file descriptors: %d requests failed with \"too many open files\"; raise ulimit -n or use fewer connections", a.FDErrors)
		}
		w.Values["fd_errors"] = float64(a.FDErrors)
	}
	return w, true
}

// connectionCapWarning fires when the engine had every connection it may open in use.
func connectionCapWarning(a Assessment) (results.Warning, bool) {
	if !a.ConnectionsCapped() {
		return results.Warning{}, false
	}
	msg := fmt.Sprintf("%s: it had all %d connections it may open in use, so requests waited for a free one (raise --connections)",
		generatorLimitedBy, a.ConnectionCap)
	if a.Sessions {
		msg = fmt.Sprintf("%s: it had all %d sessions of max_sessions in use, so the iterations due then were dropped (raise max_sessions; see dropped_iterations)",
			generatorLimitedBy, a.ConnectionCap)
	}
	return results.Warning{
		Code:    WarnConnectionCap,
		Message: msg,
		Values:  map[string]float64{"peak_connections": float64(a.PeakConnections), "connection_cap": float64(a.ConnectionCap)},
	}, true
}
