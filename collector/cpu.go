package collector

import (
	"math"

	"github.com/loadtestdev/loadtest/results"
	"github.com/shirou/gopsutil/v4/cpu"
)

// cpuSplit turns two cumulative CPU time readings of the same core (or of the whole host) into
// the percent of the interval between them spent in each state. It follows vmstat's convention
// so that the five figures add up to 100: user includes nice, system includes hard and soft
// interrupts, and guest time (already counted in user by Linux) is not counted twice.
func cpuSplit(before, after cpu.TimesStat) results.CPUPercent {
	user := (after.User + after.Nice) - (before.User + before.Nice)
	system := (after.System + after.Irq + after.Softirq) - (before.System + before.Irq + before.Softirq)
	idle := after.Idle - before.Idle
	iowait := after.Iowait - before.Iowait
	steal := after.Steal - before.Steal
	// Counters can step back (a core going offline and back, iowait on some kernels); a
	// negative delta is treated as no time spent.
	user, system, idle, iowait, steal = nonNeg(user), nonNeg(system), nonNeg(idle), nonNeg(iowait), nonNeg(steal)
	total := user + system + idle + iowait + steal
	if total <= 0 {
		return results.CPUPercent{}
	}
	pct := func(v float64) float64 { return round2(v / total * 100) }
	return results.CPUPercent{User: pct(user), System: pct(system), Idle: pct(idle), Iowait: pct(iowait), Steal: pct(steal)}
}

// perCPUSplit applies cpuSplit core by core, matching cores by name (cpu0, cpu1, ...) so that a
// core appearing or disappearing between the readings does not shift the others.
func perCPUSplit(before, after []cpu.TimesStat) []results.CPUPercent {
	prev := make(map[string]cpu.TimesStat, len(before))
	for _, t := range before {
		prev[t.CPU] = t
	}
	out := make([]results.CPUPercent, 0, len(after))
	for _, t := range after {
		b, ok := prev[t.CPU]
		if !ok {
			continue
		}
		out = append(out, cpuSplit(b, t))
	}
	return out
}

// processCPUPercent is the CPU a process used between two readings of its user+system time, in
// percent of one core (200 means two cores busy), like top's %CPU column.
func processCPUPercent(busyBefore, busyAfter, wallSeconds float64) float64 {
	if wallSeconds <= 0 {
		return 0
	}
	return round2(nonNeg(busyAfter-busyBefore) / wallSeconds * 100)
}

func nonNeg(v float64) float64 {
	if v < 0 {
		return 0
	}
	return v
}

// round2 rounds to two decimals, enough for percentages and load averages in a result file.
func round2(v float64) float64 { return math.Round(v*100) / 100 }
