package scenarios

import (
	"bytes"
	"errors"
	"fmt"
	"github.com/loadtestdev/loadtest/internal/lazyregexp"
	"github.com/loadtestdev/loadtest/internal/suggest"
	"github.com/loadtestdev/loadtest/internal/yamlnode"
	"io"
	"math"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"
)

// DefaultDuration is how long a scenario runs when it gives neither duration nor stages.
const DefaultDuration = 10 * time.Second

// The fields a scenario file and each of its requests and stages may have.
var (
	scenarioFields = []string{"name", "description", "target", "rate", "stages", "duration", "timeout",
		"connections", "http2", "hosts", "headers", "feeder", "order", "variables", "requests", "thresholds", "flows", "max_sessions",
		"follow_redirects", "max_response_body", "tls"}
	requestFields = []string{"name", "weight", "method", "path", "headers", "body", "form", "multipart", "json", "follow_redirects"}
	stageFields   = []string{"duration", "rate"}
)

// MaxConnections is the most workers (hence connections) a run may have: the bound of a
// scenario file's connections field, of --connections, and of the engine's
// Options.Connections (engine.MaxConnections is this constant). The engine starts workers
// on demand, so a high cap costs nothing until the run needs it.
const MaxConnections = 1_000_000

// ConnectionsRangeError is the one wording of a connections count outside 1..MaxConnections:
// the parser says it after the file and line, the engine after "engine:".
func ConnectionsRangeError(n int) error {
	return fmt.Errorf("connections %d is out of range, want 1 to %d", n, MaxConnections)
}

// maxWeight bounds a request's weight so that the sum of weights cannot overflow.
const maxWeight = 1_000_000

// Parse parses and validates a scenario file's bytes; path names the file in errors and in
// Scenario.Source. Every problem is an *Error naming the line and the field.
func Parse(path string, data []byte) (*Scenario, error) {
	dec := yaml.NewDecoder(bytes.NewReader(data))
	var doc yaml.Node
	if err := dec.Decode(&doc); err != nil {
		if errors.Is(err, io.EOF) {
			return nil, newError(path, 0, "", "the file is empty, want a mapping of fields such as name, rate and requests")
		}
		return nil, yamlError(path, err)
	}
	var extra yaml.Node
	if err := dec.Decode(&extra); !errors.Is(err, io.EOF) {
		if err != nil {
			return nil, yamlError(path, err)
		}
		return nil, newError(path, extra.Line, "", "more than one YAML document (---), want one scenario per file")
	}
	p := &parser{path: path, sc: &Scenario{Source: path, Order: OrderRandom}}
	root := &doc
	if root.Kind == yaml.DocumentNode && len(root.Content) == 1 {
		root = root.Content[0]
	}
	if err := p.scenario(yamlnode.Resolve(root)); err != nil {
		return nil, err
	}
	if err := p.checkTemplates(); err != nil {
		return nil, err
	}
	if err := p.checkExprs(); err != nil {
		return nil, err
	}
	return p.sc, nil
}

var yamlLine = lazyregexp.New(`^yaml: (?:unmarshal errors:\s*)?line (\d+): (.*)$`)

// yamlError turns a YAML syntax error into an *Error with its line.
func yamlError(path string, err error) *Error {
	msg := strings.TrimSpace(err.Error())
	if m := yamlLine.FindStringSubmatch(msg); m != nil {
		line, _ := strconv.Atoi(m[1])
		return newError(path, line, "", "bad YAML: %s", m[2])
	}
	return newError(path, 0, "", "bad YAML: %s", strings.TrimPrefix(msg, "yaml: "))
}

// parser walks a scenario's YAML nodes and fills a Scenario.
type parser struct {
	path      string
	sc        *Scenario
	templates []pendingTemplate
	varNodes  map[string]*yaml.Node
	// scope and inFlow are the step being read (see pendingTemplate); flowNodes are the
	// flows' extracted variables by name, for checkFlows.
	scope     stepScope
	inFlow    bool
	extracted map[string]*yaml.Node
	// exprs are the flows' conditions, compiled by checkExprs once every variable is known;
	// indexes are the names of the groups' index variables (ints in conditions)
	exprs   []pendingExpr
	indexes map[string]bool
	// loop is the outermost repeat or while group being read (nil outside one)
	loop *loopScope
	// body is the request whose body field was read last, and that field (bodyField)
	body struct {
		of  *Request
		key string
	}
}

// pendingTemplate is a templated field, checked once every variable is known.
type pendingTemplate struct {
	field string
	node  *yaml.Node
	// scope holds the values a flow step's template may use besides the variables: those
	// extracted by earlier steps; inFlow says the template is a step's.
	scope  stepScope
	inFlow bool
}

// stepScope is what a flow's step may use besides the variables: the values extracted by the
// steps before it. The steps of a flow share one map of each value to the first step that
// extracts it, so the scopes of n steps cost O(n), not a copy per step.
type stepScope struct {
	extractedBy map[string]int
	step        int
	// loop is the outermost repeating group around the step: a value extracted anywhere in it
	// is known (from an earlier pass, or not yet: empty, nil in a condition)
	loop *loopScope
}

// loopScope is where a repeating group's steps end (set once the group is read).
type loopScope struct{ end int }

// has reports whether value v is extracted by a step before the scope's, or in its loop.
func (s stepScope) has(v string) bool {
	at, ok := s.extractedBy[v]
	return ok && (at < s.step || s.loop != nil && at < s.loop.end)
}

// pending records a templated field for checkTemplates, in the scope of the step being read.
func (p *parser) pending(field string, n *yaml.Node) {
	p.templates = append(p.templates, pendingTemplate{field: field, node: n, scope: p.scope, inFlow: p.inFlow})
}

func (p *parser) errf(n *yaml.Node, field, format string, args ...any) *Error {
	return newError(p.path, n.Line, field, format, args...)
}

func (p *parser) scenario(root *yaml.Node) error {
	if root.Kind != yaml.MappingNode {
		return p.errf(root, "", "a scenario is a mapping of fields (name, rate, requests, ...), got %s", yamlnode.KindName(root))
	}
	var rateNode, stagesNode, durationNode, requestsNode, flowsNode, sessionsNode, connectionsNode, maxBodyNode *yaml.Node
	err := p.fields(root, scenarioFields, "", func(key string, k, v *yaml.Node) error {
		var err error
		switch key {
		case "name":
			p.sc.Name, err = p.str(v, key)
		case "description":
			p.sc.Description, err = p.str(v, key)
		case "target":
			if p.sc.Target, err = p.str(v, key); err == nil {
				_, perr := parseTarget(p.sc.Target)
				err = p.wrap(v, key, perr)
			}
		case "rate":
			rateNode = v
			p.sc.Rate, err = p.rate(v, key)
		case "stages":
			stagesNode = v
			err = p.stages(v)
		case "duration":
			durationNode = v
			p.sc.Duration, err = p.duration(v, key)
		case "timeout":
			p.sc.Timeout, err = p.duration(v, key)
		case "connections":
			connectionsNode = v
			p.sc.Connections, err = p.connections(v, key)
		case "http2":
			p.sc.HTTP2, err = p.boolean(v, key)
		case "follow_redirects":
			p.sc.FollowRedirects, err = p.integer(v, key, 0, MaxRedirects)
		case "tls":
			err = p.tls(v)
		case "hosts":
			err = p.hosts(v)
		case "headers":
			p.sc.Headers, err = p.headers(v, key)
		case "feeder":
			p.sc.Feeder, err = p.str(v, key)
		case "order":
			err = p.order(v)
		case "variables":
			err = p.variables(v)
		case "requests":
			requestsNode = v
			err = p.requests(v)
		case "flows":
			flowsNode = v
			err = p.flows(v)
		case "max_response_body":
			maxBodyNode = v
			p.sc.MaxResponseBody, err = p.maxResponseBody(v, key)
		case "max_sessions":
			sessionsNode = v
			p.sc.MaxSessions, err = p.integer(v, key, 1, MaxConnections)
		case "thresholds":
			err = p.thresholds(v)
		}
		return err
	})
	if err != nil {
		return err
	}
	switch {
	case rateNode != nil && stagesNode != nil:
		return p.errf(stagesNode, "stages", "rate and stages are exclusive: give a steady rate or a list of stages, not both")
	case durationNode != nil && stagesNode != nil:
		return p.errf(durationNode, "duration", "duration and stages are exclusive: the run lasts as long as its stages add up to")
	case requestsNode != nil && flowsNode != nil:
		return p.errf(flowsNode, "flows", "requests and flows are exclusive: a scenario is a mix of requests or a set of flows, not both")
	case connectionsNode != nil && flowsNode != nil:
		return p.errf(connectionsNode, "connections", "connections bounds the workers of requests: flows are bounded by max_sessions (the sessions, hence the requests in flight)")
	case maxBodyNode != nil && flowsNode == nil:
		return p.errf(maxBodyNode, "max_response_body", "max_response_body bounds the body a flow step's checks and extractions read: it needs flows")
	case sessionsNode != nil && flowsNode == nil:
		return p.errf(sessionsNode, "max_sessions", "max_sessions bounds flow iterations: it needs flows (a scenario of requests has connections)")
	case len(p.sc.Requests) == 0 && len(p.sc.Flows) == 0:
		return p.errf(root, "requests", "no requests: add a requests list, e.g. requests: [{path: /echo}], or a flows list")
	}
	if err := p.checkFlows(); err != nil {
		return err
	}
	if stagesNode != nil {
		for _, st := range p.sc.Stages {
			p.sc.Duration += st.Duration
		}
	} else if p.sc.Duration == 0 {
		p.sc.Duration = DefaultDuration
	}
	if p.sc.Name == "" {
		p.sc.Name = strings.TrimSuffix(filepath.Base(p.path), filepath.Ext(p.path))
	}
	return nil
}

// fields walks a mapping's key/value pairs, rejecting unknown and repeated keys.
func (p *parser) fields(m *yaml.Node, allowed []string, prefix string, each func(key string, k, v *yaml.Node) error) error {
	seen := map[string]int{}
	for i := 0; i+1 < len(m.Content); i += 2 {
		k, v := m.Content[i], yamlnode.Resolve(m.Content[i+1])
		if k.Kind != yaml.ScalarNode {
			return p.errf(k, prefix, "field names are plain words, got %s", yamlnode.KindName(k))
		}
		if line, ok := seen[k.Value]; ok {
			return p.errf(k, prefix+k.Value, "field %q appears twice (first at line %d)", k.Value, line)
		}
		seen[k.Value] = k.Line
		if !contains(allowed, k.Value) {
			msg := fmt.Sprintf("unknown field %q, want one of %s", k.Value, strings.Join(allowed, ", "))
			if c := suggest.Closest(k.Value, allowed); c != "" {
				msg += fmt.Sprintf("; did you mean %q?", c)
			}
			return p.errf(k, prefix+k.Value, "%s", msg)
		}
		if err := each(k.Value, k, v); err != nil {
			return err
		}
	}
	return nil
}

func (p *parser) wrap(n *yaml.Node, field string, err error) error {
	if err == nil {
		return nil
	}
	return p.errf(n, field, "%v", err)
}

func (p *parser) scalar(n *yaml.Node, field string) error {
	if n.Kind != yaml.ScalarNode {
		return p.errf(n, field, "%s must be a single value, got %s", field, yamlnode.KindName(n))
	}
	if n.Tag == "!!null" {
		return p.errf(n, field, "%s has no value", field)
	}
	return nil
}

func (p *parser) str(n *yaml.Node, field string) (string, error) {
	if err := p.scalar(n, field); err != nil {
		return "", err
	}
	return n.Value, nil
}

func (p *parser) rate(n *yaml.Node, field string) (Rate, error) {
	if err := p.scalar(n, field); err != nil {
		return Rate{}, err
	}
	r, err := ParseRate(n.Value)
	if err != nil {
		return Rate{}, p.errf(n, field, "%s %v", leaf(field), err)
	}
	return r, nil
}

func (p *parser) duration(n *yaml.Node, field string) (time.Duration, error) {
	if err := p.scalar(n, field); err != nil {
		return 0, err
	}
	d, err := time.ParseDuration(n.Value)
	if err != nil {
		return 0, p.errf(n, field, "%s %q is not a duration, want e.g. 30s or 1m30s", leaf(field), n.Value)
	}
	if d <= 0 {
		return 0, p.errf(n, field, "%s %s must be positive", leaf(field), n.Value)
	}
	return d, nil
}

func (p *parser) integer(n *yaml.Node, field string, lo, hi int) (int, error) {
	if err := p.scalar(n, field); err != nil {
		return 0, err
	}
	v, err := strconv.Atoi(n.Value)
	if err != nil {
		return 0, p.errf(n, field, "%s %q is not a whole number", leaf(field), n.Value)
	}
	if v < lo || v > hi {
		return 0, p.errf(n, field, "%s %d is out of range, want %d to %d", leaf(field), v, lo, hi)
	}
	return v, nil
}

// connections is the connections field: a whole number in 1..MaxConnections.
func (p *parser) connections(n *yaml.Node, field string) (int, error) {
	v, err := p.integer(n, field, math.MinInt, math.MaxInt)
	if err != nil {
		return 0, err
	}
	if v < 1 || v > MaxConnections {
		return 0, p.errf(n, field, "%w", ConnectionsRangeError(v))
	}
	return v, nil
}

func (p *parser) boolean(n *yaml.Node, field string) (bool, error) {
	if err := p.scalar(n, field); err != nil {
		return false, err
	}
	if n.Tag == "!!bool" {
		if b, err := strconv.ParseBool(strings.ToLower(n.Value)); err == nil {
			return b, nil
		}
	}
	return false, p.errf(n, field, "%s %q is not true or false", leaf(field), n.Value)
}

func (p *parser) order(n *yaml.Node) error {
	s, err := p.str(n, "order")
	if err != nil {
		return err
	}
	switch Order(s) {
	case OrderRandom, OrderSequential:
		p.sc.Order = Order(s)
		return nil
	}
	return p.errf(n, "order", "order %q is not random or sequential", s)
}

func (p *parser) stages(n *yaml.Node) error {
	if n.Kind != yaml.SequenceNode || len(n.Content) == 0 {
		return p.errf(n, "stages", "stages must be a non-empty list of {duration, rate}, got %s", yamlnode.KindName(n))
	}
	for i, item := range n.Content {
		item = yamlnode.Resolve(item)
		prefix := fmt.Sprintf("stages[%d].", i)
		if item.Kind != yaml.MappingNode {
			return p.errf(item, prefix[:len(prefix)-1], "a stage is a mapping {duration, rate}, got %s", yamlnode.KindName(item))
		}
		var st Stage
		var hasDuration, hasRate bool
		err := p.fields(item, stageFields, prefix, func(key string, _, v *yaml.Node) error {
			var err error
			if key == "duration" {
				hasDuration = true
				st.Duration, err = p.duration(v, prefix+key)
			} else {
				hasRate = true
				st.Rate, err = p.rate(v, prefix+key)
			}
			return err
		})
		if err != nil {
			return err
		}
		if !hasDuration || !hasRate {
			return p.errf(item, prefix[:len(prefix)-1], "a stage needs both duration and rate, e.g. {duration: 30s, rate: 500/s}")
		}
		p.sc.Stages = append(p.sc.Stages, st)
	}
	return nil
}

// headers reads a mapping of header names to (templated) values.
func (p *parser) headers(n *yaml.Node, field string) (map[string]string, error) {
	if n.Kind != yaml.MappingNode {
		return nil, p.errf(n, field, "%s must be a mapping of header names to values, got %s", field, yamlnode.KindName(n))
	}
	h := map[string]string{}
	seen := map[string]int{}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], yamlnode.Resolve(n.Content[i+1])
		name := k.Value
		if k.Kind != yaml.ScalarNode || !validHeaderName(name) {
			return nil, p.errf(k, field, "%q is not a valid header name", name)
		}
		canon := canonicalHeaderKey(name)
		if line, ok := seen[canon]; ok {
			return nil, p.errf(k, field+"."+name, "header %q appears twice (first at line %d)", name, line)
		}
		seen[canon] = k.Line
		value, err := p.str(v, field+"."+name)
		if err != nil {
			return nil, err
		}
		if strings.ContainsAny(value, "\r\n") {
			return nil, p.errf(v, field+"."+name, "header %s: a value cannot contain a line break", name)
		}
		if i := strings.IndexFunc(value, func(r rune) bool { return r < ' ' && r != '\t' || r == 0x7f }); i >= 0 {
			return nil, p.errf(v, field+"."+name, "header %s: a value cannot contain the control byte %#02x", name, value[i])
		}
		h[canon] = value
		p.pending(field+"."+name, v)
	}
	return h, nil
}

func (p *parser) variables(n *yaml.Node) error {
	if n.Kind != yaml.MappingNode {
		return p.errf(n, "variables", "variables must be a mapping of names to templates, got %s", yamlnode.KindName(n))
	}
	p.sc.Variables = map[string]string{}
	p.varNodes = map[string]*yaml.Node{}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], yamlnode.Resolve(n.Content[i+1])
		name := k.Value
		field := "variables." + name
		switch {
		case k.Kind != yaml.ScalarNode || !isIdent(name):
			return p.errf(k, "variables", "%q is not a variable name, want letters, digits and _ (e.g. uid)", name)
		case isFuncName(name):
			return p.errf(k, field, "%q is a template function, choose another variable name", name)
		case p.varNodes[name] != nil:
			return p.errf(k, field, "variable %q appears twice (first at line %d)", name, p.varNodes[name].Line)
		}
		value, err := p.str(v, field)
		if err != nil {
			return err
		}
		p.sc.Variables[name] = value
		p.varNodes[name] = v
		p.pending(field, v)
	}
	return nil
}

func (p *parser) thresholds(n *yaml.Node) error {
	if n.Kind != yaml.SequenceNode {
		return p.errf(n, "thresholds", `thresholds must be a list of expressions, e.g. ["p99 < 250ms"], got %s`, yamlnode.KindName(n))
	}
	for i, item := range n.Content {
		item = yamlnode.Resolve(item)
		s, err := p.str(item, fmt.Sprintf("thresholds[%d]", i))
		if err != nil {
			return err
		}
		if strings.TrimSpace(s) == "" {
			return p.errf(item, fmt.Sprintf("thresholds[%d]", i), "threshold %d is empty", i+1)
		}
		p.sc.Thresholds = append(p.sc.Thresholds, s)
	}
	return nil
}

// leaf is the last element of a field path: "requests[2].path" → "path".
func leaf(field string) string {
	if i := strings.LastIndexByte(field, '.'); i >= 0 {
		return field[i+1:]
	}
	return field
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}
