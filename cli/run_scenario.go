package cli

import (
	"crypto/rand"
	"encoding/binary"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/loadtestdev/loadtest/engine"
	"github.com/loadtestdev/loadtest/scenarios"
)

// loadRunScenario loads the scenario (or vegeta targets file) of a run or probe and applies the
// flags that override it. Errors are bad input.
func loadRunScenario(o *scenarioFlags) (*scenarios.Scenario, error) {
	sc, err := loadScenarioArg(o)
	if err != nil {
		return nil, err
	}
	if o.set["rate"] {
		r, _ := scenarios.ParseRate(o.Rate) // checked by validate
		sc.Rate, sc.Stages = r, nil
	}
	if o.set["duration"] {
		sc.Duration = o.Duration
	}
	if sc.Duration == 0 && len(sc.Stages) == 0 {
		sc.Duration = defaultRunDuration
	}
	if o.set["target"] {
		sc.Target = o.Target
	}
	if o.set["timeout"] {
		sc.Timeout = o.Timeout
	}
	if o.set["connections"] {
		sc.Connections = o.Connections
	}
	if o.set["http2"] {
		sc.HTTP2 = o.HTTP2
	}
	if o.set["follow-redirects"] {
		sc.FollowRedirects = o.FollowRedirects
	}
	if o.set["max-response-body"] {
		sc.MaxResponseBody, _ = scenarios.ParseSize(o.MaxResponseBody) // checked by validate
	}
	if err := o.applyHosts(sc); err != nil {
		return nil, err
	}
	if !o.set["seed"] {
		o.Seed = randomSeed()
	}
	if err := applyTLS(sc, o); err != nil {
		return nil, err
	}
	return sc, nil
}

// checkHostFlags checks each --host NAME=URL on its own (and that no name is given twice).
func (o *scenarioFlags) checkHostFlags() error {
	seen := map[string]bool{}
	for _, h := range o.Hosts {
		name, _, err := scenarios.ParseHostFlag(h)
		if err != nil {
			return fmt.Errorf("--host: %w", err)
		}
		if seen[name] {
			return fmt.Errorf("--host: %s is given twice, want each host once", name)
		}
		seen[name] = true
	}
	return nil
}

// applyHosts replaces the URLs of the scenario's hosts that --host names; a name the
// scenario does not declare is bad input.
func (o *scenarioFlags) applyHosts(sc *scenarios.Scenario) error {
	for _, h := range o.Hosts {
		name, base, err := scenarios.ParseHostFlag(h)
		if err != nil {
			return fmt.Errorf("--host: %w", err)
		}
		if _, ok := sc.Hosts[name]; !ok {
			return fmt.Errorf("--host %s: scenario %s names no host %q, its hosts are %s", name, sc.Source, name, scenarios.HostNames(sc.Hosts))
		}
		sc.Hosts[name] = base
	}
	return nil
}

// loadScenarioArg reads the scenario a run names (a built-in or a file) or its vegeta targets.
func loadScenarioArg(o *scenarioFlags) (*scenarios.Scenario, error) {
	if o.VegetaTargets == "" {
		return scenarios.Load(o.Scenario)
	}
	f, err := os.Open(o.VegetaTargets)
	if err != nil {
		return nil, fmt.Errorf("--vegeta-targets: %w", err)
	}
	defer f.Close()
	return scenarios.FromVegetaTargets(o.VegetaTargets, f)
}

// engineOptions compiles the scenario into the engine's options.
func engineOptions(sc *scenarios.Scenario, o *scenarioFlags, secret []byte) (engine.Options, error) {
	dir := "."
	switch {
	case o.VegetaTargets != "":
		dir = filepath.Dir(o.VegetaTargets)
	case !sc.Builtin():
		dir = sc.Dir()
	}
	eo := engine.Options{
		Scenario:    sc.Name,
		Target:      sc.Target,
		RatePerSec:  sc.Rate.PerSecond(),
		Duration:    sc.Duration,
		Timeout:     sc.Timeout,
		Connections: sc.Connections,
		HTTP2:       sc.HTTP2,
		TLS:         engineTLS(sc),
		Seed:        o.Seed,
		UserAgent:   "loadtest/" + version(),
		TuneProcess: true,
		Shard:       o.Shard,
	}
	if err := compileScenario(&eo, sc, scenarios.PlanOptions{Target: sc.Target, Seed: o.Seed, Secret: secret, Dir: dir,
		ShardIndex: o.Shard.Index, ShardCount: o.Shard.Count}); err != nil {
		return engine.Options{}, err
	}
	for _, st := range sc.Stages {
		eo.Stages = append(eo.Stages, engine.Stage{Duration: st.Duration, RatePerSec: st.Rate.PerSecond()})
	}
	if len(sc.Stages) > 0 && !o.set["duration"] {
		eo.Duration = 0 // the stages set the length
	}
	if err := eo.CheckShard(); err != nil {
		return engine.Options{}, fmt.Errorf("--shard: %w", err)
	}
	return eo, nil
}

// randomSeed picks the seed of a run that was given none; the result records it.
func randomSeed() int64 {
	var b [8]byte
	if _, err := rand.Read(b[:]); err != nil {
		return time.Now().UnixNano()
	}
	return int64(binary.LittleEndian.Uint64(b[:]) >> 1)
}
