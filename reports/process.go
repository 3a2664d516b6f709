package reports

import (
	"fmt"

	"github.com/loadtestdev/loadtest/results"
)

// procPoint is a side's own process (the loadtest process on the generator side, the server
// process on the server side) at one moment, or its highest figures.
type procPoint struct {
	// CPUPercent is of one core (200 = two cores busy), as top's %CPU.
	CPUPercent float64
	RSSBytes   uint64
	// Cores is the host's core count the CPU is shared over; 0 when unknown.
	Cores int
}

// procFigures are a side's process figures in the host block: the last sample the process
// appears in, and its highest CPU and highest RSS over all samples (peak = max over samples).
type procFigures struct {
	End      procPoint
	PeakCPU  procPoint
	PeakRSS  uint64
	Measured bool // false when no sample has the side's process (older files, remote targets without processes)
}

// sideProcess returns the figures of the processes in role in one sample, summed when several
// processes share the role; ok is false when the sample has none.
func sideProcess(s results.Snapshot, role string) (procPoint, bool) {
	pt := procPoint{Cores: s.NumCPU}
	ok := false
	for _, p := range s.Processes {
		if p.Role != role {
			continue
		}
		pt.CPUPercent += p.CPUPercent
		pt.RSSBytes += p.RSSBytes
		ok = true
	}
	return pt, ok
}

// summarizeProcess reduces a side's process samples (role "generator" or "server") to the
// figures the host block prints; with no samples it falls back on the summary's maxima
// (results.ProcessSeries) for both end and peak, as the host figures do.
func summarizeProcess(role string, s *results.HostSeries) procFigures {
	var f procFigures
	for _, sm := range s.Samples {
		pt, ok := sideProcess(sm, role)
		if !ok {
			continue
		}
		if !f.Measured || pt.CPUPercent > f.PeakCPU.CPUPercent {
			f.PeakCPU = pt
		}
		f.PeakRSS = max(f.PeakRSS, pt.RSSBytes)
		f.End, f.Measured = pt, true
	}
	if f.Measured || len(s.Samples) > 0 {
		return f
	}
	cpu, okCPU := s.Summary[results.ProcessSeries(role, "cpu_percent")]
	rss, okRSS := s.Summary[results.ProcessSeries(role, "rss_bytes")]
	if !okCPU && !okRSS {
		return f
	}
	peak := procPoint{CPUPercent: cpu.Max, RSSBytes: uint64(rss.Max)}
	return procFigures{End: peak, PeakCPU: peak, PeakRSS: peak.RSSBytes, Measured: true}
}

// formatProcCPU formats a process's CPU in percent of one core and, when the host's core count
// is known, as a share of all its cores: "150.0 % (75.0 % of 2 cores)".
func formatProcCPU(p procPoint) string {
	if p.Cores <= 0 {
		return fmt.Sprintf("%.1f %%", p.CPUPercent)
	}
	noun := "cores"
	if p.Cores == 1 {
		noun = "core"
	}
	return fmt.Sprintf("%.1f %% (%.1f %% of %d %s)", p.CPUPercent, p.CPUPercent/float64(p.Cores), p.Cores, noun)
}

// procCells are the process cpu and rss cells of a host row: "-" when the process was not sampled.
func procCells(f procFigures, cpu procPoint, rss uint64) []string {
	if !f.Measured {
		return []string{"-", "-"}
	}
	return []string{formatProcCPU(cpu), formatBytes(rss)}
}
