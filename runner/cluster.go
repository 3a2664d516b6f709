package runner

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"os"
	"strconv"
	"time"

	"github.com/loadtestdev/loadtest/cluster"
	"github.com/loadtestdev/loadtest/engine"
	"github.com/loadtestdev/loadtest/results"
	"github.com/loadtestdev/loadtest/scenarios"
)

// EnvClusterToken is the environment variable that gives the cluster token when the options
// do not.
const EnvClusterToken = "LOADTEST_CLUSTER_TOKEN"

// ClusterOptions make a run one shard of a coordinated run: Coordinate makes this shard the
// coordinator, listening there; Coordinator joins one. The shard is Source.Shard.
type ClusterOptions struct {
	Coordinate  string
	Coordinator string
	Token       string
	JoinTimeout time.Duration
	// KeepOut is where a shard writes its own result when the coordinator could not merge it
	// (cluster local sets it beside its --out).
	KeepOut string
}

// Active reports whether the run is coordinated.
func (c *ClusterOptions) Active() bool { return c.Coordinate != "" || c.Coordinator != "" }

// Bind takes the token from the environment when none is given and checks the options
// together with the run's shard. Errors name the flags.
func (c *ClusterOptions) Bind(shard engine.Shard) error {
	if !c.Active() {
		return nil
	}
	if c.Token == "" {
		c.Token = os.Getenv(EnvClusterToken)
	}
	switch {
	case c.Coordinate != "" && c.Coordinator != "":
		return errors.New("run: give --coordinate (to coordinate) or --coordinator (to join), not both")
	case shard.Count < 1:
		return errors.New("run: a coordinated run needs --shard I/N (the coordinator is usually --shard 0/N)")
	case c.Token == "":
		return fmt.Errorf("run: a coordinated run needs a token: give --cluster-token or set %s, the same on every shard", EnvClusterToken)
	case c.JoinTimeout <= 0:
		return fmt.Errorf("--join-timeout: %s is not allowed, want a positive duration such as 2m", c.JoinTimeout)
	}
	return nil
}

// Fingerprint digests what shapes a run's load (the scenario and the overrides applied to
// it), so that the coordinator refuses a shard of another run, and describes it in words.
func Fingerprint(sc *scenarios.Scenario, src *ScenarioOptions) (fingerprint, describe string) {
	b, _ := json.Marshal(struct {
		Name, Rate, Feeder, Order, VegetaTargets string
		Stages                                   []scenarios.Stage
		Duration, Timeout                        time.Duration
		Connections, Count                       int
		HTTP2                                    bool
		Headers, Variables                       map[string]string
		Requests                                 []scenarios.Request
		FollowRedirects                          int
	}{sc.Name, fmt.Sprint(sc.Rate), sc.Feeder, string(sc.Order), src.VegetaTargets, sc.Stages, sc.Duration, sc.Timeout,
		sc.Connections, src.Shard.Count, sc.HTTP2, sc.Headers, sc.Variables, sc.Requests, sc.FollowRedirects})
	sum := sha256.Sum256(b)
	describe = fmt.Sprintf("scenario %s, rate %v, %d stages, duration %s, connections %d, timeout %s, %d requests, %d shards, digest %s",
		sc.Name, sc.Rate, len(sc.Stages), sc.Duration, sc.Connections, sc.Timeout, len(sc.Requests), src.Shard.Count, hex.EncodeToString(sum[:4]))
	return hex.EncodeToString(sum[:]), describe
}

// runCoordinated runs one shard of a coordinated run: join (and for the coordinator, serve),
// wait for the common start, run with the interval observer, deliver the result; the
// coordinator then merges, gates and reports the whole run.
func runCoordinated(ctx context.Context, o Options) (err error) {
	mx, err := bindMetrics(o.Metrics, o.ErrOut) // at once, as a plain run: before coordinating or joining
	if err != nil {
		return err
	}
	defer func() { _ = mx.stop() }() // when the run never got to its linger
	var coord *cluster.Coordinator
	addr := o.Cluster.Coordinator
	if o.Cluster.Coordinate != "" {
		if coord, addr, err = o.startCoordinator(mx); err != nil {
			return err
		}
		defer coord.Close()
		defer context.AfterFunc(ctx, coord.Interrupt)()
	}
	sh, err := o.join(ctx, addr)
	if err != nil {
		return clusterError(err)
	}
	defer sh.Close()
	tgt, err := PrepareTarget(ctx, o.Scenario, o.Source.Secret, o.Exe)
	if err != nil {
		return err
	}
	defer func() { err = errors.Join(err, tgt.Stop()) }()
	oc, start, runErr := o.runShard(ctx, sh, tgt, mx)
	if oc == nil && start.IsZero() && runErr != nil {
		return o.failedBeforeStart(ctx, coord, runErr)
	}
	if oc == nil {
		return runErr
	}
	r := oc.Result
	recordShard(r, o.Source.Shard, start.Add(sh.Offset), sh.RunID)
	runErr = withoutClusterStop(runErr)
	delivered := sh.Deliver(context.WithoutCancel(ctx), r)
	if coord == nil {
		mx.final(r)
		return mx.lingerThenStop(ctx, o.finishShard(oc, runErr, delivered, addr))
	}
	if delivered != nil {
		fmt.Fprintf(o.ErrOut, "warning: the coordinator's own shard could not deliver its result: %v\n", delivered)
	}
	return mx.lingerThenStop(ctx, o.finishCoordinated(coord, mx, runErr))
}

// failedBeforeStart ends a shard that never started: on its own failure the run fails now
// (the shards waiting for the start hear why); on the coordinator's (it failed, or a shard
// did not join), with the coordinator's account.
func (o *Options) failedBeforeStart(ctx context.Context, coord *cluster.Coordinator, runErr error) error {
	var ws *waitStartError
	if !errors.As(runErr, &ws) {
		if coord != nil {
			coord.Fail(fmt.Errorf("cluster: the coordinator's own shard failed before the start: %w", runErr))
		}
		return runErr
	}
	if coord != nil && ctx.Err() == nil {
		if _, werr := coord.Wait(); werr != nil {
			runErr = werr // the coordinator's own account: which shards did not join
		}
	}
	return clusterError(runErr)
}

// join joins the run at addr; a shard given no seed takes the run's.
func (o *Options) join(ctx context.Context, addr string) (*cluster.Shard, error) {
	host, _ := os.Hostname()
	fp, desc := Fingerprint(o.Scenario, o.Source)
	seedSet := o.Source.Set["seed"]
	sh, err := cluster.Join(ctx, cluster.ShardOptions{Addr: addr, Token: o.Cluster.Token, JoinTimeout: o.Cluster.JoinTimeout,
		Join: cluster.JoinRequest{Index: o.Source.Shard.Index, Count: o.Source.Shard.Count, Scenario: o.Scenario.Name,
			Fingerprint: fp, Describe: desc, Seed: o.Source.Seed, SeedSet: seedSet, Host: host,
			Node: os.Getenv(cluster.NodeNameEnv)}})
	if err != nil {
		return nil, err
	}
	if !seedSet {
		o.Source.Seed = sh.Seed
	}
	return sh, nil
}

// runShard runs this shard's part: the engine starts at the common instant (waited for once
// the host sampling runs) and the observer sends the intervals. start is zero when the run
// never started.
func (o *Options) runShard(ctx context.Context, sh *cluster.Shard, tgt *Target, mx *liveMetrics) (oc *Outcome, start time.Time, err error) {
	eo, err := engineOptions(o.Scenario, o.Source, tgt.Secret, o.userAgent())
	if err != nil {
		return nil, start, badInput(err)
	}
	eo.Hold = sh.Hold // no hit leaves while this shard may have been counted lost, nor after a stop
	mx.serve(eo, o.Version)
	oc, err = Attack(ctx, AttackOptions{
		Engine: eo, Thresholds: o.Thresholds, Sampling: o.sampling(tgt),
		Observers: mx.observers(sh.Observe),
		BeforeStart: func(ctx context.Context, eo *engine.Options) error {
			var err error
			if start, err = sh.Ready(ctx, eo.PlannedRequests()); err != nil {
				return &waitStartError{err}
			}
			eo.StartAt = start
			return waitUntil(ctx, start)
		},
	})
	if oc != nil {
		o.finishAttack(oc)
	}
	return oc, start, err
}

// waitStartError is a failure to get the common start from the coordinator (it failed, or a
// shard did not join), as opposed to a shard's own failure before the start.
type waitStartError struct{ err error }

func (e *waitStartError) Error() string { return e.err.Error() }
func (e *waitStartError) Unwrap() error { return e.err }

// startCoordinator listens on Coordinate and serves the run; it returns the address its own
// shard joins.
func (o *Options) startCoordinator(mx *liveMetrics) (*cluster.Coordinator, string, error) {
	fp, desc := Fingerprint(o.Scenario, o.Source)
	n := o.Source.Shard.Count
	coord, err := cluster.NewCoordinator(cluster.CoordinatorOptions{
		Count: n, Scenario: o.Scenario.Name, Fingerprint: fp, Describe: desc, Seed: o.Source.Seed,
		Token: o.Cluster.Token, JoinTimeout: o.Cluster.JoinTimeout, Duration: o.Scenario.Duration,
		Thresholds: o.Thresholds, AbortOnFail: o.AbortOnFail,
		OnSecond: func(p engine.Progress) {
			if o.Progress != nil {
				o.Progress.Update(p)
			}
			mx.onSecond(p)
		},
		ProgressLog: o.ProgressLog,
	})
	if err != nil {
		return nil, "", badInput(err)
	}
	ln, err := net.Listen("tcp", o.Cluster.Coordinate)
	if err != nil {
		return nil, "", badInput(fmt.Errorf("--coordinate: %w", err))
	}
	if mx != nil {
		mx.coord = coord
	}
	coord.Serve(ln)
	fmt.Fprintf(o.ErrOut, "coordinating %d shards on %s (run %s)\n", n, ln.Addr(), coord.RunID())
	return coord, dialAddr(ln.Addr().(*net.TCPAddr)), nil
}

// dialAddr is where this process reaches its own listener: loopback for a wildcard address.
func dialAddr(a *net.TCPAddr) string {
	if a.IP == nil || a.IP.IsUnspecified() {
		return net.JoinHostPort("127.0.0.1", strconv.Itoa(a.Port))
	}
	return a.String()
}

// waitUntil waits for the start instant. engine.Run waits for Options.StartAt itself; waiting
// here as well costs nothing (the engine then finds the instant just passed) and keeps the
// shards' starts together with an engine that does not.
func waitUntil(ctx context.Context, t time.Time) error {
	timer := time.NewTimer(time.Until(t))
	defer timer.Stop()
	select {
	case <-timer.C:
		return nil
	case <-ctx.Done():
		return fmt.Errorf("run: interrupted before the start: %w", ctx.Err())
	}
}

// recordShard records the shard's place in the run on its result.
func recordShard(r *results.Result, sh engine.Shard, start time.Time, runID string) {
	if r.Shard == nil {
		r.Shard = &results.Shard{Index: sh.Index, Count: sh.Count}
	}
	r.Shard.Start, r.Shard.RunID = start.UTC(), runID
}

// finishCoordinated waits for every shard, then reports the merged result with the shards
// that were lost.
func (o *Options) finishCoordinated(coord *cluster.Coordinator, mx *liveMetrics, runErr error) error {
	out, err := coord.Wait()
	o.progressDone()
	if err != nil {
		return errors.Join(runErr, clusterError(err))
	}
	out.Result.Version = o.Version
	mx.final(out.Result)
	return o.report(&Outcome{Result: out.Result, Verdict: out.Verdict, Role: RoleCoordinator, Lost: out.Lost}, runErr)
}

// finishShard reports a shard that is not the coordinator: delivered, or, when the
// coordinator is gone, with its own result kept (in KeepOut too, when set).
func (o *Options) finishShard(oc *Outcome, runErr, delivered error, addr string) error {
	oc.Role, oc.Coordinator, oc.Undelivered = RoleShard, addr, delivered
	if delivered != nil {
		cluster.KeepOwn(oc.Result, delivered)
		if o.Cluster.KeepOut != "" {
			if err := results.WriteFile(o.Cluster.KeepOut, oc.Result); err != nil {
				fmt.Fprintf(o.ErrOut, "warning: keep this shard's own result: %v\n", err)
			} else {
				oc.KeptOwn = o.Cluster.KeepOut
			}
		}
	}
	return o.report(oc, runErr)
}

// withoutClusterStop removes the observer's stop (asked by the coordinator, or the coordinator
// lost: the shard's result says what it measured either way) from the run's error.
func withoutClusterStop(err error) error {
	isStop := func(e error) bool {
		return errors.Is(e, cluster.ErrStopped) || errors.Is(e, cluster.ErrCoordinatorLost)
	}
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		var rest []error
		for _, e := range j.Unwrap() {
			if !isStop(e) {
				rest = append(rest, e)
			}
		}
		return errors.Join(rest...)
	}
	if isStop(err) {
		return nil
	}
	return err
}

// clusterError gives a refusal (wrong token, another run) the bad-input mark; a failure to
// join or start stays a failure.
func clusterError(err error) error {
	if errors.Is(err, cluster.ErrRefused) && !errors.Is(err, context.Canceled) {
		return badInput(err)
	}
	return err
}
