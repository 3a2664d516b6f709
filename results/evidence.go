package results

import "time"

// What a result says about who limited the run: the generator (its CPU, its host's CPU, its
// file descriptors, its timer) or the server. The capacity planner and the probe read it.

// Warning codes and behind_schedule causes that the evidence reads. They are set by the
// collector (the generator_* codes) and the engine (behind_schedule and its "cause").
const (
	warnBehindSchedule     = "behind_schedule"
	warnGeneratorCPU       = "generator_cpu_saturated"
	warnGeneratorHostIdle  = "generator_host_cpu_saturated"
	warnGeneratorFDs       = "generator_fds_exhausted"
	behindCauseConnections = 1 // engine.BehindConnections: every connection was busy
	behindCauseGenerator   = 2 // engine.BehindGenerator: connections to spare, the generator was late
)

// Warning returns r's first warning with code, if any.
func (r *Result) Warning(code string) (Warning, bool) {
	for _, w := range r.Warnings {
		if w.Code == code {
			return w, true
		}
	}
	return Warning{}, false
}

// GeneratorLimited returns the warning that says the load generator, not the server, limited
// the run: its process or host CPU saturated, its file descriptors exhausted, or hits sent
// late with connections to spare (behind_schedule whose cause is the generator, or whose CPU
// was saturated).
func (r *Result) GeneratorLimited() (Warning, bool) {
	for _, w := range r.Warnings {
		switch w.Code {
		case warnGeneratorCPU, warnGeneratorHostIdle, warnGeneratorFDs:
			return w, true
		case warnBehindSchedule:
			if w.Values["cause"] == behindCauseGenerator || w.Values["cpu_saturated"] == 1 {
				return w, true
			}
		}
	}
	return Warning{}, false
}

// BehindOnServer returns the behind_schedule warning of a run that fell behind its schedule
// because every connection was busy waiting for the server, while nothing says the
// generator limited it (GeneratorLimited).
func (r *Result) BehindOnServer() (Warning, bool) {
	w, ok := r.Warning(warnBehindSchedule)
	if !ok || w.Values["cause"] != behindCauseConnections {
		return Warning{}, false
	}
	if _, gen := r.GeneratorLimited(); gen {
		return Warning{}, false
	}
	return w, true
}

// CPUBusy is how busy the server's CPU was during a run: the mean over the samples taken
// while it ran of the share (0..1) of the server host's cores in use.
type CPUBusy struct {
	Share float64
	// Basis says what was measured: "server process" (its CPU time over all the host's
	// cores) or "server host" (the host's CPU less idle, when the server is alone on it).
	Basis   string
	Samples int
}

// ServerCPUBusy returns how busy the server's CPU was while r ran, from its host section: the
// server process's CPU over all the cores of its host where the process was sampled, else the
// host's busy CPU when the server runs on another host than the generator. Only the samples
// whose interval lies mostly within the run count. ok is false when there is no such sample.
func (r *Result) ServerCPUBusy() (CPUBusy, bool) {
	if r.Host == nil || r.Host.Server == nil {
		return CPUBusy{}, false
	}
	hs := r.Host.Server
	var sum float64
	var out CPUBusy
	for i := 1; i < len(hs.Samples); i++ {
		s := hs.Samples[i]
		if !mostlyWithin(hs.Samples[i-1].Time, s.Time, r.Started, r.Ended) {
			continue
		}
		share, basis, ok := serverBusy(s, hs.SameHost)
		if !ok {
			continue
		}
		sum += share
		out.Samples++
		if out.Basis == "" || basis == "server process" {
			out.Basis = basis
		}
	}
	if out.Samples == 0 {
		return CPUBusy{}, false
	}
	out.Share = sum / float64(out.Samples)
	return out, true
}

// serverBusy is one sample's busy share of the server's host: its server process's, else the
// whole host's when the generator does not share it.
func serverBusy(s Snapshot, sameHost bool) (float64, string, bool) {
	for _, p := range s.Processes {
		if p.Role == RoleServer && s.NumCPU > 0 {
			return min(p.CPUPercent/(100*float64(s.NumCPU)), 1), "server process", true
		}
	}
	if sameHost {
		return 0, "", false
	}
	return max(0, min((100-s.CPU.Idle)/100, 1)), "server host", true
}

// mostlyWithin reports whether the sample interval (from, to] lies at least half within the
// run [start, end].
func mostlyWithin(from, to, start, end time.Time) bool {
	if !to.After(from) || start.IsZero() || end.IsZero() {
		return false
	}
	lo, hi := from, to
	if start.After(lo) {
		lo = start
	}
	if end.Before(hi) {
		hi = end
	}
	return hi.Sub(lo) >= to.Sub(from)/2
}
