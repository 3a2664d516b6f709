package collector

import (
	"fmt"
	"math"
	"time"

	"github.com/loadtestdev/loadtest/results"
)

// Constants of the server load rule (serverLoadWarning).
const (
	// LoadUpdateInterval is how often Linux folds the number of runnable (and uninterruptible)
	// tasks into its load averages (LOAD_FREQ in kernel/sched/loadavg.c).
	LoadUpdateInterval = 5 * time.Second
	// load1Period is the time constant of the 1-minute load average.
	load1Period = time.Minute
	// ServerMinBusy is the share of the server host's CPU (percent, mean of the samples taken
	// during the run) that must have been busy for the rule to say tasks waited for a CPU: a
	// load average also counts tasks waiting for I/O, which leave the CPU idle.
	ServerMinBusy = 90.0
)

// runLoad is what the load average says about the tasks runnable during a run.
type runLoad struct {
	// Before and After are the 1-minute load averages of the first sample (taken before the
	// attack) and the last one (after it).
	Before, After float64
	// Updates is the number of load average updates the run spanned (round(Δt / 5 s)).
	Updates int
	// During is the mean number of runnable tasks during the run.
	During float64
}

// loadDuringRun recovers the mean number of runnable tasks during a run from the 1-minute load
// averages before and after it, removing what the average still held from before the run.
// Every LoadUpdateInterval Linux sets load1 ← load1·d + n·(1−d), with d = e^(−5 s/60 s) and n
// the tasks runnable at that instant; m updates with mean n̄ give
//
//	after = before·dᵐ + n̄·(1 − dᵐ), so n̄ = (after − before·dᵐ) / (1 − dᵐ)
//
// (calc_load in Linux's kernel/sched/loadavg.c; n̄ is a weighted mean of the instants, exact
// for a steady load). m is round(Δt / 5 s) for the
// Δt between the two samples: ok is false when the run spanned no update (Δt < 2.5 s), as the
// load average then says nothing about it.
func loadDuringRun(samples []results.Snapshot) (runLoad, bool) {
	if len(samples) < 2 {
		return runLoad{}, false
	}
	first, last := samples[0], samples[len(samples)-1]
	m := int(math.Round(float64(last.Time.Sub(first.Time)) / float64(LoadUpdateInterval)))
	if m < 1 {
		return runLoad{}, false
	}
	dm := math.Exp(-float64(m) * float64(LoadUpdateInterval) / float64(load1Period))
	during := (last.Load.Load1 - first.Load.Load1*dm) / (1 - dm)
	return runLoad{Before: first.Load.Load1, After: last.Load.Load1, Updates: m, During: round2(max(during, 0))}, true
}

// busyDuringRun is the mean share of the host's CPU (percent) busy in the samples taken during
// the run: all but the first, each of which covers the interval before it. Idle and iowait
// count as not busy.
func busyDuringRun(samples []results.Snapshot) float64 {
	if len(samples) < 2 {
		return 0
	}
	sum := 0.0
	for _, s := range samples[1:] {
		sum += 100 - s.CPU.Idle - s.CPU.Iowait
	}
	return round2(sum / float64(len(samples)-1))
}

// serverLoadWarning fires when, during the run, the server host had more runnable tasks than
// cores on average (loadDuringRun) while its CPU was at least ServerMinBusy busy: tasks were
// waiting for a CPU. Load from before the run that ended or decayed does not count; load that
// went on during it does, and the message says how much of it was there before.
func serverLoadWarning(a Assessment) (results.Warning, bool) {
	if len(a.Server) == 0 {
		return results.Warning{}, false
	}
	cores := a.Server[len(a.Server)-1].NumCPU
	load, ok := loadDuringRun(a.Server)
	busy := busyDuringRun(a.Server)
	if !ok || cores <= 0 || load.During <= float64(cores) || busy < ServerMinBusy {
		return results.Warning{}, false
	}
	detail := ""
	if load.Before > float64(cores) {
		detail = fmt.Sprintf("; the host was already loaded before the run (load average %.2f): other work shares it", load.Before)
	}
	if a.TargetOnSameHost {
		detail += "; the load generator runs on it too"
	}
	return results.Warning{
		Code: WarnServerLoad,
		Message: fmt.Sprintf("the server host was overloaded during the run: about %.1f tasks were runnable on average for its %d cores, with its CPU %.0f%% busy, so tasks were waiting for a CPU (1-minute load average %.2f before the run, %.2f after)%s",
			load.During, cores, busy, load.Before, load.After, detail),
		Values: map[string]float64{"load_during": load.During, "load1_before": load.Before, "load1_after": load.After,
			"load_updates": float64(load.Updates), "cpu_busy_percent": busy, "num_cpu": float64(cores)},
	}, true
}
