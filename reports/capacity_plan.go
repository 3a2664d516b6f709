package reports

import (
	"encoding/json"
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/loadtestdev/loadtest/capacity"
)

// CapacityMissingRate says what a plan needs to go beyond demand.
const CapacityMissingRate = "a server count needs the rate one server holds: give --server-rps R (req/s) or --from result.json (a loadtest run or probe)"

// CapacityPlan is a capacity plan with what its renderers say about the inputs.
type CapacityPlan struct {
	Plan *capacity.Plan
	In   capacity.PlanInput
	// RateSource and LatencySource say where the per-server rate and the latency came from
	// ("--server-rps", or "throughput of r.json").
	RateSource    string
	LatencySource string
	// RateEvidence says why a rate from a result is what one server holds (reports.RateFrom).
	RateEvidence string
	// Explain adds the plan's steps (capacity.Plan.Explain) with the numbers put in.
	Explain bool
	// Warnings are doubts about the inputs, e.g. a per-server rate from a run that did not
	// hold its schedule. The JSON document carries them; text and Markdown leave them to
	// WriteCapacityWarnings, for standard error.
	Warnings []CapacityWarning
}

// CapacityWarning is a doubt about a plan's inputs.
type CapacityWarning struct {
	Code    string `json:"code"`
	Message string `json:"message"`
}

// WriteCapacityWarnings writes one "warning: CODE: message" line per warning.
func WriteCapacityWarnings(w io.Writer, warnings []CapacityWarning) error {
	e := &errWriter{w: w}
	for _, wn := range warnings {
		e.printf("warning: %s: %s\n", wn.Code, wn.Message)
	}
	return e.err
}

// WriteCapacityPlan writes p as text, Markdown or JSON (FormatText, FormatMarkdown, FormatJSON).
func WriteCapacityPlan(w io.Writer, format string, p CapacityPlan) error {
	switch format {
	case FormatJSON:
		return writeCapacityPlanJSON(w, p)
	case FormatText, FormatMarkdown:
		return writeCapacityPlanText(w, format == FormatMarkdown, p)
	}
	return fmt.Errorf("%w %q for a capacity plan (allowed: text, json, md)", ErrFormat, format)
}

// planStepText puts a step's numbers into its text.
func planStepText(s capacity.Step) string {
	var b strings.Builder
	rest := s.Text
	for _, v := range s.Values {
		before, after, ok := strings.Cut(rest, "{}")
		if !ok {
			break
		}
		b.WriteString(before)
		b.WriteString(planValue(v))
		rest = after
	}
	b.WriteString(rest)
	return b.String()
}

func planValue(v capacity.Value) string {
	switch v.Kind {
	case capacity.KindCount:
		return strconv.FormatInt(int64(v.V), 10)
	case capacity.KindRatio:
		return formatShare(v.V)
	case capacity.KindSeconds:
		return formatTimeS(v.V)
	}
	return formatNumber(v.V)
}

// planSteps are the plan's own steps as --explain prints them.
func planSteps(p *capacity.Plan) []string {
	steps := p.Explain()
	out := make([]string, len(steps))
	for i, s := range steps {
		out[i] = planStepText(s)
	}
	return out
}

// planRows are the rows of the plan's main table: quantity, value, unit or note.
func planRows(c CapacityPlan) [][]string {
	in, p, d := c.In, c.Plan, c.Plan.Demand
	rows := [][]string{
		{"daily requests", formatGrouped(d.DailyRequests, 0), "requests/day"},
		{"average rate", formatGrouped(d.AverageRPS, 3), "req/s"},
		{"peak rate", formatGrouped(d.PeakRPS, 3), "req/s (" + formatNumber(d.PeakFactor) + " × average)"},
	}
	if s := p.Supply; s != nil {
		rows = append(rows,
			[]string{"per-server capacity", formatNumber(in.ServerRPS), "req/s (" + c.RateSource + ")"},
			[]string{"servers at 100%", fmt.Sprint(s.ServersRaw), "ceil(peak / per-server)"},
			[]string{"servers at " + formatShare(in.TargetUtilization) + " utilisation", fmt.Sprint(s.ServersAtTarget), "N"},
			[]string{"servers with redundancy", fmt.Sprint(s.ServersRedundant), fmt.Sprintf("N+%d", in.Redundancy)},
		)
		if s.Zones > 0 {
			rows = append(rows, []string{fmt.Sprintf("servers over %d zones", s.Zones), fmt.Sprint(s.Servers),
				fmt.Sprintf("%d per zone; losing a zone leaves %d", s.ServersPerZone, s.ZoneSurvivors)})
		}
		rows = append(rows,
			[]string{"servers", fmt.Sprint(s.Servers), "to run"},
			[]string{"utilisation at peak", formatShare(s.UtilizationAtPeak),
				fmt.Sprintf("%s on the %d left after the worst covered loss", formatShare(s.UtilizationDegraded), s.Survivors)},
		)
	}
	if t := p.Tier; t != nil {
		rows = append(rows,
			[]string{"database QPS", formatGrouped(t.DBQPS, 1), "queries/s at h = " + formatNumber(in.Tier.CacheHitRatio)},
			[]string{"database QPS, cold cache", formatGrouped(t.DBQPSCold, 1), "queries/s at h = 0"},
		)
		if t.DBServers > 0 {
			rows = append(rows,
				[]string{"database servers", fmt.Sprint(t.DBServers), "at h = " + formatNumber(in.Tier.CacheHitRatio)},
				[]string{"database servers, cold cache", fmt.Sprint(t.DBServersCold), "at h = 0"},
			)
		}
	}
	if cc := p.Concurrency; cc != nil {
		rows = append(rows,
			[]string{"latency", trimZeros(formatGrouped(cc.LatencyMS, 3)), "ms (" + c.LatencySource + ")"},
			[]string{"in flight at peak", formatGrouped(cc.InFlight, 2), "requests (Little's law)"},
			[]string{"in flight per server", formatGrouped(cc.PerServer, 2), fmt.Sprintf("%s after the worst covered loss", formatGrouped(cc.PerServerDegraded, 2))},
		)
	}
	if wk := p.Workers; wk != nil {
		rows = append(rows,
			[]string{"workers per server", fmt.Sprint(wk.Servers), fmt.Sprintf("M/M/c at %s utilisation after the worst covered loss", formatShare(wk.Utilization))},
			[]string{"P(wait for a worker)", formatShare(wk.WaitProbability), ""},
			[]string{"mean wait for a worker", formatTimeS(wk.MeanWait), ""},
		)
	}
	return rows
}

// planGrowthRows are the rows of the month-by-month table.
func planGrowthRows(p *capacity.Plan) (header []string, rows [][]string, aligns string) {
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
		row := []string{fmt.Sprint(m.Month), formatGrouped(m.DAU, 0), formatGrouped(m.DailyReqs, 0), formatGrouped(m.PeakRPS, 1)}
		if hasServers {
			row = append(row, fmt.Sprint(m.ServersRaw), fmt.Sprint(m.Servers))
		}
		if hasDB {
			row = append(row, formatGrouped(m.DBQPS, 1))
			if p.Tier.DBServers > 0 {
				row = append(row, fmt.Sprint(m.DBServers))
			}
		}
		rows = append(rows, row)
	}
	return header, rows, aligns
}

func planTitle(in capacity.PlanInput) string {
	dem := in.Demand
	rule := fmt.Sprintf("%s of the requests in %s of the day", formatShare(dem.PeakShare), formatShare(dem.PeakWindow))
	if dem.PeakFactor != 0 {
		rule = "peak factor " + formatNumber(dem.PeakFactor)
	}
	return fmt.Sprintf("capacity plan: %s DAU × %s requests per user per day, %s", formatNumber(dem.DAU), formatNumber(dem.RequestsPerUser), rule)
}

func writeCapacityPlanText(w io.Writer, md bool, c CapacityPlan) error {
	e := &errWriter{w: w}
	if md {
		e.printf("## Capacity plan\n\n%s\n", strings.TrimPrefix(planTitle(c.In), "capacity plan: "))
	} else {
		e.printf("%s\n", planTitle(c.In))
	}
	if c.RateSource != "" && strings.Contains(c.RateSource, " of ") {
		e.printf("per-server rate: %s req/s, the %s\n", formatNumber(c.In.ServerRPS), c.RateSource)
	}
	if c.RateEvidence != "" {
		e.printf("evidence of saturation: %s\n", c.RateEvidence)
	}
	if md {
		e.printf("\n")
	}
	e.table([]string{"quantity", "value", "unit / note"}, planRows(c), "lrl", md)
	if c.Plan.Supply == nil {
		e.printf("\nmissing: %s\n", CapacityMissingRate)
	}
	if len(c.Plan.Growth) > 0 {
		h, rows, aligns := planGrowthRows(c.Plan)
		growth := fmt.Sprintf("%s per month over %d months", formatShare(c.In.GrowthRate), c.In.HorizonMonths)
		e.section(md, "Growth: "+growth, "growth: "+growth)
		e.table(h, rows, aligns, md)
	}
	if c.Explain {
		e.section(md, "How", "how:")
		for _, s := range planSteps(c.Plan) {
			if md {
				e.printf("- `%s`\n", s)
			} else {
				e.printf("  %s\n", s)
			}
		}
	}
	return e.err
}

// capacityPlanJSON is the plan's JSON document.
type capacityPlanJSON struct {
	Inputs        capacityPlanInputsJSON `json:"inputs"`
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
	Workers       *capacityWorkersJSON   `json:"workers,omitempty"`
	Growth        []capacity.GrowthMonth `json:"growth,omitempty"`
	Missing       string                 `json:"missing,omitempty"`
	Warnings      []CapacityWarning      `json:"warnings,omitempty"`
	Explain       []string               `json:"explain,omitempty"`
}

type capacityPlanInputsJSON struct {
	capacity.DemandInput
	ServerRPS          float64             `json:"server_rps,omitempty"`
	ServerRPSSource    string              `json:"server_rps_source,omitempty"`
	ServerRPSEvidence  string              `json:"server_rps_evidence,omitempty"`
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

type capacityWorkersJSON struct {
	ArrivalRate     float64 `json:"arrival_rate_per_server"`
	ServiceTimeMS   float64 `json:"service_time_ms"`
	OfferedLoad     float64 `json:"offered_load_erlangs"`
	Workers         int     `json:"workers"`
	Utilization     float64 `json:"utilization"`
	WaitProbability float64 `json:"wait_probability"`
	MeanWaitMS      float64 `json:"mean_wait_ms"`
	MeanResponseMS  float64 `json:"mean_response_ms"`
}

func writeCapacityPlanJSON(w io.Writer, c CapacityPlan) error {
	in, p := c.In, c.Plan
	doc := capacityPlanJSON{
		Inputs: capacityPlanInputsJSON{DemandInput: in.Demand, ServerRPS: in.ServerRPS, ServerRPSSource: c.RateSource, ServerRPSEvidence: c.RateEvidence,
			TargetUtilization: in.TargetUtilization, Redundancy: in.Redundancy, Zones: in.Zones,
			Growth: in.GrowthRate, HorizonMonths: in.HorizonMonths, Tier: in.Tier,
			LatencyMS: in.Latency.Seconds() * 1000, LatencySource: c.LatencySource,
			MaxWaitMS: in.MaxWait.Seconds() * 1000, MaxWaitProbability: in.MaxWaitProbability},
		DailyRequests: p.Demand.DailyRequests, AverageRPS: round3(p.Demand.AverageRPS),
		PeakRPS: round3(p.Demand.PeakRPS), PeakFactor: p.Demand.PeakFactor,
		Supply: p.Supply, Database: p.Tier, Concurrency: p.Concurrency, Warnings: c.Warnings,
	}
	if s := p.Supply; s != nil {
		doc.ServerRPS, doc.ServersRaw, doc.Servers = &in.ServerRPS, &s.ServersRaw, &s.Servers
	} else {
		doc.Missing = CapacityMissingRate
	}
	if wk := p.Workers; wk != nil {
		doc.Workers = &capacityWorkersJSON{ArrivalRate: wk.ArrivalRate, ServiceTimeMS: wk.ServiceTime * 1000, OfferedLoad: wk.OfferedLoad,
			Workers: wk.Servers, Utilization: wk.Utilization, WaitProbability: wk.WaitProbability,
			MeanWaitMS: wk.MeanWait * 1000, MeanResponseMS: wk.MeanResponse * 1000}
	}
	if c.Explain {
		doc.Explain = planSteps(p)
	}
	// Rates are rounded to 0.001 req/s in a copy: the plan itself keeps full precision.
	doc.Growth = append([]capacity.GrowthMonth(nil), p.Growth...)
	for i := range doc.Growth {
		doc.Growth[i].PeakRPS = round3(doc.Growth[i].PeakRPS)
	}
	if len(doc.Growth) == 0 {
		doc.Growth = nil
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false) // an SLO such as p99<100ms reads as written
	return enc.Encode(doc)
}
