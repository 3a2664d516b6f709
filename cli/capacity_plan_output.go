package cli

import (
	"encoding/json"
	"fmt"
	"strings"

	"github.com/loadtestdev/loadtest/capacity"
)

// capMissingRate says what plan needs to go beyond demand.
const capMissingRate = "a server count needs the rate one server holds: give --server-rps R (req/s) or --from result.json (a loadtest run or probe)"

// capPlanRows are the rows of plan's main table: quantity, value, unit or note.
func capPlanRows(opts *capacityPlanOptions, p *capacity.Plan) [][]string {
	in, d := opts.In, p.Demand
	rows := [][]string{
		{"daily requests", capFormat(d.DailyRequests, 0), "requests/day"},
		{"average rate", capFormat(d.AverageRPS, 3), "req/s"},
		{"peak rate", capFormat(d.PeakRPS, 3), "req/s (" + capNum(d.PeakFactor) + " × average)"},
	}
	if s := p.Supply; s != nil {
		rows = append(rows,
			[]string{"per-server capacity", capNum(in.ServerRPS), "req/s (" + opts.RateSource + ")"},
			[]string{"servers at 100%", fmt.Sprint(s.ServersRaw), "ceil(peak / per-server)"},
			[]string{"servers at " + capPercent(in.TargetUtilization) + " utilisation", fmt.Sprint(s.ServersAtTarget), "N"},
			[]string{"servers with redundancy", fmt.Sprint(s.ServersRedundant), fmt.Sprintf("N+%d", in.Redundancy)},
		)
		if s.Zones > 0 {
			rows = append(rows, []string{fmt.Sprintf("servers over %d zones", s.Zones), fmt.Sprint(s.Servers),
				fmt.Sprintf("%d per zone; losing a zone leaves %d", s.ServersPerZone, (s.Zones-1)*s.ServersPerZone)})
		}
		rows = append(rows,
			[]string{"servers", fmt.Sprint(s.Servers), "to run"},
			[]string{"utilisation at peak", capPercent(s.UtilizationAtPeak),
				fmt.Sprintf("%s on the %d left after the worst covered loss", capPercent(s.UtilizationDegraded), s.Survivors)},
		)
	}
	if t := p.Tier; t != nil {
		rows = append(rows,
			[]string{"database QPS", capFormat(t.DBQPS, 1), "queries/s at h = " + capNum(in.Tier.CacheHitRatio)},
			[]string{"database QPS, cold cache", capFormat(t.DBQPSCold, 1), "queries/s at h = 0"},
		)
		if t.DBServers > 0 {
			rows = append(rows,
				[]string{"database servers", fmt.Sprint(t.DBServers), "at h = " + capNum(in.Tier.CacheHitRatio)},
				[]string{"database servers, cold cache", fmt.Sprint(t.DBServersCold), "at h = 0"},
			)
		}
	}
	if c := p.Concurrency; c != nil {
		rows = append(rows,
			[]string{"latency", capTrim(capFormat(c.LatencyMS, 3)), "ms (" + opts.LatencySource + ")"},
			[]string{"in flight at peak", capFormat(c.InFlight, 2), "requests (Little's law)"},
			[]string{"in flight per server", capFormat(c.PerServer, 2), fmt.Sprintf("%s after the worst covered loss", capFormat(c.PerServerDegraded, 2))},
		)
	}
	if w := p.Workers; w != nil {
		rows = append(rows,
			[]string{"workers per server", fmt.Sprint(w.Servers), fmt.Sprintf("M/M/c at %s utilisation after the worst covered loss", capPercent(w.Utilization))},
			[]string{"P(wait for a worker)", capPercent(w.WaitProbability), ""},
			[]string{"mean wait for a worker", capSeconds(w.MeanWait), ""},
		)
	}
	return rows
}

// capPlanSteps are the --explain formulas with the numbers put in.
func capPlanSteps(opts *capacityPlanOptions, p *capacity.Plan) []string {
	in, d := opts.In, p.Demand
	dem := in.Demand
	steps := []string{
		fmt.Sprintf("daily = %s × %s = %s requests", capNum(dem.DAU), capNum(dem.RequestsPerUser), capNum(d.DailyRequests)),
		fmt.Sprintf("average = %s / 86,400 = %s req/s", capNum(d.DailyRequests), capNum(d.AverageRPS)),
	}
	if dem.PeakFactor != 0 {
		steps = append(steps, fmt.Sprintf("peak = %s × %s = %s req/s", capNum(d.AverageRPS), capNum(dem.PeakFactor), capNum(d.PeakRPS)))
	} else {
		steps = append(steps,
			fmt.Sprintf("peak = %s × %s / (86,400 × %s) = %s req/s", capNum(d.DailyRequests), capNum(dem.PeakShare), capNum(dem.PeakWindow), capNum(d.PeakRPS)),
			fmt.Sprintf("peak factor = %s / %s = %s", capNum(dem.PeakShare), capNum(dem.PeakWindow), capNum(d.PeakFactor)))
	}
	if s := p.Supply; s != nil {
		steps = append(steps,
			fmt.Sprintf("servers at 100%% = ceil(%s / %s) = ceil(%s) = %d", capNum(d.PeakRPS), capNum(in.ServerRPS), capNum(d.PeakRPS/in.ServerRPS), s.ServersRaw),
			fmt.Sprintf("servers at target = ceil(%s / (%s × %s)) = ceil(%s) = %d", capNum(d.PeakRPS), capNum(in.ServerRPS), capNum(in.TargetUtilization),
				capNum(d.PeakRPS/(in.ServerRPS*in.TargetUtilization)), s.ServersAtTarget),
			fmt.Sprintf("with redundancy = %d + %d = %d", s.ServersAtTarget, in.Redundancy, s.ServersRedundant))
		if s.Zones > 0 {
			z, n, k := s.Zones, s.ServersAtTarget, in.Redundancy
			steps = append(steps,
				fmt.Sprintf("per zone = max(ceil(%d / (%d − 1)), ceil((%d + %d) / %d)) = %d", n, z, n, k, z, s.ServersPerZone),
				fmt.Sprintf("servers = %d × %d = %d", z, s.ServersPerZone, s.Servers))
		}
		steps = append(steps,
			fmt.Sprintf("utilisation at peak = %s / (%d × %s) = %s", capNum(d.PeakRPS), s.Servers, capNum(in.ServerRPS), capPercent(s.UtilizationAtPeak)),
			fmt.Sprintf("utilisation after the worst covered loss = %s / (%d × %s) = %s", capNum(d.PeakRPS), s.Survivors, capNum(in.ServerRPS), capPercent(s.UtilizationDegraded)))
	}
	if t := p.Tier; t != nil {
		ti := in.Tier
		steps = append(steps,
			fmt.Sprintf("database QPS = %s × (1 − %s) × %s + %s × %s = %s", capNum(t.ReadRPS), capNum(ti.CacheHitRatio), capNum(ti.QueriesPerRequest), capNum(t.WriteRPS), capNum(ti.QueriesPerWrite), capNum(t.DBQPS)),
			fmt.Sprintf("database QPS, cold = %s × %s + %s × %s = %s", capNum(t.ReadRPS), capNum(ti.QueriesPerRequest), capNum(t.WriteRPS), capNum(ti.QueriesPerWrite), capNum(t.DBQPSCold)))
		if t.DBServers > 0 {
			steps = append(steps,
				fmt.Sprintf("database servers = ceil(%s / (%s × %s)) = %d", capNum(t.DBQPS), capNum(ti.DBQPSPerServer), capNum(in.TargetUtilization), t.DBServers),
				fmt.Sprintf("database servers, cold = ceil(%s / (%s × %s)) = %d", capNum(t.DBQPSCold), capNum(ti.DBQPSPerServer), capNum(in.TargetUtilization), t.DBServersCold))
		}
	}
	if c := p.Concurrency; c != nil {
		steps = append(steps,
			fmt.Sprintf("in flight = %s req/s × %s s = %s (Little's law)", capNum(d.PeakRPS), capNum(c.LatencyMS/1000), capNum(c.InFlight)),
			fmt.Sprintf("per server = %s / %d = %s; after the worst covered loss %s / %d = %s", capNum(c.InFlight), p.Supply.Servers, capNum(c.PerServer), capNum(c.InFlight), p.Supply.Survivors, capNum(c.PerServerDegraded)))
	}
	if w := p.Workers; w != nil {
		steps = append(steps, fmt.Sprintf("workers: M/M/c with λ = %s req/s per server, S = %s s, A = %s erlangs, c = %d: P(wait) = %s, Wq = %s",
			capNum(w.ArrivalRate), capNum(w.ServiceTime), capNum(w.OfferedLoad), w.Servers, capPercent(w.WaitProbability), capSeconds(w.MeanWait)))
	}
	return steps
}

// capGrowthRows are the rows of the month-by-month table.
func capGrowthRows(p *capacity.Plan) (header []string, rows [][]string, aligns string) {
	header = []string{"month", "DAU", "daily requests", "peak req/s"}
	aligns = "rrrr"
	hasServers, hasDB := p.Supply != nil, p.Tier != nil
	if hasServers {
		header, aligns = append(header, "servers at 100%", "servers"), aligns+"rr"
	}
	if hasDB {
		header, aligns = append(header, "database QPS"), aligns+"r"
		if p.Tier.DBServers > 0 {
			header, aligns = append(header, "database servers"), aligns+"r"
		}
	}
	for _, m := range p.Growth {
		row := []string{fmt.Sprint(m.Month), capFormat(m.DAU, 0), capFormat(m.DailyReqs, 0), capFormat(m.PeakRPS, 1)}
		if hasServers {
			row = append(row, fmt.Sprint(m.ServersRaw), fmt.Sprint(m.Servers))
		}
		if hasDB {
			row = append(row, capFormat(m.DBQPS, 1))
			if p.Tier.DBServers > 0 {
				row = append(row, fmt.Sprint(m.DBServers))
			}
		}
		rows = append(rows, row)
	}
	return header, rows, aligns
}

func capPlanTitle(opts *capacityPlanOptions) string {
	dem := opts.In.Demand
	rule := fmt.Sprintf("%s of the requests in %s of the day", capPercent(dem.PeakShare), capPercent(dem.PeakWindow))
	if dem.PeakFactor != 0 {
		rule = "peak factor " + capNum(dem.PeakFactor)
	}
	return fmt.Sprintf("capacity plan: %s DAU × %s requests per user per day, %s", capNum(dem.DAU), capNum(dem.RequestsPerUser), rule)
}

func capWritePlanText(opts *capacityPlanOptions, p *capacity.Plan) error {
	w := &capWriter{w: opts.Out}
	md := opts.Output == capOutMD
	if md {
		w.printf("## Capacity plan\n\n%s\n", strings.TrimPrefix(capPlanTitle(opts), "capacity plan: "))
	} else {
		w.printf("%s\n", capPlanTitle(opts))
	}
	if opts.RateSource != "" && strings.Contains(opts.RateSource, " of ") {
		w.printf("per-server rate: %s req/s, the %s\n", capNum(opts.In.ServerRPS), opts.RateSource)
	}
	if md {
		w.printf("\n")
	}
	if w.err == nil {
		w.err = capTable(w.w, opts.Output, []string{"quantity", "value", "unit / note"}, capPlanRows(opts, p), "lrl")
	}
	if p.Supply == nil {
		w.printf("\nmissing: %s\n", capMissingRate)
	}
	if len(p.Growth) > 0 {
		h, rows, aligns := capGrowthRows(p)
		if md {
			w.printf("\n### Growth: %s per month over %d months\n\n", capPercent(opts.In.GrowthRate), opts.In.HorizonMonths)
		} else {
			w.printf("\ngrowth: %s per month over %d months\n", capPercent(opts.In.GrowthRate), opts.In.HorizonMonths)
		}
		if w.err == nil {
			w.err = capTable(w.w, opts.Output, h, rows, aligns)
		}
	}
	if opts.Explain {
		if md {
			w.printf("\n### How\n\n")
		} else {
			w.printf("\nhow:\n")
		}
		for _, s := range capPlanSteps(opts, p) {
			if md {
				w.printf("- `%s`\n", s)
			} else {
				w.printf("  %s\n", s)
			}
		}
	}
	return w.err
}

// capPlanJSON is plan's JSON document.
type capPlanJSON struct {
	Inputs        capPlanInputsJSON      `json:"inputs"`
	DailyRequests float64                `json:"daily_requests"`
	AverageRPS    float64                `json:"average_rps"`
	PeakRPS       float64                `json:"peak_rps"`
	PeakFactor    float64                `json:"peak_factor"`
	ServerRPS     *float64               `json:"server_rps,omitempty"`
	ServersRaw    *int                   `json:"servers_raw,omitempty"`
	Servers       *int                   `json:"servers,omitempty"`
	Supply        *capacity.Supply       `json:"supply,omitempty"`
	Database      *capacity.Tier         `json:"database,omitempty"`
	Concurrency   *capacity.Concurrency  `json:"concurrency,omitempty"`
	Workers       *capWorkersJSON        `json:"workers,omitempty"`
	Growth        []capacity.GrowthMonth `json:"growth,omitempty"`
	Missing       string                 `json:"missing,omitempty"`
	Explain       []string               `json:"explain,omitempty"`
}

type capPlanInputsJSON struct {
	capacity.DemandInput
	ServerRPS          float64             `json:"server_rps,omitempty"`
	ServerRPSSource    string              `json:"server_rps_source,omitempty"`
	TargetUtilization  float64             `json:"target_utilization"`
	Redundancy         int                 `json:"redundancy"`
	Zones              int                 `json:"zones,omitempty"`
	Growth             float64             `json:"growth,omitempty"`
	HorizonMonths      int                 `json:"horizon_months,omitempty"`
	Tier               *capacity.TierInput `json:"database,omitempty"`
	LatencyMS          float64             `json:"latency_ms,omitempty"`
	LatencySource      string              `json:"latency_source,omitempty"`
	MaxWaitMS          float64             `json:"max_wait_ms,omitempty"`
	MaxWaitProbability float64             `json:"max_wait_probability,omitempty"`
}

type capWorkersJSON struct {
	ArrivalRate     float64 `json:"arrival_rate_per_server"`
	ServiceTimeMS   float64 `json:"service_time_ms"`
	OfferedLoad     float64 `json:"offered_load_erlangs"`
	Workers         int     `json:"workers"`
	Utilization     float64 `json:"utilization"`
	WaitProbability float64 `json:"wait_probability"`
	MeanWaitMS      float64 `json:"mean_wait_ms"`
	MeanResponseMS  float64 `json:"mean_response_ms"`
}

func capWritePlanJSON(opts *capacityPlanOptions, p *capacity.Plan) error {
	in := opts.In
	doc := capPlanJSON{
		Inputs: capPlanInputsJSON{DemandInput: in.Demand, ServerRPS: in.ServerRPS, ServerRPSSource: opts.RateSource,
			TargetUtilization: in.TargetUtilization, Redundancy: in.Redundancy, Zones: in.Zones,
			Growth: in.GrowthRate, HorizonMonths: in.HorizonMonths, Tier: in.Tier,
			LatencyMS: in.Latency.Seconds() * 1000, LatencySource: opts.LatencySource,
			MaxWaitMS: in.MaxWait.Seconds() * 1000, MaxWaitProbability: in.MaxWaitProbability},
		DailyRequests: p.Demand.DailyRequests, AverageRPS: capRound3(p.Demand.AverageRPS),
		PeakRPS: capRound3(p.Demand.PeakRPS), PeakFactor: p.Demand.PeakFactor,
		Supply: p.Supply, Database: p.Tier, Concurrency: p.Concurrency, Growth: p.Growth,
	}
	if s := p.Supply; s != nil {
		doc.ServerRPS, doc.ServersRaw, doc.Servers = &in.ServerRPS, &s.ServersRaw, &s.Servers
	} else {
		doc.Missing = capMissingRate
	}
	if w := p.Workers; w != nil {
		doc.Workers = &capWorkersJSON{ArrivalRate: w.ArrivalRate, ServiceTimeMS: w.ServiceTime * 1000, OfferedLoad: w.OfferedLoad,
			Workers: w.Servers, Utilization: w.Utilization, WaitProbability: w.WaitProbability,
			MeanWaitMS: w.MeanWait * 1000, MeanResponseMS: w.MeanResponse * 1000}
	}
	if opts.Explain {
		doc.Explain = capPlanSteps(opts, p)
	}
	for i := range doc.Growth {
		doc.Growth[i].PeakRPS = capRound3(doc.Growth[i].PeakRPS)
	}
	enc := json.NewEncoder(opts.Out)
	enc.SetIndent("", "  ")
	return enc.Encode(doc)
}

// capWriter remembers the first write error so that a renderer can print freely.
type capWriter struct {
	w   interface{ Write([]byte) (int, error) }
	err error
}

func (e *capWriter) printf(format string, args ...any) {
	if e.err == nil {
		_, e.err = fmt.Fprintf(e.w, format, args...)
	}
}
