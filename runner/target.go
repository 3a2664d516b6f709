package runner

import (
	"context"
	"errors"

	"github.com/loadtestdev/loadtest/engine"
	"github.com/loadtestdev/loadtest/runner/bundled"
	"github.com/loadtestdev/loadtest/scenarios"
)

// Target is where a run's or a probe's load goes once it is prepared: the scenario's own
// target, or the bundled server started for it (then Stop stops it, and its pid is sampled as
// the server side).
type Target struct {
	// Secret is the target's token secret: the bundled server's, else the one given.
	Secret []byte
	// ServerPID is the bundled server's pid, 0 when the scenario names its target.
	ServerPID int
	server    *bundled.Server
}

// PrepareTarget starts the bundled server when the scenario names no target, pointing the
// scenario at it and taking its token secret; otherwise it keeps the scenario's target and
// the secret given. exe is the binary to start (empty: this one).
func PrepareTarget(ctx context.Context, sc *scenarios.Scenario, secret, exe string) (*Target, error) {
	t := &Target{Secret: []byte(secret)}
	if sc.Target != "" {
		return t, nil
	}
	// a scenario of flows logs in as a real client does: the server returns login codes (--dev)
	srv, err := bundled.Start(ctx, bundled.Options{Exe: exe, Dev: len(sc.Flows) > 0})
	if err != nil {
		return nil, err
	}
	sc.Target, t.Secret, t.ServerPID, t.server = srv.URL, srv.Secret, srv.PID(), srv
	return t, nil
}

// Stop stops the bundled server, if the target is one.
func (t *Target) Stop() error {
	if t == nil || t.server == nil {
		return nil
	}
	return t.server.Stop(bundled.StopTimeout)
}

// prepare is what run, probe and a debug run share once their inputs are checked: the target
// prepared (the bundled server started when the scenario names none) and the engine's options
// compiled (an error there is bad input). The caller stops the target when the run is over;
// on an error nothing is left running.
func prepare(ctx context.Context, sc *scenarios.Scenario, src *ScenarioOptions, exe, userAgent string) (*Target, engine.Options, error) {
	t, err := PrepareTarget(ctx, sc, src.Secret, exe)
	if err != nil {
		return nil, engine.Options{}, err
	}
	eo, err := engineOptions(sc, src, t.Secret, userAgent)
	if err != nil {
		return nil, engine.Options{}, errors.Join(&InputError{Err: err}, t.Stop())
	}
	return t, eo, nil
}
