package reports

import (
	"encoding/json"
	"fmt"
	"io"
	"math"
	"strings"

	"github.com/dustin/go-humanize"

	"github.com/loadtestdev/loadtest/capacity"
)

// CapacityFleet is a sized fleet with what its renderers say about the inputs.
type CapacityFleet struct {
	Fleet *capacity.Fleet
	In    capacity.FleetInput
	// Sources are the capacities taken from result files (from: in the fleet file).
	Sources []FleetSource
	// Explain adds every step of the fleet's arithmetic with the numbers put in.
	Explain bool
	// Warnings are doubts about the inputs (a rate from an interrupted probe); the JSON
	// carries them, text and Markdown leave them to WriteCapacityWarnings.
	Warnings []CapacityWarning
}

// FleetSource is one capacity read from a result: the fleet file's field, the rate, the
// field and file it came from and the evidence that it is the server's limit.
type FleetSource struct {
	Field    string  `json:"field"`
	Rate     float64 `json:"rate"`
	Source   string  `json:"source"`
	Evidence string  `json:"evidence,omitempty"`
}

// WriteCapacityFleet writes f as text, Markdown or JSON.
func WriteCapacityFleet(w io.Writer, format string, f CapacityFleet) error {
	switch format {
	case FormatJSON:
		return writeCapacityFleetJSON(w, f)
	case FormatText, FormatMarkdown:
		return writeCapacityFleetText(w, format == FormatMarkdown, f)
	}
	return fmt.Errorf("%w %q for a capacity fleet (allowed: text, json, md)", ErrFormat, format)
}

func fleetTitle(in capacity.FleetInput) string {
	p := planTitle(capacity.PlanInput{Demand: in.Demand})
	return "capacity fleet: " + strings.TrimPrefix(p, "capacity plan: ")
}

func fleetMix(m capacity.FleetMix) string {
	var parts []string
	for _, k := range []struct {
		name  string
		share float64
	}{{"cache reads", m.CacheReads}, {"database reads", m.DBReads}, {"writes", m.Writes}, {"other", m.Other}} {
		if k.share > 0 {
			parts = append(parts, formatShare(k.share)+" "+k.name)
		}
	}
	s := strings.Join(parts, ", ")
	if m.CacheReads+m.DBReads > 0 {
		s += fmt.Sprintf(" (cache hit ratio %s)", formatShare(m.HitRatio()))
	}
	if m.TasksPerRequest > 0 {
		s += fmt.Sprintf("; %s tasks per request", formatNumber(m.TasksPerRequest))
	}
	return s
}

// fleetRoleRows are the inventory: role, count, cold-cache count, bound, utilisation.
func fleetRoleRows(f *capacity.Fleet) [][]string {
	rows := make([][]string, 0, len(f.Roles)+1)
	total, totalCold := 0, 0
	for _, r := range f.Roles {
		cold := ""
		if r.Role == capacity.RoleReplicas {
			cold = fmt.Sprint(r.ColdCount)
			totalCold += r.ColdCount - r.Count
		}
		rows = append(rows, []string{r.Role, fmt.Sprint(r.Count), cold, r.Bound, formatShare(r.Utilization)})
		total += r.Count
	}
	cold := ""
	if f.Database != nil {
		cold = fmt.Sprint(total + totalCold)
	}
	return append(rows, []string{"total", fmt.Sprint(total), cold, "", ""})
}

// fleetTierRows are the quantities behind the counts.
func fleetTierRows(c CapacityFleet) [][]string {
	f, in := c.Fleet, c.In
	d := f.Demand
	rows := [][]string{
		{"peak rate", formatGrouped(d.PeakRPS, 3), fmt.Sprintf("req/s (%s × the average of %s)", formatNumber(d.PeakFactor), formatGrouped(d.AverageRPS, 3))},
		{"app server rate", formatGrouped(f.AppRPS, 1), "req/s of the mix per server: 1 / Σ (share / rate)"},
	}
	if cf := f.Cache; cf != nil {
		rows = append(rows, []string{"cache operations", formatGrouped(cf.OpsPerSecond, 1), fmt.Sprintf("ops/s: %s at %s per node", nodesText(cf.NodesForOps, "node"), formatNumber(in.Cache.OpsPerNode))})
		if in.Cache.MemoryPerNode > 0 {
			rows = append(rows, []string{"cache working set", formatSize(cf.WorkingSet), fmt.Sprintf("%s of %s at %s fill", nodesText(cf.NodesForMemory, "node"),
				formatSize(in.Cache.MemoryPerNode), formatShare(in.Cache.MaxFill))})
		}
	}
	if df := f.Database; df != nil {
		rows = append(rows,
			[]string{"database writes", formatGrouped(df.WriteQPS, 1), fmt.Sprintf("queries/s: %s at %s per master", nodesText(df.ShardsForWrites, "shard"), formatNumber(in.Database.WriteQPSPerMaster))})
		if in.Database.StoragePerNode > 0 {
			rows = append(rows, []string{"database storage", formatSize(df.Storage), fmt.Sprintf("%s of %s at %s fill", nodesText(df.ShardsForStorage, "shard"),
				formatSize(in.Database.StoragePerNode), formatShare(in.Database.MaxFill))})
		}
		rows = append(rows,
			[]string{"shards", fmt.Sprint(df.Shards), "bound: " + df.ShardBound},
			[]string{"database reads", formatGrouped(df.ReadQPS, 1), fmt.Sprintf("queries/s at h = %s: %d replicas per shard", formatShare(in.Mix.HitRatio()), df.ReplicasPerShard)},
			[]string{"database reads, cold cache", formatGrouped(df.ReadQPSCold, 1), fmt.Sprintf("queries/s at h = 0: %d replicas per shard", df.ReplicasPerShardCold)})
	}
	if f.Workers != nil {
		rows = append(rows, []string{"tasks", formatGrouped(f.Demand.PeakRPS*in.Mix.TasksPerRequest, 1), fmt.Sprintf("tasks/s at %s per worker", formatNumber(in.TasksPerWorker))})
	}
	return rows
}

// nodesText is "1 node", "3 nodes".
func nodesText(n int, what string) string {
	if n == 1 {
		return "1 " + what
	}
	return fmt.Sprintf("%d %ss", n, what)
}

// formatSize prints a size in SI units (20 GB), as the fleet file's sizes are written.
func formatSize(b float64) string {
	if b < 0 || b > math.MaxUint64/2 {
		return formatNumber(b) + " B"
	}
	return humanize.Bytes(uint64(math.Round(b)))
}

func fleetGrowthTable(f *capacity.Fleet) (header []string, rows [][]string, aligns string) {
	header, aligns = []string{"month", "DAU", "peak req/s"}, "rrr"
	for _, r := range f.Roles {
		header, aligns = append(header, r.Role), aligns+"r"
	}
	for _, m := range f.Growth {
		row := []string{fmt.Sprint(m.Month), formatGrouped(m.DAU, 0), formatGrouped(m.PeakRPS, 1)}
		for _, n := range m.Counts {
			row = append(row, fmt.Sprint(n))
		}
		rows = append(rows, row)
	}
	return header, rows, aligns
}

func fleetNextLine(n capacity.FleetNext, horizon int, now int) string {
	if n.Month == 0 {
		return fmt.Sprintf("%s: %d all through the %d months", n.Role, now, horizon)
	}
	return fmt.Sprintf("%s: month %d (%d → %d)", n.Role, n.Month, now, n.Count)
}

func writeCapacityFleetText(w io.Writer, md bool, c CapacityFleet) error {
	e := &errWriter{w: w}
	f := c.Fleet
	if md {
		e.printf("## Capacity fleet\n\n%s\n\n", strings.TrimPrefix(fleetTitle(c.In), "capacity fleet: "))
	} else {
		e.printf("%s\n", fleetTitle(c.In))
	}
	e.printf("mix: %s\n", fleetMix(c.In.Mix))
	for _, s := range c.Sources {
		line := fmt.Sprintf("%s: %s req/s, the %s", s.Field, formatNumber(s.Rate), s.Source)
		if s.Evidence != "" {
			line += "; " + s.Evidence
		}
		if md {
			e.printf("\n")
		}
		e.printf("%s\n", line)
	}
	if md {
		e.printf("\n")
	}
	e.table([]string{"role", "count", "cold cache", "bound", "utilisation at peak"}, fleetRoleRows(f), "lrrll", md)
	e.section(md, "Tiers", "tiers:")
	e.table([]string{"quantity", "value", "unit / note"}, fleetTierRows(c), "lrl", md)
	if len(f.Growth) > 0 {
		h, rows, aligns := fleetGrowthTable(f)
		growth := fmt.Sprintf("%s per month over %d months", formatShare(c.In.GrowthRate), c.In.HorizonMonths)
		e.section(md, "Growth: "+growth, "growth: "+growth)
		e.table(h, rows, aligns, md)
		e.section(md, "Next node", "next node:")
		for i, n := range f.Next {
			line := fleetNextLine(n, c.In.HorizonMonths, f.Roles[i].Count)
			if md {
				e.printf("- %s\n", line)
			} else {
				e.printf("  %s\n", line)
			}
		}
	}
	if c.Explain {
		e.section(md, "How", "how:")
		for _, s := range f.Steps {
			if md {
				e.printf("- `%s`\n", planStepText(s))
			} else {
				e.printf("  %s\n", planStepText(s))
			}
		}
	}
	return e.err
}

type capacityFleetJSON struct {
	Inputs        capacity.FleetInput     `json:"inputs"`
	Sources       []FleetSource           `json:"sources,omitempty"`
	DailyRequests float64                 `json:"daily_requests"`
	AverageRPS    float64                 `json:"average_rps"`
	PeakRPS       float64                 `json:"peak_rps"`
	PeakFactor    float64                 `json:"peak_factor"`
	AppRPS        float64                 `json:"app_server_rps"`
	Roles         []capacity.FleetRole    `json:"roles"`
	Total         int                     `json:"total"`
	App           capacity.Supply         `json:"app"`
	Cache         *capacity.CacheFleet    `json:"cache,omitempty"`
	Database      *capacity.DatabaseFleet `json:"database,omitempty"`
	Workers       *capacity.Supply        `json:"workers,omitempty"`
	Growth        []fleetMonthJSON        `json:"growth,omitempty"`
	Next          []capacity.FleetNext    `json:"next_node,omitempty"`
	Warnings      []CapacityWarning       `json:"warnings,omitempty"`
	Explain       []string                `json:"explain,omitempty"`
}

type fleetMonthJSON struct {
	Month   int            `json:"month"`
	DAU     float64        `json:"dau"`
	PeakRPS float64        `json:"peak_rps"`
	Counts  map[string]int `json:"counts"`
}

func writeCapacityFleetJSON(w io.Writer, c CapacityFleet) error {
	f := c.Fleet
	doc := capacityFleetJSON{Inputs: c.In, Sources: c.Sources, DailyRequests: f.Demand.DailyRequests,
		AverageRPS: round3(f.Demand.AverageRPS), PeakRPS: round3(f.Demand.PeakRPS), PeakFactor: f.Demand.PeakFactor,
		AppRPS: round3(f.AppRPS), Roles: f.Roles, App: f.App, Cache: f.Cache, Database: f.Database, Workers: f.Workers,
		Next: f.Next, Warnings: c.Warnings}
	for _, r := range f.Roles {
		doc.Total += r.Count
	}
	for _, m := range f.Growth {
		counts := map[string]int{}
		for i, n := range m.Counts {
			counts[f.Roles[i].Role] = n
		}
		doc.Growth = append(doc.Growth, fleetMonthJSON{Month: m.Month, DAU: round3(m.DAU), PeakRPS: round3(m.PeakRPS), Counts: counts})
	}
	if c.Explain {
		for _, s := range f.Steps {
			doc.Explain = append(doc.Explain, planStepText(s))
		}
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	return enc.Encode(doc)
}
