package capacity

import (
	"fmt"
	"math"
)

// ceilTolerance is the relative slack CeilRatio allows for floating-point error: a quotient
// within one part in 10⁹ above an integer is that integer.
const ceilTolerance = 1e-9

// CeilRatio is ⌈a/b⌉ for a ≥ 0, b > 0, exact for quotients that are integers in exact
// arithmetic but come out a hair above one in floating point (1680 / (800 × 0.7) is
// 3.0000000000000004 in float64 since 0.7 is not representable; the answer is 3).
func CeilRatio(a, b float64) int {
	q := a / b
	return int(math.Ceil(q - ceilTolerance*q))
}

// MaxServers bounds a fleet: beyond it the inputs are a typo, not a plan (and counts would
// no longer be exact in float64).
const MaxServers = 1e12

// DefaultTargetUtilization is the share of a server's measured capacity a plan uses at the
// peak: 70% leaves headroom for variance, deploys and the queueing knee.
const DefaultTargetUtilization = 0.7

// SupplyInput is what a fleet is built from.
type SupplyInput struct {
	PeakRPS           float64 `json:"peak_rps"`
	ServerRPS         float64 `json:"server_rps"`
	TargetUtilization float64 `json:"target_utilization"`
	// Redundancy is k in N+k: servers that may fail (or be drained) at the peak.
	Redundancy int `json:"redundancy"`
	// Zones is the number of zones to spread over so that losing one still carries the
	// peak; 0 for no zone spread.
	Zones int `json:"zones,omitempty"`
}

// Supply is the fleet that carries a peak.
type Supply struct {
	// ServersRaw = ⌈peak / server_rps⌉: servers run at 100% at the peak.
	ServersRaw int `json:"servers_raw"`
	// ServersAtTarget = ⌈peak / (server_rps × target utilisation)⌉ (N).
	ServersAtTarget int `json:"servers_at_target"`
	// ServersRedundant = N + k.
	ServersRedundant int `json:"servers_redundant"`
	// ServersPerZone and Zones describe the zone spread (0 without zones).
	ServersPerZone int `json:"servers_per_zone,omitempty"`
	Zones          int `json:"zones,omitempty"`
	// Servers is the fleet to run: N + k, or Z × servers per zone with zones.
	Servers int `json:"servers"`
	// Survivors is the servers left after the worst loss the plan covers (k servers, or one
	// zone), which still carry the peak at no more than the target utilisation.
	Survivors int `json:"servers_after_loss"`
	// UtilizationAtPeak = peak / (Servers × server_rps): the load per server at the peak with
	// every server up.
	UtilizationAtPeak float64 `json:"utilization_at_peak"`
	// UtilizationDegraded is the load per server at the peak after the worst loss the plan
	// covers (k servers, or one zone): at most the target utilisation.
	UtilizationDegraded float64 `json:"utilization_degraded"`
	// ZoneSurvivors is the servers left when a whole zone is lost (0 without zones).
	ZoneSurvivors int `json:"-"`
	// Steps are the formulas above with the numbers put in.
	Steps []Step `json:"-"`
}

// Validate checks the supply inputs.
func (in SupplyInput) Validate() error {
	if err := positive("server_rps", in.ServerRPS); err != nil {
		return err
	}
	if err := unitInterval("target_utilization", in.TargetUtilization); err != nil {
		return err
	}
	if in.Redundancy < 0 {
		return badInput("redundancy", float64(in.Redundancy), "0 or more (k in N+k)")
	}
	if in.Zones < 0 || in.Zones == 1 {
		return badInput("zones", float64(in.Zones), "2 or more (one zone cannot survive its own loss), or 0 for no zone spread")
	}
	if !(in.PeakRPS >= 0) || isInf(in.PeakRPS) {
		return badInput("peak_rps", in.PeakRPS, "a finite number ≥ 0")
	}
	return nil
}

// ComputeSupply sizes the fleet for a peak.
//
// N = ⌈peak / (server_rps × u)⌉ servers carry the peak at the target utilisation u; N+k
// redundancy adds k so that any k servers may be lost (Google SRE book, ch. 26 "N+2").
//
// Zones: with Z zones of m servers each, losing a zone leaves (Z−1)·m, which must be ≥ N, so
// m ≥ ⌈N / (Z−1)⌉. Losing any k single servers leaves Z·m − k ≥ N, so m ≥ ⌈(N+k) / Z⌉. The
// plan takes m = max(⌈N/(Z−1)⌉, ⌈(N+k)/Z⌉) and runs Z·m servers: it survives the loss of one
// whole zone or of any k servers (not both at once). Since Z·m − m ≥ N, a zone spread already
// covers up to m single failures; the second term only matters when k > m.
func ComputeSupply(in SupplyInput) (Supply, error) {
	if err := in.Validate(); err != nil {
		return Supply{}, err
	}
	if q := in.PeakRPS / (in.ServerRPS * in.TargetUtilization); q > MaxServers {
		return Supply{}, fmt.Errorf("capacity: a peak of %g req/s on %g req/s servers needs %.3g servers, beyond the %g this model sizes", in.PeakRPS, in.ServerRPS, q, float64(MaxServers))
	}
	s := Supply{
		ServersRaw:      CeilRatio(in.PeakRPS, in.ServerRPS),
		ServersAtTarget: CeilRatio(in.PeakRPS, in.ServerRPS*in.TargetUtilization),
	}
	n := s.ServersAtTarget
	s.ServersRedundant = n + in.Redundancy
	s.Servers = s.ServersRedundant
	survivors := n
	if in.Zones >= 2 {
		z := in.Zones
		m := max(ceilDiv(n, z-1), ceilDiv(n+in.Redundancy, z))
		s.Zones, s.ServersPerZone, s.Servers = z, m, z*m
		s.ZoneSurvivors = (z - 1) * m
		survivors = min((z-1)*m, z*m-in.Redundancy)
	}
	s.Survivors = survivors
	if s.Servers > 0 {
		s.UtilizationAtPeak = in.PeakRPS / (float64(s.Servers) * in.ServerRPS)
	}
	if survivors > 0 {
		s.UtilizationDegraded = in.PeakRPS / (float64(survivors) * in.ServerRPS)
	}
	s.Steps = supplySteps(in, s)
	return s, nil
}

// supplySteps are ComputeSupply's formulas with the numbers put in.
func supplySteps(in SupplyInput, s Supply) []Step {
	peak, per, u, n, k := in.PeakRPS, in.ServerRPS, in.TargetUtilization, s.ServersAtTarget, in.Redundancy
	steps := []Step{
		step("servers at 100% = ⌈peak / server_rps⌉", "servers at 100% = ceil({} / {}) = ceil({}) = {}",
			num(peak), num(per), num(peak/per), count(s.ServersRaw)),
		step("servers at target = ⌈peak / (server_rps × u)⌉", "servers at target = ceil({} / ({} × {})) = ceil({}) = {}",
			num(peak), num(per), num(u), num(peak/(per*u)), count(n)),
		step("with redundancy = N + k", "with redundancy = {} + {} = {}", count(n), count(k), count(s.ServersRedundant)),
	}
	if s.Zones > 0 {
		z := s.Zones
		steps = append(steps,
			step("per zone = max(⌈N / (Z − 1)⌉, ⌈(N + k) / Z⌉)", "per zone = max(ceil({} / ({} − 1)), ceil(({} + {}) / {})) = {}",
				count(n), count(z), count(n), count(k), count(z), count(s.ServersPerZone)),
			step("servers = Z × per zone", "servers = {} × {} = {}", count(z), count(s.ServersPerZone), count(s.Servers)))
	}
	return append(steps,
		step("utilisation at peak = peak / (servers × server_rps)", "utilisation at peak = {} / ({} × {}) = {}",
			num(peak), count(s.Servers), num(per), ratio(s.UtilizationAtPeak)),
		step("utilisation after the worst covered loss = peak / (survivors × server_rps)", "utilisation after the worst covered loss = {} / ({} × {}) = {}",
			num(peak), count(s.Survivors), num(per), ratio(s.UtilizationDegraded)))
}

func ceilDiv(a, b int) int {
	if a <= 0 {
		return 0
	}
	return (a + b - 1) / b
}
