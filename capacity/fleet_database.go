package capacity

// sizeDatabase sizes the database as the Swiper notes lay it out: MySQL with a master per
// shard taking the writes and replicas taking the reads (read/write split over binlog
// replication), sharded by id % N when one master is not enough.
//
//   - shards for writes = ⌈write QPS / (write QPS per master × u)⌉, write QPS = peak × writes ×
//     queries per write: every write of a shard goes to its one master;
//   - shards for storage = ⌈storage / (storage per node × max fill)⌉, storage = users × db bytes
//     per user: each node of a shard (master and replicas) holds the whole shard;
//   - shards = the larger, at least 1 (a power of two is not required; the inventory says which
//     bound binds);
//   - replicas per shard = max(⌈read QPS per shard / (QPS per replica × u)⌉ with N+k and the zone
//     spread, 1), read QPS = peak × db reads × queries per read (the reads that miss the cache),
//     spread evenly over the shards: at least one replica per shard to fail over to;
//   - the same with a cold cache (h = 0: every read reaches the database, as after a cache
//     restart), beside the warm count.
func (f *Fleet) sizeDatabase(in FleetInput) error {
	db, d, m, peak := in.Database, in.Data, in.Mix, f.Demand.PeakRPS
	u := in.TargetUtilization
	df := &DatabaseFleet{
		WriteQPS:    peak * m.Writes * d.QueriesPerWrite,
		ReadQPS:     peak * m.DBReads * d.QueriesPerRead,
		ReadQPSCold: peak * (m.CacheReads + m.DBReads) * d.QueriesPerRead,
		Storage:     in.users() * d.DBBytesPerUser,
	}
	w, err := ComputeSupply(SupplyInput{PeakRPS: df.WriteQPS, ServerRPS: db.WriteQPSPerMaster, TargetUtilization: u})
	if err != nil {
		return err
	}
	df.ShardsForWrites = w.ServersAtTarget
	f.Steps = append(f.Steps,
		step("write QPS = peak × writes × queries per write", "write QPS = {} × {} × {} = {}", num(peak), num(m.Writes), num(d.QueriesPerWrite), num(df.WriteQPS)),
		step("shards for writes = ⌈write QPS / (write QPS per master × u)⌉", "shards for writes = ceil({} / ({} × {})) = {}",
			num(df.WriteQPS), num(db.WriteQPSPerMaster), num(u), count(df.ShardsForWrites)))
	if db.StoragePerNode > 0 {
		if df.ShardsForStorage, err = boundedCeil("shards for storage", df.Storage, db.StoragePerNode*db.MaxFill); err != nil {
			return err
		}
		f.Steps = append(f.Steps,
			step("storage = users × db bytes per user", "storage = {} × {} B = {} GB", num(in.users()), num(d.DBBytesPerUser), num(df.Storage/1e9)),
			step("shards for storage = ⌈storage / (storage per node × max fill)⌉", "shards for storage = ceil({} GB / ({} GB × {})) = {}",
				num(df.Storage/1e9), num(db.StoragePerNode/1e9), num(db.MaxFill), count(df.ShardsForStorage)))
	}
	df.Shards, df.ShardBound = 1, "one shard holds it"
	if df.ShardsForWrites > df.Shards || df.ShardsForStorage > df.Shards {
		df.Shards, df.ShardBound = df.ShardsForWrites, "writes"
		if df.ShardsForStorage > df.ShardsForWrites {
			df.Shards, df.ShardBound = df.ShardsForStorage, "storage"
		}
	}
	f.Steps = append(f.Steps, step("shards = max(shards for writes, shards for storage, 1)", "shards = max({}, {}, 1) = {} ("+df.ShardBound+")",
		count(df.ShardsForWrites), count(df.ShardsForStorage), count(df.Shards)))
	var steps []Step
	if df.ReplicasPerShard, steps, err = replicasPerShard("", df.ReadQPS, df.Shards, in); err != nil {
		return err
	}
	f.Steps = append(f.Steps, step("read QPS = peak × db reads × queries per read", "read QPS = {} × {} × {} = {}",
		num(peak), num(m.DBReads), num(d.QueriesPerRead), num(df.ReadQPS)))
	f.Steps = append(f.Steps, steps...)
	if df.ReplicasPerShardCold, steps, err = replicasPerShard(", cold", df.ReadQPSCold, df.Shards, in); err != nil {
		return err
	}
	f.Steps = append(f.Steps, step("read QPS, cold (h = 0) = peak × all reads × queries per read", "read QPS, cold = {} × {} × {} = {}",
		num(peak), num(m.CacheReads+m.DBReads), num(d.QueriesPerRead), num(df.ReadQPSCold)))
	f.Steps = append(f.Steps, steps...)
	f.Database = df
	f.Roles = append(f.Roles, df.masterRole(db), df.replicaRole(db))
	return nil
}

// replicasPerShard is max(N+k replicas by the plan's rule for the read QPS of one shard, 1).
func replicasPerShard(label string, readQPS float64, shards int, in FleetInput) (int, []Step, error) {
	db := in.Database
	perShard := readQPS / float64(shards)
	s, err := ComputeSupply(SupplyInput{PeakRPS: perShard, ServerRPS: db.ReadQPSPerReplica, TargetUtilization: in.TargetUtilization,
		Redundancy: in.Redundancy, Zones: in.Zones})
	if err != nil {
		return 0, nil, err
	}
	n := max(s.Servers, 1)
	steps := []Step{step("read QPS per shard"+label+" = read QPS / shards", "read QPS per shard"+label+" = {} / {} = {}", num(readQPS), count(shards), num(perShard))}
	steps = append(steps, labelled("replicas per shard"+label+": ", s.Steps[1:len(s.Steps)-2])...)
	steps = append(steps, step("replicas per shard"+label+" = max(servers, 1)   [one replica to fail over to]",
		"replicas per shard"+label+" = max({}, 1) = {}", count(s.Servers), count(n)))
	return n, steps, nil
}

func (df *DatabaseFleet) masterRole(db *DatabaseTier) FleetRole {
	r := FleetRole{Role: RoleMasters, Count: df.Shards, Bound: df.ShardBound}
	writes := df.WriteQPS / (float64(df.Shards) * db.WriteQPSPerMaster)
	fill := 0.0
	if db.StoragePerNode > 0 {
		fill = df.Storage / (float64(df.Shards) * db.StoragePerNode)
	}
	r.Utilization = writes
	if df.ShardBound == "storage" || (df.ShardBound != "writes" && fill > writes) {
		r.Utilization = fill
	}
	return r
}

func (df *DatabaseFleet) replicaRole(db *DatabaseTier) FleetRole {
	r := FleetRole{Role: RoleReplicas, Count: df.Shards * df.ReplicasPerShard, ColdCount: df.Shards * df.ReplicasPerShardCold, Bound: "reads"}
	r.Utilization = df.ReadQPS / (float64(r.Count) * db.ReadQPSPerReplica)
	if df.ReadQPS == 0 {
		r.Bound = "failover (1 per shard)"
	}
	return r
}
