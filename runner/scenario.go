package runner

import (
	"crypto/rand"
	"encoding/binary"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/loadtestdev/loadtest/engine"
	"github.com/loadtestdev/loadtest/internal/target"
	"github.com/loadtestdev/loadtest/scenarios"
)

// DefaultDuration is how long a run sends where neither the scenario nor an override says.
const DefaultDuration = 10 * time.Second

// TLSOverrides replace the scenario's tls fields of the same name, each one when given.
type TLSOverrides struct {
	Insecure                                  bool
	CACert, ClientCert, ClientKey, ServerName string
}

// TLSOverrideNames are the names (flags) of the TLS overrides, as ScenarioOptions.Set keys them.
var TLSOverrideNames = []string{"insecure", "ca-cert", "client-cert", "client-key", "server-name"}

// ScenarioOptions say which scenario a run loads and what replaces its fields. Only the
// fields named in Set (by their flag name: "rate", "duration", "target", "timeout",
// "connections", "http2", "follow-redirects", "max-response-body", "seed" and the
// TLSOverrideNames) replace the scenario's; Hosts and Secret always apply.
type ScenarioOptions struct {
	Scenario      string // built-in name or file; empty with VegetaTargets
	VegetaTargets string // a vegeta http targets file to send instead of a scenario
	Rate          string
	Connections   int
	Duration      time.Duration
	Target        string
	Timeout       time.Duration
	Seed          int64
	Secret        string // the target server's token secret, for token(uid) in templates
	HTTP2         bool
	TLS           TLSOverrides
	// FollowRedirects replaces the scenario's follow_redirects (a request's or step's own
	// still wins).
	FollowRedirects int
	// MaxResponseBody replaces the scenario's max_response_body (a size such as 16MiB).
	MaxResponseBody string
	// Hosts are NAME=URL pairs, each replacing the URL of a host the scenario names.
	Hosts []string
	// Shard is the part of a sharded run to send (zero: the whole run).
	Shard engine.Shard

	// Set tells which overrides were given.
	Set map[string]bool
}

// Validate checks the overrides on their own; the scenario is checked when it is loaded.
// Errors name the flag.
func (o *ScenarioOptions) Validate() error {
	if o.Set["rate"] {
		if _, err := scenarios.ParseRate(o.Rate); err != nil {
			return fmt.Errorf("--rate: %w", err)
		}
	}
	if o.Set["connections"] && (o.Connections < 1 || o.Connections > engine.MaxConnections) {
		return fmt.Errorf("--connections: %d is not allowed, want 1 to %d", o.Connections, engine.MaxConnections)
	}
	if o.Set["follow-redirects"] && (o.FollowRedirects < 0 || o.FollowRedirects > scenarios.MaxRedirects) {
		return fmt.Errorf("--follow-redirects: %d is not allowed, want 0 (a 3xx is the answer) to %d", o.FollowRedirects, scenarios.MaxRedirects)
	}
	if o.Set["max-response-body"] {
		n, err := scenarios.ParseSize(o.MaxResponseBody)
		if err == nil {
			err = scenarios.CheckMaxResponseBody(n)
		}
		if err != nil {
			return fmt.Errorf("--max-response-body: %w", err)
		}
	}
	if err := o.CheckHosts(); err != nil {
		return err
	}
	if o.Set["duration"] && o.Duration <= 0 {
		return fmt.Errorf("--duration: %s is not allowed, want a positive duration such as 30s", o.Duration)
	}
	if o.Set["timeout"] && o.Timeout <= 0 {
		return fmt.Errorf("--timeout: %s is not allowed, want a positive duration such as 5s", o.Timeout)
	}
	if o.Set["target"] {
		if _, err := target.Parse(o.Target); err != nil {
			return fmt.Errorf("--target: %w", err)
		}
	}
	return nil
}

// CheckHosts checks each Hosts NAME=URL on its own (and that no name is given twice).
func (o *ScenarioOptions) CheckHosts() error {
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

// LoadScenario loads the scenario (or vegeta targets file) of a run or probe and applies the
// overrides; with no seed given it picks one (o.Seed, recorded in the result). Errors are
// bad input.
func LoadScenario(o *ScenarioOptions) (*scenarios.Scenario, error) {
	sc, err := loadSource(o)
	if err != nil {
		return nil, err
	}
	if o.Set["rate"] {
		r, _ := scenarios.ParseRate(o.Rate) // checked by Validate
		sc.Rate, sc.Stages = r, nil
	}
	if o.Set["duration"] {
		sc.Duration = o.Duration
	}
	if sc.Duration == 0 && len(sc.Stages) == 0 {
		sc.Duration = DefaultDuration
	}
	if o.Set["target"] {
		sc.Target = o.Target
	}
	if o.Set["timeout"] {
		sc.Timeout = o.Timeout
	}
	if o.Set["connections"] {
		sc.Connections = o.Connections
	}
	if o.Set["http2"] {
		sc.HTTP2 = o.HTTP2
	}
	if o.Set["follow-redirects"] {
		sc.FollowRedirects = o.FollowRedirects
	}
	if o.Set["max-response-body"] {
		sc.MaxResponseBody, _ = scenarios.ParseSize(o.MaxResponseBody) // checked by Validate
	}
	if err := o.applyHosts(sc); err != nil {
		return nil, err
	}
	if !o.Set["seed"] {
		o.Seed = randomSeed()
	}
	if err := applyTLS(sc, o); err != nil {
		return nil, err
	}
	return sc, nil
}

// applyHosts replaces the URLs of the scenario's hosts that Hosts names; a name the scenario
// does not declare is bad input.
func (o *ScenarioOptions) applyHosts(sc *scenarios.Scenario) error {
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

// loadSource reads the scenario a run names (a built-in or a file) or its vegeta targets.
func loadSource(o *ScenarioOptions) (*scenarios.Scenario, error) {
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
func engineOptions(sc *scenarios.Scenario, o *ScenarioOptions, secret []byte, userAgent string) (engine.Options, error) {
	dir := "."
	switch {
	case o.VegetaTargets != "":
		dir = filepath.Dir(o.VegetaTargets)
	case !sc.Builtin():
		dir = sc.Dir()
	}
	eo := engine.Options{
		Scenario: sc.Name, Target: sc.Target, RatePerSec: sc.Rate.PerSecond(), Duration: sc.Duration,
		Timeout: sc.Timeout, Connections: sc.Connections, HTTP2: sc.HTTP2, TLS: engineTLS(sc),
		Seed: o.Seed, UserAgent: userAgent, TuneProcess: true, Shard: o.Shard,
	}
	po := scenarios.PlanOptions{Target: sc.Target, Seed: o.Seed, Secret: secret, Dir: dir, ShardIndex: o.Shard.Index, ShardCount: o.Shard.Count}
	if len(sc.Flows) > 0 {
		fp, err := sc.FlowPlan(po)
		if err != nil {
			return engine.Options{}, err
		}
		eo.FlowPlan, eo.MaxSessions = fp, sc.MaxSessions
	} else {
		plan, err := sc.Plan(po)
		if err != nil {
			return engine.Options{}, err
		}
		eo.Targeter = plan
	}
	for _, st := range sc.Stages {
		eo.Stages = append(eo.Stages, engine.Stage{Duration: st.Duration, RatePerSec: st.Rate.PerSecond()})
	}
	if len(sc.Stages) > 0 && !o.Set["duration"] {
		eo.Duration = 0 // the stages set the length
	}
	if err := eo.CheckShard(); err != nil {
		return engine.Options{}, fmt.Errorf("--shard: %w", err)
	}
	return eo, nil
}

// applyTLS resolves the scenario's tls file names against its directory, replaces what the
// overrides give, and reads the files once, so that a bad one is bad input naming its flag
// or field and file, before any load is sent. sc.TLS is left as the run will use it.
func applyTLS(sc *scenarios.Scenario, o *ScenarioOptions) error {
	t := &sc.TLS
	from := map[string]string{} // engine field -> where the file came from
	file := func(dst *string, scenarioValue, field, flag, flagValue string) {
		*dst = sc.ResolvedFile(scenarioValue)
		from[field] = fmt.Sprintf("%s: tls.%s", sc.Source, flagToField(flag))
		if o.Set[flag] {
			*dst, from[field] = flagValue, "--"+flag
		}
	}
	file(&t.CACert, t.CACert, engine.TLSFieldCACert, "ca-cert", o.TLS.CACert)
	file(&t.ClientCert, t.ClientCert, engine.TLSFieldClientCert, "client-cert", o.TLS.ClientCert)
	file(&t.ClientKey, t.ClientKey, engine.TLSFieldClientKey, "client-key", o.TLS.ClientKey)
	if o.Set["insecure"] {
		t.Insecure = o.TLS.Insecure
	}
	if o.Set["server-name"] {
		t.ServerName = o.TLS.ServerName
	}
	switch {
	case t.ClientCert != "" && t.ClientKey == "":
		return fmt.Errorf("%s %s: a client certificate needs its key, give --client-key or tls.client_key", from[engine.TLSFieldClientCert], t.ClientCert)
	case t.ClientCert == "" && t.ClientKey != "":
		return fmt.Errorf("%s %s: a client key needs its certificate, give --client-cert or tls.client_cert", from[engine.TLSFieldClientKey], t.ClientKey)
	}
	_, err := engineTLS(sc).Config()
	var fe *engine.TLSFileError
	if errors.As(err, &fe) {
		return fmt.Errorf("%s %s: %w", from[fe.Field], fe.File, fe.Err)
	}
	return err
}

// flagToField is the scenario field of a TLS flag: ca-cert is tls.ca_cert.
func flagToField(flag string) string {
	b := []byte(flag)
	for i, c := range b {
		if c == '-' {
			b[i] = '_'
		}
	}
	return string(b)
}

// engineTLS is the engine's view of the scenario's TLS field (after applyTLS).
func engineTLS(sc *scenarios.Scenario) engine.TLSOptions {
	return engine.TLSOptions{Insecure: sc.TLS.Insecure, CACertFile: sc.TLS.CACert, ClientCertFile: sc.TLS.ClientCert,
		ClientKeyFile: sc.TLS.ClientKey, ServerName: sc.TLS.ServerName}
}

// randomSeed picks the seed of a run that was given none; the result records it.
func randomSeed() int64 {
	var b [8]byte
	if _, err := rand.Read(b[:]); err != nil {
		return time.Now().UnixNano()
	}
	return int64(binary.LittleEndian.Uint64(b[:]) >> 1)
}
