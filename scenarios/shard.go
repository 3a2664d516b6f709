package scenarios

import "fmt"

// MaxShards is the most shards a plan may be one of (engine.MaxShards, which checks it too).
const MaxShards = 1024

// planShard is the part of a sharded run a Plan sends: index of count (count 1: the whole run).
type planShard struct{ index, count uint64 }

// global is the whole run's hit number (from 1) of the shard's seq-th hit (from 1).
func (s planShard) global(seq uint64) uint64 {
	if s.count <= 1 {
		return seq
	}
	return (seq-1)*s.count + s.index + 1
}

// compileShard checks PlanOptions' shard and records it.
func (c *compiler) compileShard() error {
	i, n := c.opts.ShardIndex, c.opts.ShardCount
	switch {
	case n <= 1 && i == 0:
		c.p.shard = planShard{0, 1}
		return nil
	case n < 1 || n > MaxShards:
		return &Error{Path: c.s.Source, Err: fmt.Errorf("shard count %d is not allowed, want 1 to %d", n, MaxShards)}
	case i < 0 || i >= n:
		return &Error{Path: c.s.Source, Err: fmt.Errorf("shard %d/%d: index must be 0..%d", i, n, n-1)}
	}
	c.p.shard = planShard{uint64(i), uint64(n)}
	return nil
}

// stripe gives the feeder of shard s the rows s.index, s.index+s.count, ...: no two shards of a
// run send the same row. A shard left without a row is an error.
func (fd *feeder) stripe(s planShard) error {
	if s.count <= 1 {
		return nil
	}
	rows := uint64(len(fd.rows))
	if rows <= s.index {
		return fmt.Errorf("%d row(s) for %d shards: shard %d has none of its own (shard I takes rows I, I+N, ...), want at least %d rows",
			rows, s.count, s.index, s.count)
	}
	fd.first, fd.stride, fd.own = s.index, s.count, (rows-s.index-1)/s.count+1
	return nil
}
