package capacity

import (
	"fmt"
	"math"
)

// The fleet model sizes a whole backend: application servers, a cache, a database of masters
// (one per shard) and read replicas, and task workers, from the users, the traffic mix and
// each tier's measured capacity. It follows the Swiper course notes' architecture (app
// servers behind a load balancer, a cache in front of MySQL, a read/write split over binlog
// replication, sharding by id % N, task queues) and reuses the plan's rules: the peak
// (ComputeDemand), the target utilisation, N+k and the zone spread (ComputeSupply).

// Roles of a fleet, in the order of its inventory.
const (
	RoleApp       = "app servers"
	RoleCache     = "cache nodes"
	RoleMasters   = "database masters"
	RoleReplicas  = "database replicas"
	RoleWorkers   = "task workers"
	mixShareSlack = 1e-9
)

// Defaults of the fleet model.
const (
	// DefaultMaxFill is the share of a cache node's memory or a database node's storage the
	// data may fill: the rest is headroom for fragmentation, copy-on-write during snapshots
	// (Redis BGSAVE forks), indexes and growth between resizes.
	DefaultMaxFill = 0.75
)

// FleetMix is what the requests do, as shares of all requests that add up to 1: reads served
// from the cache (hits), reads that go to the database (misses), writes, and other requests
// that touch neither (served at the framework's ceiling, the echo rate).
type FleetMix struct {
	CacheReads float64 `json:"cache_reads"`
	DBReads    float64 `json:"db_reads"`
	Writes     float64 `json:"writes"`
	Other      float64 `json:"other,omitempty"`
	// TasksPerRequest is the task enqueues per request for the workers.
	TasksPerRequest float64 `json:"tasks_per_request,omitempty"`
}

// MixFromHitRatio is the mix of a read share r with a cache hit ratio h: cache reads r·h,
// database reads r·(1−h), writes 1−r (and no other requests).
func MixFromHitRatio(readShare, hitRatio float64) FleetMix {
	return FleetMix{CacheReads: readShare * hitRatio, DBReads: readShare * (1 - hitRatio), Writes: 1 - readShare}
}

// HitRatio is the share of reads the cache serves: cache reads / (cache reads + db reads).
func (m FleetMix) HitRatio() float64 {
	if r := m.CacheReads + m.DBReads; r > 0 {
		return m.CacheReads / r
	}
	return 0
}

// AppRates are what one application server holds for each kind of request, measured on its
// own (a probe of the path that does only that): 0 for a kind the mix does not have.
type AppRates struct {
	CacheReadRPS float64 `json:"cache_read_rps,omitempty"`
	DBReadRPS    float64 `json:"db_read_rps,omitempty"`
	WriteRPS     float64 `json:"write_rps,omitempty"`
	OtherRPS     float64 `json:"other_rps,omitempty"`
}

// CacheTier is one cache node's capacity (a Redis or memcached server).
type CacheTier struct {
	OpsPerNode float64 `json:"ops_per_node"`
	// MemoryPerNode is bytes; 0 leaves the memory bound out.
	MemoryPerNode float64 `json:"memory_per_node,omitempty"`
	MaxFill       float64 `json:"max_fill"`
}

// DatabaseTier is one database node's capacity: a master takes the writes of its shard, a
// replica the reads.
type DatabaseTier struct {
	ReadQPSPerReplica float64 `json:"read_qps_per_replica"`
	WriteQPSPerMaster float64 `json:"write_qps_per_master"`
	// StoragePerNode is bytes; 0 leaves the storage bound out.
	StoragePerNode float64 `json:"storage_per_node,omitempty"`
	MaxFill        float64 `json:"max_fill"`
}

// FleetData is what each user and request costs the data tiers.
type FleetData struct {
	// Users is every user whose data the database holds (default DAU).
	Users float64 `json:"users,omitempty"`
	// CacheBytesPerUser is the cache's working set per daily active user.
	CacheBytesPerUser float64 `json:"cache_bytes_per_user,omitempty"`
	// DBBytesPerUser is the database's data per user.
	DBBytesPerUser float64 `json:"db_bytes_per_user,omitempty"`
	// QueriesPerRead is database queries per read that misses the cache; QueriesPerWrite per
	// write. CacheOpsPerRead and CacheOpsPerWrite are cache operations per read (the lookup)
	// and per write (the invalidation).
	QueriesPerRead   float64 `json:"queries_per_read"`
	QueriesPerWrite  float64 `json:"queries_per_write"`
	CacheOpsPerRead  float64 `json:"cache_ops_per_read"`
	CacheOpsPerWrite float64 `json:"cache_ops_per_write"`
}

// FleetInput is everything a fleet is sized from. A tier is sized when its capacity is given
// (Cache, Database, TasksPerWorker nil or 0 leave it out).
type FleetInput struct {
	Demand            DemandInput   `json:"traffic"`
	TargetUtilization float64       `json:"target_utilization"`
	Redundancy        int           `json:"redundancy"`
	Zones             int           `json:"zones,omitempty"`
	GrowthRate        float64       `json:"growth,omitempty"`
	HorizonMonths     int           `json:"horizon,omitempty"`
	Mix               FleetMix      `json:"mix"`
	App               AppRates      `json:"app"`
	Cache             *CacheTier    `json:"cache,omitempty"`
	Database          *DatabaseTier `json:"database,omitempty"`
	// TasksPerWorker is tasks one worker completes per second.
	TasksPerWorker float64   `json:"tasks_per_worker,omitempty"`
	Data           FleetData `json:"data"`
}

// Fleet is a sized backend.
type Fleet struct {
	Demand Demand `json:"demand"`
	// AppRPS is what one application server holds of the mix (the weighted harmonic mean).
	AppRPS   float64        `json:"app_rps"`
	App      Supply         `json:"app"`
	Cache    *CacheFleet    `json:"cache,omitempty"`
	Database *DatabaseFleet `json:"database,omitempty"`
	Workers  *Supply        `json:"workers,omitempty"`
	// Roles is the inventory: one row per role.
	Roles  []FleetRole  `json:"roles"`
	Growth []FleetMonth `json:"growth,omitempty"`
	// Next is, per role, the first month of the growth table that needs more of it.
	Next  []FleetNext `json:"next_node,omitempty"`
	Steps []Step      `json:"-"`
}

// FleetRole is one row of the inventory.
type FleetRole struct {
	Role  string `json:"role"`
	Count int    `json:"count"`
	// ColdCount is the count with a cold cache (h = 0), where that differs from Count's model.
	ColdCount int `json:"cold_count,omitempty"`
	// Bound says what decided the count.
	Bound string `json:"bound"`
	// Utilization is the binding bound's load at the peak with every node up.
	Utilization float64 `json:"utilization_at_peak"`
}

// FleetMonth is one month of the growth table: the count of each role, in Roles' order.
type FleetMonth struct {
	Month   int     `json:"month"`
	DAU     float64 `json:"dau"`
	PeakRPS float64 `json:"peak_rps"`
	Counts  []int   `json:"counts"`
}

// FleetNext is the month a role first needs more nodes than it has now (Month 0: not within
// the horizon), and the count it needs then.
type FleetNext struct {
	Role  string `json:"role"`
	Month int    `json:"month,omitempty"`
	Count int    `json:"count,omitempty"`
}

// MakeFleet sizes the fleet now and, with a horizon, month by month.
func MakeFleet(in FleetInput) (*Fleet, error) {
	if err := in.Validate(); err != nil {
		return nil, err
	}
	f, err := sizeFleet(in)
	if err != nil {
		return nil, err
	}
	if in.HorizonMonths > 0 {
		if err := f.grow(in); err != nil {
			return nil, err
		}
	}
	return f, nil
}

// grow sizes the fleet again for each month m = 0 … horizon with DAU × (1 + g)^m (and the
// stored users likewise), and finds each role's next month: the first whose count exceeds
// month 0's.
func (f *Fleet) grow(in FleetInput) error {
	f.Next = make([]FleetNext, len(f.Roles))
	for i, r := range f.Roles {
		f.Next[i].Role = r.Role
	}
	for m := 0; m <= in.HorizonMonths; m++ {
		g := math.Pow(1+in.GrowthRate, float64(m))
		month := in
		month.Demand.DAU = in.Demand.DAU * g
		month.Data.Users = in.users() * g
		mf, err := sizeFleet(month)
		if err != nil {
			return fmt.Errorf("month %d: %w", m, err)
		}
		row := FleetMonth{Month: m, DAU: month.Demand.DAU, PeakRPS: mf.Demand.PeakRPS, Counts: make([]int, len(mf.Roles))}
		for i, r := range mf.Roles {
			row.Counts[i] = r.Count
			if f.Next[i].Month == 0 && r.Count > f.Roles[i].Count {
				f.Next[i].Month, f.Next[i].Count = m, r.Count
			}
		}
		f.Growth = append(f.Growth, row)
	}
	return nil
}

func (in FleetInput) users() float64 {
	if in.Data.Users > 0 {
		return in.Data.Users
	}
	return in.Demand.DAU
}

// sizeFleet sizes every tier for one month's inputs (already validated).
func sizeFleet(in FleetInput) (*Fleet, error) {
	demand, err := ComputeDemand(in.Demand)
	if err != nil {
		return nil, err
	}
	f := &Fleet{Demand: demand, Steps: append([]Step(nil), demand.Steps...)}
	if err := f.sizeApp(in); err != nil {
		return nil, err
	}
	if in.Cache != nil {
		if err := f.sizeCache(in); err != nil {
			return nil, err
		}
	}
	if in.Database != nil {
		if err := f.sizeDatabase(in); err != nil {
			return nil, err
		}
	}
	if in.TasksPerWorker > 0 && in.Mix.TasksPerRequest > 0 {
		if err := f.sizeWorkers(in); err != nil {
			return nil, err
		}
	}
	return f, nil
}
