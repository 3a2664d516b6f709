package cli

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/loadtestdev/loadtest/cluster"
	"github.com/loadtestdev/loadtest/engine"
	"github.com/loadtestdev/loadtest/gate"
	"github.com/loadtestdev/loadtest/reports"
	"github.com/loadtestdev/loadtest/results"
	"github.com/loadtestdev/loadtest/runner"
	"github.com/loadtestdev/loadtest/scenarios"
)

// envClusterToken is the environment variable that gives the cluster token when
// --cluster-token is not.
const envClusterToken = "LOADTEST_CLUSTER_TOKEN"

// clusterFlags are the flags of a coordinated run: --coordinate makes this shard the
// coordinator, --coordinator joins one.
type clusterFlags struct {
	Coordinate  string
	Coordinator string
	Token       string
	JoinTimeout time.Duration
	// KeepOut is the hidden --shard-keep-out: where a shard writes its own result when the
	// coordinator could not merge it (cluster local sets it beside its --out).
	KeepOut string
	// shard is --shard I/N (runOptions.validateShard parses it).
	shard engine.Shard
}

// addClusterFlags adds the coordination flags to run (--shard is run.go's).
func addClusterFlags(cmd *cobra.Command, c *clusterFlags) {
	f := cmd.Flags()
	f.StringVar(&c.Coordinate, "coordinate", "", "be the coordinator of a sharded run, listening on ADDR (e.g. 0.0.0.0:7700); with --shard 0/N")
	f.StringVar(&c.Coordinator, "coordinator", "", "join the coordinator of a sharded run at HOST:PORT; with --shard I/N")
	f.StringVar(&c.Token, "cluster-token", "", "the token every shard of a coordinated run presents (default $"+envClusterToken+")")
	f.DurationVar(&c.JoinTimeout, "join-timeout", cluster.DefaultJoinTimeout, "how long the coordinator waits for every shard to join (and a shard for the coordinator)")
	f.StringVar(&c.KeepOut, "shard-keep-out", "", "write this shard's own result to FILE when the coordinator could not merge it (cluster local sets it)")
	_ = f.MarkHidden("shard-keep-out")
}

// active reports whether the run is coordinated.
func (c *clusterFlags) active() bool { return c.Coordinate != "" || c.Coordinator != "" }

// bind takes the run's --shard and the token from the environment, and checks the flags
// together.
func (c *clusterFlags) bind(shard engine.Shard) error {
	c.shard = shard
	if !c.active() {
		return nil
	}
	if c.Token == "" {
		c.Token = os.Getenv(envClusterToken)
	}
	switch {
	case c.Coordinate != "" && c.Coordinator != "":
		return errors.New("run: give --coordinate (to coordinate) or --coordinator (to join), not both")
	case c.shard.Count < 1:
		return errors.New("run: a coordinated run needs --shard I/N (the coordinator is usually --shard 0/N)")
	case c.Token == "":
		return fmt.Errorf("run: a coordinated run needs a token: give --cluster-token or set %s, the same on every shard", envClusterToken)
	case c.JoinTimeout <= 0:
		return fmt.Errorf("--join-timeout: %s is not allowed, want a positive duration such as 2m", c.JoinTimeout)
	}
	return nil
}

// runFingerprint digests what shapes a run's load (the scenario and the flags applied to it),
// so that the coordinator refuses a shard of another run, and describes it in words.
func runFingerprint(sc *scenarios.Scenario, o *runOptions) (fingerprint, describe string) {
	b, _ := json.Marshal(struct {
		Name, Rate, Feeder, Order, VegetaTargets string
		Stages                                   []scenarios.Stage
		Duration, Timeout                        time.Duration
		Connections, Count                       int
		HTTP2                                    bool
		Headers, Variables                       map[string]string
		Requests                                 []scenarios.Request
		FollowRedirects                          int
	}{sc.Name, fmt.Sprint(sc.Rate), sc.Feeder, string(sc.Order), o.VegetaTargets, sc.Stages, sc.Duration, sc.Timeout,
		sc.Connections, o.cluster.shard.Count, sc.HTTP2, sc.Headers, sc.Variables, sc.Requests, sc.FollowRedirects})
	sum := sha256.Sum256(b)
	describe = fmt.Sprintf("scenario %s, rate %v, %d stages, duration %s, connections %d, timeout %s, %d requests, %d shards, digest %s",
		sc.Name, sc.Rate, len(sc.Stages), sc.Duration, sc.Connections, sc.Timeout, len(sc.Requests), o.cluster.shard.Count, hex.EncodeToString(sum[:4]))
	return hex.EncodeToString(sum[:]), describe
}

// coordinatedRun is what a shard of a coordinated run loads before it joins.
type coordinatedRun struct {
	sc                *scenarios.Scenario
	ths               []gate.Threshold
	specs             []reports.Spec
	fingerprint, desc string
}

// loadCoordinated loads and checks the scenario, thresholds, reports and --out, all bad input.
func loadCoordinated(o *runOptions) (*coordinatedRun, error) {
	sc, err := loadRunScenario(&o.scenarioFlags)
	if err != nil {
		return nil, usageError(err)
	}
	ths, err := loadRunThresholds(o, sc)
	if err != nil {
		return nil, usageError(err)
	}
	specs, err := parseReportSpecs(o.Reports, o.OutFile)
	if err != nil {
		return nil, usageError(err)
	}
	if err := checkOut(o.OutFile); err != nil {
		return nil, err
	}
	fp, desc := runFingerprint(sc, o)
	return &coordinatedRun{sc: sc, ths: ths, specs: specs, fingerprint: fp, desc: desc}, nil
}

// runCoordinated is runRun for one shard of a coordinated run: join (and for the coordinator,
// serve), wait for the common start, run with the interval observer, deliver the result; the
// coordinator then merges, gates and reports the whole run.
func runCoordinated(ctx context.Context, o *runOptions) (err error) {
	cr, err := loadCoordinated(o)
	if err != nil {
		return err
	}
	var coord *cluster.Coordinator
	addr := o.cluster.Coordinator
	prog := newProgress(o.ErrOut, o.ErrTTY && !o.Quiet)
	cm := &clusterMetrics{}
	if err := cm.bind(o); err != nil {
		return err // at once, as a plain run: before this shard coordinates or joins
	}
	defer cm.release()
	defer func() { _ = cm.rm.Load().stop() }() // when the run never got to its linger
	if o.cluster.Coordinate != "" {
		if coord, addr, err = startCoordinator(o, cr, prog, cm); err != nil {
			return err
		}
		cm.coord = coord
		defer coord.Close()
		stopInterrupt := context.AfterFunc(ctx, coord.Interrupt)
		defer stopInterrupt()
	}
	sh, err := joinCoordinator(ctx, o, cr, addr)
	if err != nil {
		return clusterError(err)
	}
	defer sh.Close()
	tgt, err := prepareTarget(ctx, cr.sc, o.Secret, o.ErrOut)
	if err != nil {
		return err
	}
	defer func() { err = errors.Join(err, tgt.stop()) }()
	oc, start, runErr := runShard(ctx, o, cr, sh, tgt, cm)
	if oc == nil && start.IsZero() && runErr != nil {
		var ws *waitStartError
		if !errors.As(runErr, &ws) {
			// this shard failed on its own before the start: the run fails now, and the
			// shards waiting for the start hear why
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
	if oc == nil {
		return runErr
	}
	r := oc.Result
	recordShard(r, o.cluster.shard, start.Add(sh.Offset), sh.RunID)
	runErr = withoutClusterStop(runErr)
	delivered := sh.Deliver(context.WithoutCancel(ctx), r)
	rm := cm.rm.Load()
	if coord == nil {
		rm.final(r)
		return rm.lingerThenStop(ctx, finishShard(o, r, cr.specs, oc.Verdict, runErr, delivered, addr))
	}
	if delivered != nil {
		fmt.Fprintf(o.ErrOut, "warning: the coordinator's own shard could not deliver its result: %v\n", delivered)
	}
	return rm.lingerThenStop(ctx, finishCoordinated(o, coord, cr.specs, prog, rm, runErr))
}

// joinCoordinator joins the run at addr; a shard given no --seed takes the run's.
func joinCoordinator(ctx context.Context, o *runOptions, cr *coordinatedRun, addr string) (*cluster.Shard, error) {
	host, _ := os.Hostname()
	sh, err := cluster.Join(ctx, cluster.ShardOptions{Addr: addr, Token: o.cluster.Token, JoinTimeout: o.cluster.JoinTimeout,
		Join: cluster.JoinRequest{Index: o.cluster.shard.Index, Count: o.cluster.shard.Count, Scenario: cr.sc.Name,
			Fingerprint: cr.fingerprint, Describe: cr.desc, Seed: o.Seed, SeedSet: o.set["seed"], Host: host,
			Node: os.Getenv(cluster.NodeNameEnv)}})
	if err != nil {
		return nil, err
	}
	if !o.set["seed"] {
		o.Seed = sh.Seed
	}
	return sh, nil
}

// runShard runs this shard's part: the engine starts at the common instant (waited for once
// the host sampling runs) and the observer sends the intervals. start is zero when the run
// never started.
func runShard(ctx context.Context, o *runOptions, cr *coordinatedRun, sh *cluster.Shard, tgt *runTarget, cm *clusterMetrics) (oc *runner.Outcome, start time.Time, err error) {
	eo, err := engineOptions(cr.sc, &o.scenarioFlags, tgt.secret)
	if err != nil {
		return nil, start, usageError(err)
	}
	eo.Shard = o.cluster.shard
	eo.Hold = sh.Hold // no hit leaves while this shard may have been counted lost, nor after a stop
	cm.start(o, eo)
	oc, err = runner.Run(ctx, runner.Options{
		Engine: eo, Thresholds: cr.ths,
		Sampling:  &runner.Sampling{ServerPID: tgt.serverPID, Interval: o.SampleInterval, NoServerStats: !o.ServerStats},
		Observers: cm.observers(sh.Observe),
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
		for _, n := range oc.Notes {
			fmt.Fprintf(o.ErrOut, "note: %s\n", n)
		}
		oc.Result.Version = version()
	}
	return oc, start, err
}

// waitStartError is a failure to get the common start from the coordinator (it failed, or a
// shard did not join), as opposed to a shard's own failure before the start.
type waitStartError struct{ err error }

func (e *waitStartError) Error() string { return e.err.Error() }
func (e *waitStartError) Unwrap() error { return e.err }

// startCoordinator listens on --coordinate and serves the run; it returns the address its
// own shard joins.
func startCoordinator(o *runOptions, cr *coordinatedRun, prog *progress, cm *clusterMetrics) (*cluster.Coordinator, string, error) {
	coord, err := cluster.NewCoordinator(cluster.CoordinatorOptions{
		Count: o.cluster.shard.Count, Scenario: cr.sc.Name, Fingerprint: cr.fingerprint, Describe: cr.desc, Seed: o.Seed,
		Token: o.cluster.Token, JoinTimeout: o.cluster.JoinTimeout, Duration: cr.sc.Duration,
		Thresholds: cr.ths, AbortOnFail: o.AbortOnFail,
		OnSecond: func(p engine.Progress) { _ = prog.update(p); cm.onSecond(p) },
		// Not a terminal (a pod's log, a CI log): a progress line every few seconds instead.
		ProgressLog: progressLog(o),
	})
	if err != nil {
		return nil, "", usageError(err)
	}
	ln, err := net.Listen("tcp", o.cluster.Coordinate)
	if err != nil {
		return nil, "", usageError(fmt.Errorf("--coordinate: %w", err))
	}
	coord.Serve(ln)
	fmt.Fprintf(o.ErrOut, "coordinating %d shards on %s (run %s)\n", o.cluster.shard.Count, ln.Addr(), coord.RunID())
	return coord, dialAddr(ln.Addr().(*net.TCPAddr)), nil
}

// progressLog is where the coordinator writes its progress lines: stderr when it is not a
// terminal (there the status line is redrawn instead) and --quiet was not given.
func progressLog(o *runOptions) io.Writer {
	if o.ErrTTY || o.Quiet {
		return nil
	}
	return o.ErrOut
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

// finishCoordinated waits for every shard, then writes and reports the merged result and picks
// the run's exit code: finishRun's, and 1 when a shard was lost unless a threshold failed.
func finishCoordinated(o *runOptions, coord *cluster.Coordinator, specs []reports.Spec, prog *progress, rm *runMetrics, runErr error) error {
	out, err := coord.Wait()
	prog.done()
	if err != nil {
		return errors.Join(runErr, clusterError(err))
	}
	out.Result.Version = version()
	rm.final(out.Result)
	ferr := finishRun(o, out.Result, specs, out.Verdict, runErr)
	if ferr != nil || len(out.Lost) == 0 {
		return ferr
	}
	return &ExitError{Code: ExitFailure, Err: fmt.Errorf("shard(s) %s stopped reporting and were lost: the result keeps what they reported (see the shard_lost warning)", joinInts(out.Lost))}
}

// finishShard ends a shard that is not the coordinator: exit 0 once its result was delivered
// (writing it to --out too, when given; 130 if it was itself interrupted); when the coordinator is gone it writes its own result
// and reports, and exits 1.
func finishShard(o *runOptions, r *results.Result, specs []reports.Spec, verdict, runErr, delivered error, addr string) error {
	if delivered == nil {
		err := writeOut(o.OutFile, r)
		fmt.Fprintf(o.ErrOut, "shard %d/%d: %d requests measured, result delivered to the coordinator at %s\n",
			r.Shard.Index, r.Shard.Count, r.Requests, addr)
		if err = errors.Join(runErr, err); err == nil && r.Interrupted {
			err = &ExitError{Code: ExitInterrupted, Err: fmt.Errorf("interrupted after %.1fs: what this shard measured until then was delivered", r.DurationS)}
		}
		return err
	}
	cluster.KeepOwn(r, delivered)
	_ = finishRun(o, r, specs, verdict, runErr)
	kept := "wrote its own result"
	if o.cluster.KeepOut != "" {
		if err := results.WriteFile(o.cluster.KeepOut, r); err != nil {
			fmt.Fprintf(o.ErrOut, "warning: keep this shard's own result: %v\n", err)
		} else {
			kept += " to " + o.cluster.KeepOut
		}
	}
	return &ExitError{Code: ExitFailure, Err: fmt.Errorf("shard %d/%d: %w; this shard stopped and %s", r.Shard.Index, r.Shard.Count, delivered, kept)}
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

// clusterError gives a refusal (wrong token, another run) the usage exit code, and a failure
// to join or start exit 1.
func clusterError(err error) error {
	switch {
	case errors.Is(err, context.Canceled):
		return err
	case errors.Is(err, cluster.ErrRefused):
		return usageError(err)
	}
	return &ExitError{Code: ExitFailure, Err: err}
}

func joinInts(xs []int) string {
	s := make([]string, len(xs))
	for i, x := range xs {
		s[i] = strconv.Itoa(x)
	}
	return strings.Join(s, ", ")
}
