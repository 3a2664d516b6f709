package runner

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strconv"

	"github.com/loadtestdev/loadtest/cluster"
	"github.com/loadtestdev/loadtest/scenarios"
)

// RunLocal runs a sharded run as shard processes on this machine (loadtest cluster local):
// it starts the bundled server once for all the shards when the scenario names no target
// (PrepareTarget), gives every shard the target, the run's seed and the server's secret, runs
// them (cluster.RunLocal: lo.Args are the run's own arguments) and stops the server after the
// last one. lo.Executable defaults to this binary.
func RunLocal(ctx context.Context, sc *scenarios.Scenario, secret string, seed int64, lo cluster.LocalOptions) (res *cluster.LocalResult, err error) {
	if lo.Executable == "" {
		if lo.Executable, err = os.Executable(); err != nil {
			return nil, fmt.Errorf("cluster local: %w", err)
		}
	}
	tgt, err := PrepareTarget(ctx, sc, secret, "")
	if err != nil {
		return nil, err
	}
	defer func() { err = errors.Join(err, tgt.Stop()) }()
	lo.Args = append(lo.Args, "--target", sc.Target, "--seed", strconv.FormatInt(seed, 10))
	if len(tgt.Secret) > 0 {
		lo.Args = append(lo.Args, "--secret", string(tgt.Secret))
	}
	return cluster.RunLocal(ctx, lo)
}
