package results

import (
	"fmt"
	"math"
)

// Names of the host series in a summary. Process series are named by role:
// "<role>_cpu_percent", "<role>_rss_bytes", "<role>_open_fds", "<role>_goroutines".
const (
	SeriesLoad1          = "load1"
	SeriesLoad5          = "load5"
	SeriesLoad15         = "load15"
	SeriesCPUUser        = "cpu_user"
	SeriesCPUSystem      = "cpu_system"
	SeriesCPUIdle        = "cpu_idle"
	SeriesCPUIowait      = "cpu_iowait"
	SeriesCPUSteal       = "cpu_steal"
	SeriesMemUsed        = "mem_used_bytes"
	SeriesMemAvailable   = "mem_available_bytes"
	suffixProcCPU        = "_cpu_percent"
	suffixProcRSS        = "_rss_bytes"
	suffixProcOpenFDs    = "_open_fds"
	suffixProcGoroutines = "_goroutines"
)

// SummarizeSamples returns the min/mean/max of every series in samples, keyed by series name (see
// SeriesLoad1 and the others). A process series covers the samples the process appears in;
// open fds and goroutines appear only when they were measured.
func SummarizeSamples(samples []Snapshot) map[string]SeriesStat {
	acc := map[string]*accumulator{}
	add := func(name string, v float64) {
		a := acc[name]
		if a == nil {
			a = &accumulator{min: math.Inf(1), max: math.Inf(-1)}
			acc[name] = a
		}
		a.add(v)
	}
	for _, s := range samples {
		add(SeriesLoad1, s.Load.Load1)
		add(SeriesLoad5, s.Load.Load5)
		add(SeriesLoad15, s.Load.Load15)
		add(SeriesCPUUser, s.CPU.User)
		add(SeriesCPUSystem, s.CPU.System)
		add(SeriesCPUIdle, s.CPU.Idle)
		add(SeriesCPUIowait, s.CPU.Iowait)
		add(SeriesCPUSteal, s.CPU.Steal)
		add(SeriesMemUsed, float64(s.Memory.UsedBytes))
		add(SeriesMemAvailable, float64(s.Memory.AvailableBytes))
		for _, p := range s.Processes {
			prefix := processSeriesPrefix(p)
			add(prefix+suffixProcCPU, p.CPUPercent)
			add(prefix+suffixProcRSS, float64(p.RSSBytes))
			if p.OpenFDs > 0 || p.FDLimit > 0 {
				add(prefix+suffixProcOpenFDs, float64(p.OpenFDs))
			}
			if p.Goroutines > 0 {
				add(prefix+suffixProcGoroutines, float64(p.Goroutines))
			}
		}
	}
	out := make(map[string]SeriesStat, len(acc))
	for name, a := range acc {
		out[name] = a.stat()
	}
	return out
}

// ProcessSeries is the name of a process series in a summary, e.g.
// ProcessSeries("server", "cpu_percent") is "server_cpu_percent".
func ProcessSeries(role, figure string) string { return role + "_" + figure }

func processSeriesPrefix(p Process) string {
	if p.Role != "" {
		return p.Role
	}
	return fmt.Sprintf("pid_%d", p.PID)
}

type accumulator struct {
	n             int
	sum, min, max float64
}

func (a *accumulator) add(v float64) {
	a.n++
	a.sum += v
	a.min = math.Min(a.min, v)
	a.max = math.Max(a.max, v)
}

func (a *accumulator) stat() SeriesStat {
	return SeriesStat{Min: a.min, Mean: math.Round(a.sum/float64(a.n)*100) / 100, Max: a.max}
}
