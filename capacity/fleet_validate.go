package capacity

import (
	"fmt"
	"math"
)

// Validate checks the fleet's inputs that its parts do not check: the mix, the rates the mix
// needs and the tiers' capacities.
func (in FleetInput) Validate() error {
	if err := validateTraffic(in.Demand, in.TargetUtilization, in.HorizonMonths, in.GrowthRate); err != nil {
		return err
	}
	if err := in.Mix.validate(); err != nil {
		return err
	}
	if err := in.validateRates(); err != nil {
		return err
	}
	return in.validateTiers()
}

func (m FleetMix) validate() error {
	shares := []struct {
		field string
		v     float64
	}{{"mix.cache_reads", m.CacheReads}, {"mix.db_reads", m.DBReads}, {"mix.writes", m.Writes}, {"mix.other", m.Other}}
	sum := 0.0
	for _, s := range shares {
		if !(s.v >= 0 && s.v <= 1) {
			return badInput(s.field, s.v, "a share in [0, 1]")
		}
		sum += s.v
	}
	if math.Abs(sum-1) > mixShareSlack {
		return &InputError{Field: "mix", Value: sum, Allowed: "shares that add up to 1 (cache_reads + db_reads + writes + other)"}
	}
	return nonNegative("mix.tasks_per_request", m.TasksPerRequest)
}

func (in FleetInput) validateRates() error {
	rates := []struct {
		field string
		share float64
		rps   float64
	}{{"app.cache_read_rps", in.Mix.CacheReads, in.App.CacheReadRPS}, {"app.db_read_rps", in.Mix.DBReads, in.App.DBReadRPS},
		{"app.write_rps", in.Mix.Writes, in.App.WriteRPS}, {"app.other_rps", in.Mix.Other, in.App.OtherRPS}}
	for _, r := range rates {
		if r.rps == 0 && r.share == 0 {
			continue
		}
		if err := positive(r.field, r.rps); err != nil {
			err.(*InputError).Allowed += fmt.Sprintf(" (what one app server holds of this kind: the mix gives it a share of %g)", r.share)
			return err
		}
	}
	return nil
}

func (in FleetInput) validateTiers() error {
	d := in.Data
	for _, f := range []struct {
		field string
		v     float64
	}{{"data.users", d.Users}, {"data.cache_bytes_per_user", d.CacheBytesPerUser}, {"data.db_bytes_per_user", d.DBBytesPerUser},
		{"data.queries_per_read", d.QueriesPerRead}, {"data.queries_per_write", d.QueriesPerWrite},
		{"data.cache_ops_per_read", d.CacheOpsPerRead}, {"data.cache_ops_per_write", d.CacheOpsPerWrite},
		{"workers.tasks_per_worker", in.TasksPerWorker}} {
		if err := nonNegative(f.field, f.v); err != nil {
			return err
		}
	}
	if c := in.Cache; c != nil {
		if err := positive("cache.ops_per_node", c.OpsPerNode); err != nil {
			return err
		}
		if err := nonNegative("cache.memory_per_node", c.MemoryPerNode); err != nil {
			return err
		}
		if err := unitInterval("cache.max_fill", c.MaxFill); err != nil {
			return err
		}
	}
	if db := in.Database; db != nil {
		if err := positive("database.read_qps_per_replica", db.ReadQPSPerReplica); err != nil {
			return err
		}
		if err := positive("database.write_qps_per_master", db.WriteQPSPerMaster); err != nil {
			return err
		}
		if err := nonNegative("database.storage_per_node", db.StoragePerNode); err != nil {
			return err
		}
		if err := unitInterval("database.max_fill", db.MaxFill); err != nil {
			return err
		}
	}
	if in.Mix.TasksPerRequest > 0 && in.TasksPerWorker == 0 {
		return badInput("workers.tasks_per_worker", 0, "a number greater than 0 (tasks one worker completes per second) when mix.tasks_per_request is given")
	}
	return nil
}

// nonNegative checks that v is a finite number ≥ 0.
func nonNegative(field string, v float64) error {
	if !(v >= 0) || isInf(v) {
		return badInput(field, v, "a number ≥ 0")
	}
	return nil
}
