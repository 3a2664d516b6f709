package collector

import (
	"bufio"
	"fmt"
	"io"
	"strings"

	"github.com/loadtestdev/loadtest/results"
)

// WriteTop writes s as a screen in the shape of top's header: time, uptime and load average,
// the CPU split of the whole host and of each core, memory in MiB, then the watched processes.
// It is a pure function of the snapshot (times are shown in s.Time's location).
func WriteTop(w io.Writer, s results.Snapshot) error {
	bw := bufio.NewWriter(w)
	fmt.Fprintf(bw, "top - %s up %s,  load average: %.2f, %.2f, %.2f\n",
		s.Time.Format("15:04:05"), formatUptime(s.UptimeS), s.Load.Load1, s.Load.Load5, s.Load.Load15)
	host := s.Hostname
	if host == "" {
		host = "(unnamed host)"
	}
	cpus := "CPUs"
	if s.NumCPU == 1 {
		cpus = "CPU"
	}
	fmt.Fprintf(bw, "Host: %s, %d %s\n", host, s.NumCPU, cpus)
	fmt.Fprintf(bw, "%%Cpu(s):%s\n", formatCPU(s.CPU))
	for i, c := range s.PerCPU {
		fmt.Fprintf(bw, "%-7s:%s\n", fmt.Sprintf("%%Cpu%d", i), formatCPU(c))
	}
	m := s.Memory
	fmt.Fprintf(bw, "MiB Mem : %8.1f total, %8.1f free, %8.1f used, %8.1f avail Mem\n",
		mib(m.TotalBytes), mib(m.FreeBytes), mib(m.UsedBytes), mib(m.AvailableBytes))
	if len(s.Processes) > 0 {
		fmt.Fprintf(bw, "\n%7s %-10s %7s %9s %15s %10s\n", "PID", "ROLE", "%CPU", "RES MiB", "FDS/LIMIT", "GOROUTINES")
		for _, p := range s.Processes {
			fmt.Fprintf(bw, "%7d %-10s %7.1f %9.1f %15s %10s\n",
				p.PID, p.Role, p.CPUPercent, mib(p.RSSBytes), formatFDs(p), formatCount(p.Goroutines))
		}
	}
	return bw.Flush()
}

// formatUptime follows procps' sprint_uptime: "3 days,  4:05", "1 day, 12 min", "4:05", "12 min".
func formatUptime(seconds uint64) string {
	days := seconds / 86400
	hours := seconds / 3600 % 24
	minutes := seconds / 60 % 60
	var b strings.Builder
	if days > 0 {
		plural := "s"
		if days == 1 {
			plural = ""
		}
		fmt.Fprintf(&b, "%d day%s, ", days, plural)
	}
	if hours > 0 {
		fmt.Fprintf(&b, "%2d:%02d", hours, minutes)
	} else {
		fmt.Fprintf(&b, "%d min", minutes)
	}
	return b.String()
}

func formatCPU(c results.CPUPercent) string {
	return fmt.Sprintf("%5.1f us,%5.1f sy,%5.1f id,%5.1f wa,%5.1f st", c.User, c.System, c.Idle, c.Iowait, c.Steal)
}

func formatFDs(p results.Process) string {
	switch {
	case p.FDLimit > 0:
		return fmt.Sprintf("%d/%d", p.OpenFDs, p.FDLimit)
	case p.OpenFDs > 0:
		return fmt.Sprintf("%d/-", p.OpenFDs)
	default:
		return "-"
	}
}

func formatCount(n int) string {
	if n <= 0 {
		return "-"
	}
	return fmt.Sprint(n)
}

func mib(b uint64) float64 { return float64(b) / (1 << 20) }
