package capacity

import (
	"fmt"
	"strings"
)

// CacheFleet is the cache tier at the peak.
type CacheFleet struct {
	// OpsPerSecond = peak × ((cache reads + db reads) × ops per read + db reads + writes × ops per write).
	OpsPerSecond float64 `json:"ops_per_second"`
	// WorkingSet = DAU × cache bytes per user, in bytes.
	WorkingSet float64 `json:"working_set_bytes"`
	// NodesForOps = ⌈ops / (ops per node × u)⌉; NodesForMemory = ⌈working set / (memory per
	// node × max fill)⌉ (0 without a memory per node).
	NodesForOps    int `json:"nodes_for_ops"`
	NodesForMemory int `json:"nodes_for_memory"`
	// Nodes is the larger bound with N+k and the zone spread.
	Nodes int    `json:"nodes"`
	Bound string `json:"bound"`
}

// DatabaseFleet is the database tier at the peak: shards, each a master and its replicas.
type DatabaseFleet struct {
	// WriteQPS = peak × writes × queries per write; ReadQPS = peak × db reads × queries per
	// read (the reads that miss the cache); ReadQPSCold = peak × all reads × queries per read.
	WriteQPS    float64 `json:"write_qps"`
	ReadQPS     float64 `json:"read_qps"`
	ReadQPSCold float64 `json:"read_qps_cold"`
	// Storage = users × db bytes per user, in bytes.
	Storage float64 `json:"storage_bytes"`
	// ShardsForWrites = ⌈write QPS / (write QPS per master × u)⌉; ShardsForStorage =
	// ⌈storage / (storage per node × max fill)⌉; Shards the larger (at least 1).
	ShardsForWrites  int    `json:"shards_for_writes"`
	ShardsForStorage int    `json:"shards_for_storage"`
	Shards           int    `json:"shards"`
	ShardBound       string `json:"shard_bound"`
	// ReplicasPerShard = max(⌈read QPS per shard / (QPS per replica × u)⌉ with N+k and
	// zones, 1); ReplicasPerShardCold the same with a cold cache (h = 0).
	ReplicasPerShard     int `json:"replicas_per_shard"`
	ReplicasPerShardCold int `json:"replicas_per_shard_cold"`
}

// MixServerRPS is what one server holds of a mix: 1 / Σ (share_i / rate_i) over the kinds
// with a share. A server spends 1/rate_i seconds of its capacity on a request of kind i
// (rate_i measured on that kind alone), so a request of the mix costs Σ share_i / rate_i on
// average, and the server holds the reciprocal: the weighted harmonic mean of the rates (the
// service demand law, D = Σ V_i·S_i: P. J. Denning and J. P. Buzen, "The Operational Analysis
// of Queueing Network Models", ACM Computing Surveys 10(3), 1978; the harmonic mean as the
// mean of rates: R. Jain, The Art of Computer Systems Performance Analysis, Wiley 1991, §12.5).
// With 96% of reads from a cache at 10,000/s and 4% from the database at 800/s it is
// 1 / (0.96/10000 + 0.04/800) ≈ 6,849 req/s.
func MixServerRPS(m FleetMix, r AppRates) float64 {
	cost := 0.0
	for _, k := range [][2]float64{{m.CacheReads, r.CacheReadRPS}, {m.DBReads, r.DBReadRPS}, {m.Writes, r.WriteRPS}, {m.Other, r.OtherRPS}} {
		if k[0] > 0 {
			cost += k[0] / k[1]
		}
	}
	return 1 / cost
}

// sizeApp sizes the application servers: the mix's per-server rate, then the plan's rule.
func (f *Fleet) sizeApp(in FleetInput) error {
	f.AppRPS = MixServerRPS(in.Mix, in.App)
	m, r := in.Mix, in.App
	var terms, values []string
	var nums []Value
	for _, k := range []struct {
		name        string
		share, rate float64
	}{{"cache reads", m.CacheReads, r.CacheReadRPS}, {"db reads", m.DBReads, r.DBReadRPS}, {"writes", m.Writes, r.WriteRPS}, {"other", m.Other, r.OtherRPS}} {
		if k.share > 0 {
			terms = append(terms, "share_"+strings.ReplaceAll(k.name, " ", "_")+" / rate")
			values = append(values, "{}/{}")
			nums = append(nums, num(k.share), num(k.rate))
		}
	}
	f.Steps = append(f.Steps, step("app server rate = 1 / Σ (share_i / rate_i)   [weighted harmonic mean: "+strings.Join(terms, " + ")+"]",
		"app server rate = 1 / ("+strings.Join(values, " + ")+") = {} req/s", append(nums, num(f.AppRPS))...))
	s, err := ComputeSupply(SupplyInput{PeakRPS: f.Demand.PeakRPS, ServerRPS: f.AppRPS, TargetUtilization: in.TargetUtilization,
		Redundancy: in.Redundancy, Zones: in.Zones})
	if err != nil {
		return err
	}
	f.App = s
	f.Steps = append(f.Steps, labelled("app servers: ", s.Steps)...)
	f.Roles = append(f.Roles, FleetRole{Role: RoleApp, Count: s.Servers, Bound: "requests", Utilization: s.UtilizationAtPeak})
	return nil
}

// sizeCache sizes the cache (look-aside, as in the notes and in R. Nishtala et al., "Scaling
// Memcache at Facebook", NSDI 2013, §2: a read looks the key up, a miss reads the database and
// sets the key, a write updates the database and deletes the key): operations at the peak =
// reads × ops per read + misses × 1 (the set) + writes × ops per write; nodes = max(⌈ops /
// (ops per node × u)⌉, ⌈working set / (memory per node × max fill)⌉), then N+k and zones.
func (f *Fleet) sizeCache(in FleetInput) error {
	c, d, m, peak := in.Cache, in.Data, in.Mix, f.Demand.PeakRPS
	reads := peak * (m.CacheReads + m.DBReads)
	misses, writes := peak*m.DBReads, peak*m.Writes
	cf := &CacheFleet{OpsPerSecond: reads*d.CacheOpsPerRead + misses + writes*d.CacheOpsPerWrite,
		WorkingSet: in.Demand.DAU * d.CacheBytesPerUser}
	ops, err := ComputeSupply(SupplyInput{PeakRPS: cf.OpsPerSecond, ServerRPS: c.OpsPerNode, TargetUtilization: in.TargetUtilization})
	if err != nil {
		return err
	}
	cf.NodesForOps = ops.ServersAtTarget
	f.Steps = append(f.Steps,
		step("cache ops = reads × ops per read + misses × 1 (the set) + writes × ops per write", "cache ops = {} × {} + {} + {} × {} = {} ops/s",
			num(reads), num(d.CacheOpsPerRead), num(misses), num(writes), num(d.CacheOpsPerWrite), num(cf.OpsPerSecond)),
		step("cache nodes for ops = ⌈ops / (ops per node × u)⌉", "cache nodes for ops = ceil({} / ({} × {})) = {}",
			num(cf.OpsPerSecond), num(c.OpsPerNode), num(in.TargetUtilization), count(cf.NodesForOps)))
	if c.MemoryPerNode > 0 {
		if cf.NodesForMemory, err = boundedCeil("cache nodes for memory", cf.WorkingSet, c.MemoryPerNode*c.MaxFill); err != nil {
			return err
		}
		f.Steps = append(f.Steps,
			step("working set = DAU × cache bytes per user", "working set = {} × {} B = {} GB", num(in.Demand.DAU), num(d.CacheBytesPerUser), num(cf.WorkingSet/1e9)),
			step("cache nodes for memory = ⌈working set / (memory per node × max fill)⌉", "cache nodes for memory = ceil({} GB / ({} GB × {})) = {}",
				num(cf.WorkingSet/1e9), num(c.MemoryPerNode/1e9), num(c.MaxFill), count(cf.NodesForMemory)))
	}
	n, bound := cf.NodesForOps, "operations"
	if cf.NodesForMemory > n {
		n, bound = cf.NodesForMemory, "memory"
	}
	n = max(n, 1)
	nodes, steps, err := spread("cache nodes: ", n, in.Redundancy, in.Zones)
	if err != nil {
		return err
	}
	cf.Nodes, cf.Bound = nodes, bound
	f.Cache = cf
	f.Steps = append(f.Steps, steps...)
	u := cf.OpsPerSecond / (float64(nodes) * c.OpsPerNode)
	if c.MemoryPerNode > 0 {
		// On a tie the bound is the one nearer its limit.
		if fill := cf.WorkingSet / (float64(nodes) * c.MemoryPerNode); bound == "memory" || (cf.NodesForMemory == cf.NodesForOps && fill > u) {
			u, bound = fill, "memory"
		}
	}
	cf.Bound = bound
	f.Roles = append(f.Roles, FleetRole{Role: RoleCache, Count: nodes, Bound: bound, Utilization: u})
	return nil
}

// boundedCeil is CeilRatio(a, b) for a count of nodes, refused beyond MaxServers (inputs that
// are a typo, not a fleet; the count would no longer be exact).
func boundedCeil(what string, a, b float64) (int, error) {
	if q := a / b; !(q <= MaxServers) {
		return 0, fmt.Errorf("capacity: %s: %.3g, beyond the %g this model sizes", what, q, float64(MaxServers))
	}
	return CeilRatio(a, b), nil
}

// spread adds N+k and the zone spread to n nodes by the plan's rule (ComputeSupply with n
// units of one each at full use, so that its ceilings are exact): the steps are its
// redundancy and zone steps, labelled.
func spread(label string, n, k, zones int) (int, []Step, error) {
	s, err := ComputeSupply(SupplyInput{PeakRPS: float64(n), ServerRPS: 1, TargetUtilization: 1, Redundancy: k, Zones: zones})
	if err != nil {
		return 0, nil, err
	}
	// supplySteps: at 100%, at target, redundancy, [zones …], utilisation at peak, degraded.
	return s.Servers, labelled(label, s.Steps[2:len(s.Steps)-2]), nil
}

// labelled prefixes each step with the tier it sizes.
func labelled(prefix string, steps []Step) []Step {
	out := make([]Step, len(steps))
	for i, s := range steps {
		out[i] = Step{Formula: prefix + s.Formula, Text: prefix + s.Text, Values: s.Values}
	}
	return out
}

// sizeWorkers sizes the task workers: enqueues at the peak = peak × tasks per request, then
// the plan's rule with the tasks one worker completes per second as its rate.
func (f *Fleet) sizeWorkers(in FleetInput) error {
	tasks := f.Demand.PeakRPS * in.Mix.TasksPerRequest
	s, err := ComputeSupply(SupplyInput{PeakRPS: tasks, ServerRPS: in.TasksPerWorker, TargetUtilization: in.TargetUtilization,
		Redundancy: in.Redundancy, Zones: in.Zones})
	if err != nil {
		return err
	}
	f.Workers = &s
	f.Steps = append(f.Steps, step("tasks = peak × tasks per request", "tasks = {} × {} = {} tasks/s",
		num(f.Demand.PeakRPS), num(in.Mix.TasksPerRequest), num(tasks)))
	f.Steps = append(f.Steps, labelled("workers: ", s.Steps[1:len(s.Steps)-1])...)
	f.Roles = append(f.Roles, FleetRole{Role: RoleWorkers, Count: s.Servers, Bound: "tasks", Utilization: s.UtilizationAtPeak})
	return nil
}
