package results

import "time"

// Shard says which part of a sharded run a result is: global hit (or iteration) n of the
// whole run belongs to shard n mod Count.
type Shard struct {
	Index int `json:"index"`
	Count int `json:"count"`
	// Start is the whole run's start instant (the coordinator's, on the coordinator's clock),
	// zero for a shard run on its own; RunID names the coordinated run. Shards of one run
	// share both.
	Start time.Time `json:"start,omitzero"`
	RunID string    `json:"run_id,omitempty"`
}

// Coordination is what a coordinated (or merged sharded) run records about its shards.
type Coordination struct {
	Shards []ShardInfo `json:"shards"`
}

// ShardInfo is one shard of a coordinated run: where it ran, its clock offset to the
// coordinator (Cristian's method: the estimate of the round trip with the smallest RTT), and
// whether it was lost during the run.
type ShardInfo struct {
	Index int    `json:"index"`
	Host  string `json:"host,omitempty"`
	// Node is the machine (Kubernetes node) the shard ran on, when it knew it: shards with
	// one node shared its CPU and network.
	Node     string  `json:"node,omitempty"`
	OffsetMS float64 `json:"clock_offset_ms"`
	RTTMS    float64 `json:"rtt_ms"`
	Lost     bool    `json:"lost,omitempty"`
}
