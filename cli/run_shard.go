package cli

import (
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/loadtestdev/loadtest/engine"
	"github.com/loadtestdev/loadtest/results"
)

// parseShard reads --shard I/N: shard I (0-based) of N, N from 1 to engine.MaxShards.
func parseShard(s string) (engine.Shard, error) {
	is, ns, ok := strings.Cut(strings.TrimSpace(s), "/")
	i, ierr := strconv.Atoi(strings.TrimSpace(is))
	n, nerr := strconv.Atoi(strings.TrimSpace(ns))
	if !ok || ierr != nil || nerr != nil {
		return engine.Shard{}, fmt.Errorf("--shard %s: want I/N, shard I (0-based) of N, such as 0/3", s)
	}
	if n < 1 || n > engine.MaxShards {
		return engine.Shard{}, fmt.Errorf("--shard %s: the count must be 1 to %d", s, engine.MaxShards)
	}
	if i < 0 || i >= n {
		return engine.Shard{}, fmt.Errorf("--shard %s: index must be 0..%d", s, n-1)
	}
	return engine.Shard{Index: i, Count: n}, nil
}

// validateShard binds --shard into o.Shard. The shards of one run must draw the same random
// values, so a sharded run needs the seed they share.
func (o *runOptions) validateShard() error {
	if o.ShardSpec == "" {
		return nil
	}
	s, err := parseShard(o.ShardSpec)
	if err != nil {
		return err
	}
	if s.Sharded() && !o.set["seed"] && !o.cluster.active() { // a coordinated shard takes the run's seed
		return errors.New("--shard: give --seed N too, the same to every shard, so that the shards send between them the requests of one run")
	}
	o.Shard = s
	return nil
}

// shardsMissing is the shards_missing warning of a merged result, if it has one.
func shardsMissing(r *results.Result) (results.Warning, bool) {
	for _, w := range r.Warnings {
		if w.Code == results.WarnShardsMissing {
			return w, true
		}
	}
	return results.Warning{}, false
}
