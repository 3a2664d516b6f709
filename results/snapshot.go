package results

import "time"

// Roles of watched processes (Process.Role).
const (
	RoleGenerator = "generator" // the loadtest process itself
	RoleServer    = "server"    // the server under test
)

// Snapshot is one sample of a host and the processes watched on it, as the collector takes it
// and a result's host section stores it. The reference server's GET /stats returns this same
// type as JSON.
type Snapshot struct {
	Time     time.Time `json:"time"`
	Hostname string    `json:"hostname,omitempty"`
	// HostID identifies the machine (gopsutil's host ID: DMI product UUID, machine-id or boot
	// id), so that two snapshots can be told to come from the same host.
	HostID  string  `json:"host_id,omitempty"`
	NumCPU  int     `json:"num_cpu"`
	UptimeS uint64  `json:"uptime_s"`
	Load    LoadAvg `json:"load"`
	// CPU is the whole host's CPU split in percent (0..100) over the interval before Time;
	// PerCPU the same for each logical core.
	CPU    CPUPercent   `json:"cpu"`
	PerCPU []CPUPercent `json:"per_cpu,omitempty"`
	Memory Memory       `json:"memory"`
	// Processes are the watched processes (the generator itself, the server it started, or
	// on /stats the server's own process).
	Processes []Process `json:"processes,omitempty"`
}

// LoadAvg is the 1, 5 and 15 minute load average.
type LoadAvg struct {
	Load1  float64 `json:"load1"`
	Load5  float64 `json:"load5"`
	Load15 float64 `json:"load15"`
}

// CPUPercent is a CPU time split in percent of the interval (0..100 each).
type CPUPercent struct {
	User   float64 `json:"user"`
	System float64 `json:"system"`
	Idle   float64 `json:"idle"`
	Iowait float64 `json:"iowait"`
	Steal  float64 `json:"steal"`
}

// Memory is the host's memory in bytes.
type Memory struct {
	TotalBytes     uint64 `json:"total_bytes"`
	UsedBytes      uint64 `json:"used_bytes"`
	AvailableBytes uint64 `json:"available_bytes"`
	// FreeBytes is memory not used at all (not even as cache), as top's "free".
	FreeBytes uint64 `json:"free_bytes,omitempty"`
}

// Process is one watched process. CPUPercent is of one core (200 means two cores busy).
type Process struct {
	PID        int32   `json:"pid"`
	Role       string  `json:"role"` // "generator", "server"
	CPUPercent float64 `json:"cpu_percent"`
	RSSBytes   uint64  `json:"rss_bytes"`
	Goroutines int     `json:"goroutines,omitempty"`
	// GOMAXPROCS is the number of cores a Go process may use (set for loadtest's own process).
	GOMAXPROCS int    `json:"gomaxprocs,omitempty"`
	OpenFDs    int    `json:"open_fds,omitempty"`
	FDLimit    uint64 `json:"fd_limit,omitempty"`
}
