package runner

import (
	"errors"
	"fmt"
	"time"

	"github.com/loadtestdev/loadtest/engine"
	"github.com/loadtestdev/loadtest/internal/target"
	"github.com/loadtestdev/loadtest/scenarios"
)

// Debug modes of a traced run (loadtest run --debug).
const (
	DebugRedacted = "redacted" // --debug: secret headers redacted
	DebugFull     = "full"     // --debug=full: everything as sent and received
)

// Settings are what a user sets for a run (loadtest run's flags) besides its files: the
// scenario and its overrides, sampling, thresholds, the shard, live metrics, the cluster and
// the debug trace. Validate checks them on their own, before the scenario is loaded.
type Settings struct {
	ScenarioOptions

	SampleInterval time.Duration // how often both sides' host metrics are sampled
	ServerStats    bool          // poll the target's GET /stats for the server side
	// Thresholds are the --threshold expressions; NoThresholds drops the scenario's and the
	// default ones.
	Thresholds   []string
	NoThresholds bool
	AbortOnFail  bool
	// Reports are the --report FORMAT=FILE specs, written after the run by the caller.
	Reports   []string
	ShardSpec string // --shard I/N, parsed into ScenarioOptions.Shard by Validate
	Metrics   MetricsOptions
	Cluster   ClusterOptions
	// Debug is DebugRedacted or DebugFull for a traced run; DebugRequests is --debug-requests.
	Debug         string
	DebugRequests int
}

// Validate checks the settings on their own and parses the shard; the scenario is checked
// when it is loaded. Errors name the flag and say what is allowed.
func (o *Settings) Validate() error {
	switch {
	case o.Scenario == "" && o.VegetaTargets == "":
		return errors.New("run: name a scenario (echo, cache, db, swiper or a FILE.yaml) or give --vegeta-targets FILE")
	case o.Scenario != "" && o.VegetaTargets != "":
		return errors.New("run: give a scenario or --vegeta-targets, not both")
	}
	if err := o.ScenarioOptions.Validate(); err != nil {
		return err
	}
	if o.SampleInterval <= 0 {
		return fmt.Errorf("--sample-interval: %s is not allowed, want a positive duration such as 1s", o.SampleInterval)
	}
	if o.ShardSpec != "" {
		s, err := ParseShard(o.ShardSpec)
		if err != nil {
			return err
		}
		if s.Sharded() && !o.Set["seed"] && !o.Cluster.Active() { // a coordinated shard takes the run's seed
			return errors.New("--shard: give --seed N too, the same to every shard, so that the shards send between them the requests of one run")
		}
		o.Shard = s
	}
	if err := o.validateDebug(); err != nil {
		return err
	}
	if err := o.Metrics.Validate(); err != nil {
		return err
	}
	return o.Cluster.Bind(o.Shard)
}

// validateDebug checks the debug settings on their own and against those a debug run ignores.
func (o *Settings) validateDebug() error {
	switch {
	case o.Debug == "" && o.DebugRequests != 0:
		return errors.New("--debug-requests: needs --debug")
	case o.Debug == "":
		return nil
	case o.Debug != DebugRedacted && o.Debug != DebugFull:
		return fmt.Errorf("--debug: %q is not allowed, want --debug (secrets redacted) or --debug=full", o.Debug)
	case o.DebugRequests < 0 || o.DebugRequests > MaxDebugRequests:
		return fmt.Errorf("--debug-requests: %d is not allowed, want 1 to %d", o.DebugRequests, MaxDebugRequests)
	}
	for _, name := range []string{"rate", "connections", "duration"} {
		if o.Set[name] {
			return fmt.Errorf("--debug: sends one request at a time, without a rate: drop --%s", name)
		}
	}
	if o.ShardSpec != "" || o.AbortOnFail || len(o.Reports) > 0 || o.Metrics.Listen != "" {
		return errors.New("--debug: is a single traced run: drop --shard, --abort-on-fail, --report and --metrics-listen")
	}
	if len(o.Thresholds) > 0 {
		return errors.New("--debug: judges the iteration itself (exit 0 or 99), no threshold: drop --threshold")
	}
	return nil
}

// ProbeSettings are what a user sets for a probe (loadtest probe's flags) besides its files.
// Of the scenario overrides a probe takes the target, secret, TLS, hosts, connections and
// timeout; each step lasts StepDuration and the rate is the search's.
type ProbeSettings struct {
	ScenarioOptions

	SLOs           []string
	Start, Max     string // the rates of the first step and the highest to try, e.g. 100/s
	StepDuration   time.Duration
	MaxSteps       int
	PrecisionPct   float64
	Pause          time.Duration
	SampleInterval time.Duration // how often both hosts are sampled during each step

	// StartRate and MaxRate are Start and Max in requests per second, set by Validate.
	StartRate, MaxRate float64
}

// Validate checks the settings on their own and parses the rates. Errors name the flag.
func (o *ProbeSettings) Validate() error {
	var err error
	if err = o.CheckHosts(); err != nil {
		return err
	}
	if o.StartRate, err = probeRate("--start", o.Start); err != nil {
		return err
	}
	if o.MaxRate, err = probeRate("--max", o.Max); err != nil {
		return err
	}
	switch {
	case o.MaxRate < o.StartRate:
		return fmt.Errorf("probe: --max %s is below --start %s", o.Max, o.Start)
	case o.StepDuration <= 0:
		return fmt.Errorf("probe: --step-duration %s, want a positive duration such as 10s", o.StepDuration)
	case o.Connections < 0 || o.Connections > engine.MaxConnections:
		return fmt.Errorf("probe: --connections %d, want 1 to %d", o.Connections, engine.MaxConnections)
	case o.MaxSteps < 1:
		return fmt.Errorf("probe: --max-steps %d, want 1 or more", o.MaxSteps)
	case o.PrecisionPct <= 0 || o.PrecisionPct >= 100:
		return fmt.Errorf("probe: --precision %g, want a percentage between 0 and 100 such as 5", o.PrecisionPct)
	case o.Pause < 0:
		return fmt.Errorf("probe: --pause %s, want 0 or a positive duration", o.Pause)
	case o.SampleInterval <= 0:
		return fmt.Errorf("probe: --sample-interval %s, want a positive duration such as 1s", o.SampleInterval)
	case o.Target != "":
		if _, err := target.Parse(o.Target); err != nil {
			return fmt.Errorf("probe: --target: %w", err)
		}
	}
	return nil
}

func probeRate(flag, s string) (float64, error) {
	r, err := scenarios.ParseRate(s)
	if err != nil {
		return 0, fmt.Errorf("probe: %s: %w", flag, err)
	}
	if r.PerSecond() <= 0 {
		return 0, fmt.Errorf("probe: %s %q: want a positive rate such as 100/s", flag, s)
	}
	return r.PerSecond(), nil
}
