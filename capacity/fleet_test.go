package capacity

import (
	"errors"
	"math"
	"strings"
	"testing"
)

// fleetBase is a million DAU at 200 requests a day with the 80/20 rule: a peak of
// 200,000,000 × 0.8 / (86,400 × 0.2) = 9,259.259 req/s. Reads are 90% (95% of them from the
// cache: 85.5% cache reads, 4.5% database reads), writes 10%.
func fleetBase() FleetInput {
	return FleetInput{
		Demand:            DemandInput{DAU: 1e6, RequestsPerUser: 200, PeakShare: 0.8, PeakWindow: 0.2},
		TargetUtilization: 0.7,
		Redundancy:        1,
		Mix:               MixFromHitRatio(0.9, 0.95),
		App:               AppRates{CacheReadRPS: 10000, DBReadRPS: 800, WriteRPS: 500},
		Data:              FleetData{QueriesPerRead: 1, QueriesPerWrite: 2, CacheOpsPerRead: 1, CacheOpsPerWrite: 1, DBBytesPerUser: 1e4, CacheBytesPerUser: 2e4},
		Cache:             &CacheTier{OpsPerNode: 100000, MemoryPerNode: 8e9, MaxFill: 0.75},
		Database:          &DatabaseTier{ReadQPSPerReplica: 800, WriteQPSPerMaster: 1000, StoragePerNode: 100e9, MaxFill: 0.75},
	}
}

const basePeak = 200e6 * 0.8 / (86400 * 0.2) // 9,259.259 req/s

func near(got, want, tol float64) bool { return math.Abs(got-want) <= tol*math.Abs(want) }

func TestMixServerRPS(t *testing.T) {
	tests := []struct {
		name  string
		mix   FleetMix
		rates AppRates
		want  float64
	}{
		// The Swiper notes: all reads, 96% from the cache at 10,000/s, 4% from the database at
		// 800/s: 1 / (0.96/10000 + 0.04/800) = 1 / 0.000146 = 6,849.315 req/s.
		{"notes: 96% cache, 4% db", FleetMix{CacheReads: 0.96, DBReads: 0.04}, AppRates{CacheReadRPS: 10000, DBReadRPS: 800}, 1 / 0.000146},
		// One kind only: its own rate.
		{"all from the database", FleetMix{DBReads: 1}, AppRates{DBReadRPS: 800, CacheReadRPS: 10000}, 800},
		// 1 / (0.5/39000 + 0.5/10000) = 1 / (1.28205e-5 + 5e-5) = 15,918.367.
		{"half echo, half cache", FleetMix{Other: 0.5, CacheReads: 0.5}, AppRates{OtherRPS: 39000, CacheReadRPS: 10000}, 1 / (0.5/39000 + 0.5/10000)},
		// 1 / (0.855/10000 + 0.045/800 + 0.1/500) = 1 / (8.55e-5 + 5.625e-5 + 2e-4) = 2,926.83.
		{"base mix with writes", MixFromHitRatio(0.9, 0.95), AppRates{CacheReadRPS: 10000, DBReadRPS: 800, WriteRPS: 500}, 1 / 0.00034175},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := MixServerRPS(tt.mix, tt.rates); !near(got, tt.want, 1e-12) {
				t.Errorf("got %v, want %v", got, tt.want)
			}
		})
	}
	if got := MixServerRPS(FleetMix{CacheReads: 0.96, DBReads: 0.04}, AppRates{CacheReadRPS: 10000, DBReadRPS: 800}); math.Round(got) != 6849 {
		t.Errorf("the notes' figure: got %.3f, want ≈ 6,849", got)
	}
}

func TestFleetApp(t *testing.T) {
	in := fleetBase()
	f, err := MakeFleet(in)
	if err != nil {
		t.Fatal(err)
	}
	// peak 9,259.259 at 2,926.83 × 0.7 = 2,048.78 per server: ceil(4.5194) = 5, N+1 = 6.
	if !near(f.Demand.PeakRPS, basePeak, 1e-12) || f.App.ServersAtTarget != 5 || f.App.Servers != 6 {
		t.Errorf("got peak %v, N %d, servers %d; want %v, 5, 6", f.Demand.PeakRPS, f.App.ServersAtTarget, f.App.Servers, basePeak)
	}
	// utilisation at the peak: 9,259.259 / (6 × 2,926.83) = 52.73%.
	if want := basePeak / (6 / 0.00034175); !near(f.Roles[0].Utilization, want, 1e-9) {
		t.Errorf("app utilisation: got %v, want %v", f.Roles[0].Utilization, want)
	}
}

func TestFleetCache(t *testing.T) {
	tests := []struct {
		name      string
		edit      func(*FleetInput)
		ops       float64
		forOps    int
		forMemory int
		nodes     int
		bound     string
	}{
		// ops = 8,333.333 reads + 416.667 misses + 925.926 writes = 9,675.926 ops/s:
		// ceil(9,675.926 / 70,000) = 1; working set 1e6 × 20 kB = 20 GB on 8 GB × 0.75 = 6 GB:
		// ceil(3.33) = 4, memory binds; N+1 = 5.
		{"memory-bound", func(*FleetInput) {}, basePeak * (0.9 + 0.045 + 0.1), 1, 4, 5, "memory"},
		// ops per node 2,000 × 0.7 = 1,400: ceil(6.911) = 7 > 4; N+1 = 8.
		{"ops-bound", func(in *FleetInput) { in.Cache.OpsPerNode = 2000 }, basePeak * 1.045, 7, 4, 8, "operations"},
		// 3 zones: N = 4, k = 1: m = max(ceil(4/2), ceil(5/3)) = 2 per zone, 6 nodes.
		{"memory-bound over 3 zones", func(in *FleetInput) { in.Zones = 3 }, basePeak * 1.045, 1, 4, 6, "memory"},
		// no memory per node: the memory bound is left out.
		{"ops only", func(in *FleetInput) { in.Cache.MemoryPerNode = 0 }, basePeak * 1.045, 1, 0, 2, "operations"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := fleetBase()
			in.Cache = &CacheTier{OpsPerNode: 100000, MemoryPerNode: 8e9, MaxFill: 0.75}
			tt.edit(&in)
			f, err := MakeFleet(in)
			if err != nil {
				t.Fatal(err)
			}
			c := f.Cache
			if !near(c.OpsPerSecond, tt.ops, 1e-12) || c.NodesForOps != tt.forOps || c.NodesForMemory != tt.forMemory || c.Nodes != tt.nodes || c.Bound != tt.bound {
				t.Errorf("got ops %v, for ops %d, for memory %d, nodes %d, bound %s; want %v, %d, %d, %d, %s",
					c.OpsPerSecond, c.NodesForOps, c.NodesForMemory, c.Nodes, c.Bound, tt.ops, tt.forOps, tt.forMemory, tt.nodes, tt.bound)
			}
		})
	}
}

func TestFleetDatabase(t *testing.T) {
	tests := []struct {
		name                              string
		edit                              func(*FleetInput)
		forWrites, forStorage, shards     int
		bound                             string
		replicasPerShard, replicasPerCold int
	}{
		// write QPS = 9,259.259 × 0.1 × 2 = 1,851.852 on 1,000 × 0.7 = 700 per master:
		// ceil(2.6455) = 3 shards; storage 1e6 × 10 kB = 10 GB on 100 GB × 0.75: 1 shard.
		// Reads: 9,259.259 × 0.045 = 416.667 QPS, 138.889 per shard on 800 × 0.7 = 560 per
		// replica: ceil(0.248) = 1, N+1 = 2 per shard. Cold (h = 0): 9,259.259 × 0.9 =
		// 8,333.333, 2,777.778 per shard: ceil(4.96) = 5, N+1 = 6 per shard.
		{"write-bound", func(*FleetInput) {}, 3, 1, 3, "writes", 2, 6},
		// storage: 100 M users × 50 kB = 5 TB on 1 TB × 0.75: ceil(6.667) = 7 shards. Reads
		// per shard 416.667 / 7 = 59.52: 1 + 1 = 2; cold 8,333.333 / 7 = 1,190.48: ceil(2.126)
		// = 3, + 1 = 4.
		{"storage-bound", func(in *FleetInput) {
			in.Data.Users, in.Data.DBBytesPerUser, in.Database.StoragePerNode = 100e6, 5e4, 1e12
		}, 3, 7, 7, "storage", 2, 4},
		// No writes, little data: one shard; reads 416.667 / 560 → 1 + 1 = 2.
		{"one shard", func(in *FleetInput) {
			in.Mix = FleetMix{CacheReads: 0.95, DBReads: 0.05}
			in.Data.DBBytesPerUser = 1000
		}, 0, 1, 1, "one shard holds it", 2, 0},
		// No redundancy and no reads reach the database: still one replica per shard.
		{"failover replica", func(in *FleetInput) {
			in.Redundancy = 0
			in.Mix = FleetMix{CacheReads: 0.9, Writes: 0.1}
		}, 3, 1, 3, "writes", 1, 5},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := fleetBase()
			tt.edit(&in)
			f, err := MakeFleet(in)
			if err != nil {
				t.Fatal(err)
			}
			d := f.Database
			if d.ShardsForWrites != tt.forWrites || d.ShardsForStorage != tt.forStorage || d.Shards != tt.shards || d.ShardBound != tt.bound {
				t.Errorf("got shards for writes %d, for storage %d, shards %d (%s); want %d, %d, %d (%s)",
					d.ShardsForWrites, d.ShardsForStorage, d.Shards, d.ShardBound, tt.forWrites, tt.forStorage, tt.shards, tt.bound)
			}
			if tt.replicasPerCold == 0 {
				tt.replicasPerCold = d.ReplicasPerShardCold
			}
			if d.ReplicasPerShard != tt.replicasPerShard || d.ReplicasPerShardCold != tt.replicasPerCold {
				t.Errorf("got replicas per shard %d, cold %d; want %d, %d", d.ReplicasPerShard, d.ReplicasPerShardCold, tt.replicasPerShard, tt.replicasPerCold)
			}
			masters, replicas := roleOf(t, f, RoleMasters), roleOf(t, f, RoleReplicas)
			if masters.Count != tt.shards || replicas.Count != tt.shards*tt.replicasPerShard || replicas.ColdCount != tt.shards*tt.replicasPerCold {
				t.Errorf("got %d masters, %d replicas (cold %d); want %d, %d, %d", masters.Count, replicas.Count, replicas.ColdCount,
					tt.shards, tt.shards*tt.replicasPerShard, tt.shards*tt.replicasPerCold)
			}
		})
	}
}

// TestFleetColdCache: the notes' read-heavy service. 96% of 1,851.852 req/s (200,000 DAU)
// hit the cache: warm, 74.074 QPS reach the database, one replica at 800 × 0.7 (+1 = 2);
// cold (a cache restart), all 1,851.852: ceil(3.307) = 4, +1 = 5 replicas.
func TestFleetColdCache(t *testing.T) {
	in := fleetBase()
	in.Demand.DAU = 200000
	in.Mix = FleetMix{CacheReads: 0.96, DBReads: 0.04}
	f, err := MakeFleet(in)
	if err != nil {
		t.Fatal(err)
	}
	d := f.Database
	peak := 40e6 * 0.8 / (86400 * 0.2)
	if !near(d.ReadQPS, peak*0.04, 1e-12) || !near(d.ReadQPSCold, peak, 1e-12) {
		t.Errorf("got read QPS %v, cold %v; want %v, %v", d.ReadQPS, d.ReadQPSCold, peak*0.04, peak)
	}
	if d.ReplicasPerShard != 2 || d.ReplicasPerShardCold != 5 {
		t.Errorf("got replicas %d warm, %d cold; want 2, 5", d.ReplicasPerShard, d.ReplicasPerShardCold)
	}
}

func TestFleetWorkers(t *testing.T) {
	in := fleetBase()
	in.Mix.TasksPerRequest, in.TasksPerWorker = 0.05, 50
	f, err := MakeFleet(in)
	if err != nil {
		t.Fatal(err)
	}
	// tasks = 9,259.259 × 0.05 = 462.963/s on 50 × 0.7 = 35: ceil(13.228) = 14, N+1 = 15.
	if w := roleOf(t, f, RoleWorkers); w.Count != 15 || f.Workers.ServersAtTarget != 14 {
		t.Errorf("got %d workers (N %d), want 15 (N 14)", w.Count, f.Workers.ServersAtTarget)
	}
	// No task enqueued: no workers to size, even with a rate per worker.
	in.Mix.TasksPerRequest = 0
	if f, err = MakeFleet(in); err != nil || f.Workers != nil || len(f.Roles) != 4 {
		t.Errorf("no tasks: got %v, %+v", err, f.Roles)
	}
}

// TestFleetGrowth: 200,000 DAU on 800 req/s servers (a mix of database reads only), 10% a
// month. N = ceil(1,851.852 × 1.1^m / 560): month 0 and 1 need 4 (3.307, 3.638), month 2
// 1,851.852 × 1.21 = 2,240.74 > 4 × 560 = 2,240 needs 5: app servers go 5 → 6 in month 2.
// The database's one replica per shard (+1) carries 74 → 90 QPS all year: no new node.
func TestFleetGrowth(t *testing.T) {
	in := fleetBase()
	in.Demand.DAU = 200000
	in.Mix = FleetMix{DBReads: 1}
	in.Cache = nil
	in.Data.DBBytesPerUser = 0
	in.Database.ReadQPSPerReplica = 100000
	in.GrowthRate, in.HorizonMonths = 0.1, 12
	f, err := MakeFleet(in)
	if err != nil {
		t.Fatal(err)
	}
	if len(f.Growth) != 13 {
		t.Fatalf("got %d months, want 13", len(f.Growth))
	}
	want := []int{5, 5, 6}
	for m, w := range want {
		if got := f.Growth[m].Counts[0]; got != w {
			t.Errorf("month %d: got %d app servers, want %d", m, got, w)
		}
	}
	if n := f.Next[0]; n.Role != RoleApp || n.Month != 2 || n.Count != 6 {
		t.Errorf("app servers next: got %+v, want month 2, 6", n)
	}
	for _, n := range f.Next[1:] {
		if n.Month != 0 {
			t.Errorf("%s: got next month %d, want none within 12 months", n.Role, n.Month)
		}
	}
	if !near(f.Growth[12].DAU, 200000*math.Pow(1.1, 12), 1e-12) {
		t.Errorf("month 12 DAU: got %v", f.Growth[12].DAU)
	}
}

func TestFleetBadInput(t *testing.T) {
	tests := []struct {
		name  string
		edit  func(*FleetInput)
		field string
	}{
		{"share above 1", func(in *FleetInput) { in.Mix = FleetMix{CacheReads: 1.2, DBReads: -0.2} }, "mix.cache_reads"},
		{"negative share", func(in *FleetInput) { in.Mix = FleetMix{CacheReads: 0.9, DBReads: 0.2, Writes: -0.1} }, "mix.writes"},
		{"shares do not add up", func(in *FleetInput) { in.Mix = FleetMix{CacheReads: 0.5, DBReads: 0.3} }, "mix"},
		{"missing rate", func(in *FleetInput) { in.App.WriteRPS = 0 }, "app.write_rps"},
		{"fill above 1", func(in *FleetInput) { in.Cache.MaxFill = 1.5 }, "cache.max_fill"},
		{"no replica rate", func(in *FleetInput) { in.Database.ReadQPSPerReplica = 0 }, "database.read_qps_per_replica"},
		{"tasks without workers", func(in *FleetInput) { in.Mix.TasksPerRequest = 0.1 }, "workers.tasks_per_worker"},
		{"utilisation", func(in *FleetInput) { in.TargetUtilization = 0 }, "target_utilization"},
		{"dau", func(in *FleetInput) { in.Demand.DAU = -1 }, "dau"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := fleetBase()
			tt.edit(&in)
			_, err := MakeFleet(in)
			var ie *InputError
			if !errors.As(err, &ie) || ie.Field != tt.field {
				t.Fatalf("got %v, want an InputError of %s", err, tt.field)
			}
		})
	}
}

// TestFleetBeyondModel: counts beyond MaxServers are an error, not an overflowed int.
func TestFleetBeyondModel(t *testing.T) {
	for name, edit := range map[string]func(*FleetInput){
		"storage": func(in *FleetInput) { in.Data.DBBytesPerUser = 1e300 },
		"memory":  func(in *FleetInput) { in.Data.CacheBytesPerUser = 1e300 },
		"peak":    func(in *FleetInput) { in.Demand.DAU = 1e300 },
		"growth":  func(in *FleetInput) { in.GrowthRate, in.HorizonMonths = 10, 120 },
	} {
		in := fleetBase()
		edit(&in)
		if _, err := MakeFleet(in); err == nil || !strings.Contains(err.Error(), "beyond the 1e+12 this model sizes") {
			t.Errorf("%s: got %v, want an error beyond the model", name, err)
		}
	}
}

func TestFleetExplain(t *testing.T) {
	in := fleetBase()
	in.Mix = FleetMix{CacheReads: 0.96, DBReads: 0.04}
	f, err := MakeFleet(in)
	if err != nil {
		t.Fatal(err)
	}
	var formulas []string
	for _, s := range f.Steps {
		if strings.Count(s.Text, "{}") != len(s.Values) {
			t.Errorf("step %q has %d values for %d {}", s.Text, len(s.Values), strings.Count(s.Text, "{}"))
		}
		formulas = append(formulas, s.Formula)
	}
	all := strings.Join(formulas, "\n")
	for _, want := range []string{"app server rate = 1 / Σ (share_i / rate_i)", "cache nodes for memory", "shards = max(", "replicas per shard, cold", "app servers: servers at target"} {
		if !strings.Contains(all, want) {
			t.Errorf("no step %q in\n%s", want, all)
		}
	}
}

func roleOf(t *testing.T, f *Fleet, role string) FleetRole {
	t.Helper()
	for _, r := range f.Roles {
		if r.Role == role {
			return r
		}
	}
	t.Fatalf("no role %s in %+v", role, f.Roles)
	return FleetRole{}
}
