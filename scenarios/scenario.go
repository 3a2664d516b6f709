// Package scenarios parses and validates scenario files (YAML), holds the built-in scenarios,
// and compiles a scenario into a Plan: the goroutine-safe source of hits the engine sends.
package scenarios

import (
	"slices"
	"time"
)

// Scenario is a parsed, validated scenario file. Zero Rate with no Stages means "as fast as
// possible" with Connections workers.
type Scenario struct {
	Name        string
	Description string
	// Source is where the scenario came from: a file path or "builtin:NAME".
	Source string
	Target string // base URL; empty means "the bundled server started by the run"
	// Hosts are the scenario's named hosts (name → scheme://host[:port]), which
	// {{ hosts.NAME }} puts in a path, header, body or check; PlanOptions.Hosts overrides them.
	Hosts       map[string]string
	Rate        Rate
	Stages      []Stage
	Duration    time.Duration
	Timeout     time.Duration
	Connections int // workers and at most this many connections; 0 = engine default
	HTTP2       bool
	Headers     map[string]string
	Requests    []Request
	// Flows, instead of Requests, are multi-step journeys run as iterations at the rate.
	Flows []Flow
	// MaxSessions bounds the flow iterations in progress at once (default DefaultMaxSessions);
	// a start that finds them all busy is dropped and counted.
	MaxSessions int
	Variables   map[string]string
	// Feeder is the CSV file whose rows {{ csv.COLUMN }} reads, relative to the scenario file.
	Feeder string
	// Order is how hits pick among Requests: OrderRandom (weighted, seeded) or OrderSequential.
	Order Order
	// Thresholds are the raw threshold expressions; the gate package parses and evaluates them.
	Thresholds []string
	// FollowRedirects is how many redirects each request follows (0, the default: none, the
	// 3xx is the request's answer); a request or step may say otherwise.
	FollowRedirects int
	// TLS is the tls field: CA bundle, client certificate, server name, insecure.
	TLS TLS
	// MaxResponseBody is how many bytes of a response body a flow step's checks and
	// extractions read (0: DefaultMaxResponseBody); a longer body is cut there.
	MaxResponseBody int64
}

// MaxRedirects bounds follow_redirects and --follow-redirects.
const MaxRedirects = 30

// RequestNames lists the request names in scenario order, once each: the names a threshold
// may be scoped to, and the ones a compiled Plan reports (Plan.Names). A scenario with flows
// names its request steps "FLOW/STEP".
func (s *Scenario) RequestNames() []string {
	if len(s.Flows) > 0 {
		return s.flowRequestNames()
	}
	var names []string
	for _, r := range s.Requests {
		if !slices.Contains(names, r.Name) {
			names = append(names, r.Name)
		}
	}
	return names
}

// Order is how a Plan picks the request of each hit.
type Order string

// The orders a scenario may ask for.
const (
	// OrderRandom picks each hit's request at random in proportion to the weights, from the
	// run's seed (the default).
	OrderRandom Order = "random"
	// OrderSequential cycles through the requests in file order, each repeated weight times
	// (vegeta's round robin over a targets file).
	OrderSequential Order = "sequential"
)

// Rate is Freq requests per Per, like vegeta.Rate.
type Rate struct {
	Freq int
	Per  time.Duration
}

// PerSecond returns the rate in requests per second (0 for a zero rate).
func (r Rate) PerSecond() float64 {
	if r.Freq == 0 || r.Per == 0 {
		return 0
	}
	return float64(r.Freq) / r.Per.Seconds()
}

// Stage is one piece of a ramp: over Duration the rate moves linearly from the previous
// stage's rate (0 before the first) to Rate.
type Stage struct {
	Duration time.Duration
	Rate     Rate
}

// Request is one weighted request of a scenario. Path, Headers and Body may hold templates.
type Request struct {
	Name    string
	Weight  int
	Method  string
	Path    string
	Headers map[string]string
	Body    string
	// BodyKind says how the body was written: Body (BodyText), or BodyParts (json:, form:,
	// multipart:) whose values are encoded by the kind.
	BodyKind  BodyKind
	BodyParts []BodyPart
	// ContentType is the Content-Type the body implies (a JSON text, json:, form:,
	// multipart:), sent unless the request's or the scenario's headers set one.
	ContentType string
	// FollowRedirects, when set, overrides the scenario's follow_redirects for this request.
	FollowRedirects *int
}

// PlanOptions are what compiling a scenario needs from the run.
type PlanOptions struct {
	// Target is the base URL hits go to (scheme://host:port), overriding Scenario.Target.
	Target string
	// Hosts override the scenario's named hosts (--host NAME=URL); each name must be one the
	// scenario declares under hosts.
	Hosts map[string]string
	// Seed makes the weighted choice and the random templates deterministic.
	Seed int64
	// Secret is the bundled server's token secret, for token(uid); nil when unknown.
	Secret []byte
	// Dir is the directory relative file references (CSV feeders) are resolved from.
	Dir string
	// ShardIndex of ShardCount, when ShardCount > 1, compiles the plan of one shard of a
	// sharded run: its k-th hit (from 0) is the whole run's hit k·ShardCount + ShardIndex,
	// with that hit's request and template values, and it takes the feeder rows ShardIndex,
	// ShardIndex+ShardCount, ... (see Plan).
	ShardIndex, ShardCount int
}
