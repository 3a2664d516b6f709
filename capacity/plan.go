package capacity

import (
	"math"
	"time"
)

// PlanInput is everything a capacity plan is made from. Zero values mean "not given":
// without ServerRPS the plan has demand only; without Latency no concurrency or queueing.
type PlanInput struct {
	Demand            DemandInput
	ServerRPS         float64
	TargetUtilization float64
	Redundancy        int
	Zones             int
	// GrowthRate is the compound growth of DAU per month (0.1 = 10%); HorizonMonths > 0
	// asks for a month-by-month table.
	GrowthRate    float64
	HorizonMonths int
	Tier          *TierInput
	Latency       time.Duration
	// MaxWait or MaxWaitProbability, when > 0, size each server's worker pool as an M/M/c
	// queue; otherwise the pool is sized at the target utilisation and its figures shown.
	MaxWait            time.Duration
	MaxWaitProbability float64
}

// Plan is a capacity plan: demand, and what the inputs allowed of the rest.
type Plan struct {
	Demand      Demand
	Supply      *Supply
	Tier        *Tier
	Concurrency *Concurrency
	// Workers is each server's worker pool as an M/M/c queue at the peak, when the servers
	// left after the worst covered loss take all of it.
	Workers *QueueMetrics
	// WorkerSteps is the worker pool's M/M/c step with the numbers put in.
	WorkerSteps []Step
	Growth      []GrowthMonth
}

// GrowthMonth is one month of a growth table (month 0 is now).
type GrowthMonth struct {
	Month      int     `json:"month"`
	DAU        float64 `json:"dau"`
	DailyReqs  float64 `json:"daily_requests"`
	PeakRPS    float64 `json:"peak_rps"`
	Servers    int     `json:"servers,omitempty"`
	DBServers  int     `json:"db_servers,omitempty"`
	DBQPS      float64 `json:"db_qps,omitempty"`
	ServersRaw int     `json:"servers_raw,omitempty"`
}

// MaxHorizonMonths bounds a growth table (ten years).
const MaxHorizonMonths = 120

// validateTraffic checks what plan and fleet share: the demand, the target utilisation and
// the growth over the horizon.
func validateTraffic(d DemandInput, targetUtilization float64, horizonMonths int, growthRate float64) error {
	if err := d.Validate(); err != nil {
		return err
	}
	if err := unitInterval("target_utilization", targetUtilization); err != nil {
		return err
	}
	if horizonMonths < 0 || horizonMonths > MaxHorizonMonths {
		return badInput("horizon", float64(horizonMonths), "between 1 and 120 months")
	}
	if !(growthRate > -1) || isInf(growthRate) {
		return badInput("growth", growthRate, "a monthly rate above -100%, e.g. 10% or 0.1")
	}
	return nil
}

// Validate checks the inputs that are not checked by the parts they feed.
func (in PlanInput) Validate() error {
	if err := validateTraffic(in.Demand, in.TargetUtilization, in.HorizonMonths, in.GrowthRate); err != nil {
		return err
	}
	if in.Latency < 0 {
		return badInput("latency", in.Latency.Seconds(), "a duration greater than 0")
	}
	if in.MaxWait < 0 {
		return badInput("max_wait", in.MaxWait.Seconds(), "a duration greater than 0")
	}
	if in.MaxWaitProbability != 0 && !(in.MaxWaitProbability > 0 && in.MaxWaitProbability <= 1) {
		return badInput("max_wait_probability", in.MaxWaitProbability, "in (0, 1], e.g. 0.05 or 5%")
	}
	if in.Tier != nil {
		return in.Tier.Validate()
	}
	return nil
}

// MakePlan computes a plan.
func MakePlan(in PlanInput) (*Plan, error) {
	if err := in.Validate(); err != nil {
		return nil, err
	}
	demand, err := ComputeDemand(in.Demand)
	if err != nil {
		return nil, err
	}
	p := &Plan{Demand: demand}
	if in.Tier != nil {
		t, err := ComputeTier(demand.PeakRPS, in.TargetUtilization, *in.Tier)
		if err != nil {
			return nil, err
		}
		p.Tier = &t
	}
	if in.ServerRPS != 0 {
		s, err := ComputeSupply(in.supplyInput(demand.PeakRPS))
		if err != nil {
			return nil, err
		}
		p.Supply = &s
		if in.Latency > 0 {
			if err := p.addConcurrency(in); err != nil {
				return nil, err
			}
		}
	}
	if in.HorizonMonths > 0 {
		if p.Growth, err = growth(in); err != nil {
			return nil, err
		}
	}
	return p, nil
}

func (in PlanInput) supplyInput(peak float64) SupplyInput {
	return SupplyInput{PeakRPS: peak, ServerRPS: in.ServerRPS, TargetUtilization: in.TargetUtilization,
		Redundancy: in.Redundancy, Zones: in.Zones}
}

func (p *Plan) addConcurrency(in PlanInput) error {
	survivors := p.Supply.Survivors
	c, err := ComputeConcurrency(p.Demand.PeakRPS, in.Latency, p.Supply.Servers, survivors)
	if err != nil {
		return err
	}
	p.Concurrency = &c
	q := Queue{ArrivalRate: p.Demand.PeakRPS / float64(survivors), ServiceTime: in.Latency.Seconds()}
	var m QueueMetrics
	switch {
	case in.MaxWait > 0:
		m, err = q.ServersForMeanWait(in.MaxWait.Seconds())
	case in.MaxWaitProbability > 0:
		m, err = q.ServersForWaitProbability(in.MaxWaitProbability)
	default:
		a := q.ArrivalRate * q.ServiceTime
		q.Servers = max(CeilRatio(a, in.TargetUtilization), int(math.Floor(a))+1)
		m, err = q.Solve()
	}
	if err != nil {
		return err
	}
	p.Workers = &m
	p.WorkerSteps = []Step{step("workers: M/M/c (Erlang C) with λ per server, S = latency, A = λS, c workers",
		"workers: M/M/c with λ = {} req/s per server, S = {} s, A = {} erlangs, c = {}: P(wait) = {}, Wq = {}",
		num(m.ArrivalRate), num(m.ServiceTime), num(m.OfferedLoad), count(m.Servers), ratio(m.WaitProbability), seconds(m.MeanWait))}
	return nil
}

// growth is the month-by-month table: DAU_m = DAU × (1 + g)^m for m = 0 … horizon.
func growth(in PlanInput) ([]GrowthMonth, error) {
	months := make([]GrowthMonth, 0, in.HorizonMonths+1)
	for m := 0; m <= in.HorizonMonths; m++ {
		d := in.Demand
		d.DAU = in.Demand.DAU * math.Pow(1+in.GrowthRate, float64(m))
		dem, err := ComputeDemand(d)
		if err != nil {
			return nil, err
		}
		row := GrowthMonth{Month: m, DAU: d.DAU, DailyReqs: dem.DailyRequests, PeakRPS: dem.PeakRPS}
		if in.ServerRPS != 0 {
			s, err := ComputeSupply(in.supplyInput(dem.PeakRPS))
			if err != nil {
				return nil, err
			}
			row.Servers, row.ServersRaw = s.Servers, s.ServersRaw
		}
		if in.Tier != nil {
			t, err := ComputeTier(dem.PeakRPS, in.TargetUtilization, *in.Tier)
			if err != nil {
				return nil, err
			}
			row.DBQPS, row.DBServers = t.DBQPS, t.DBServers
		}
		months = append(months, row)
	}
	return months, nil
}
