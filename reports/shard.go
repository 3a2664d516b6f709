package reports

import (
	"fmt"

	"github.com/loadtestdev/loadtest/results"
)

// shardLine says which part of a sharded run a result is, "" for a whole run.
func shardLine(r *results.Result) string {
	if r.Shard == nil {
		return ""
	}
	s := r.Shard
	return fmt.Sprintf("shard %d of %d (0-based): the whole run's requests n with n mod %d = %d", s.Index, s.Count, s.Count, s.Index)
}
