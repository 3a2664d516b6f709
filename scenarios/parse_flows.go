package scenarios

import (
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"
)

// DefaultMaxSessions is how many flow iterations may be in progress at once when a scenario
// with flows gives no max_sessions.
const DefaultMaxSessions = 100

// The fields of a flow, of one of its steps, and of a step's check.
var (
	flowFields  = []string{"name", "weight", "steps", "on_failure"}
	stepFields  = []string{"name", "method", "path", "headers", "body", "form", "multipart", "json", "check", "extract", "on_failure", "think", "follow_redirects"}
	checkFields = []string{"name", "status", "json", "header", "body_contains", "max_latency", "equals", "exists", "matches"}
)

func (p *parser) flows(n *yaml.Node) error {
	if n.Kind != yaml.SequenceNode || len(n.Content) == 0 {
		return p.errf(n, "flows", "flows must be a non-empty list of {name, weight, steps}, got %s", kindName(n))
	}
	names := map[string]int{}
	for i, item := range n.Content {
		item = resolve(item)
		prefix := fmt.Sprintf("flows[%d]", i)
		if item.Kind != yaml.MappingNode {
			return p.errf(item, prefix, "a flow is a mapping {name, weight, steps, on_failure}, got %s", kindName(item))
		}
		f, err := p.flow(item, prefix)
		if err != nil {
			return err
		}
		if line, ok := names[f.Name]; ok {
			return p.errf(item, prefix+".name", "flow name %q is used twice (first at line %d): give each flow its own name", f.Name, line)
		}
		names[f.Name] = item.Line
		p.sc.Flows = append(p.sc.Flows, f)
	}
	return nil
}

func (p *parser) flow(item *yaml.Node, prefix string) (Flow, error) {
	f := Flow{Weight: 1, OnFailure: OnFailureStop}
	var stepsNode *yaml.Node
	err := p.fields(item, flowFields, prefix+".", func(key string, _, v *yaml.Node) error {
		field := prefix + "." + key
		var err error
		switch key {
		case "name":
			if f.Name, err = p.str(v, field); err == nil {
				err = p.checkFlowName(v, field, f.Name)
			}
		case "weight":
			f.Weight, err = p.integer(v, field, 1, maxWeight)
		case "on_failure":
			f.OnFailure, err = p.onFailure(v, field)
		case "steps":
			stepsNode = v
		}
		return err
	})
	if err != nil {
		return f, err
	}
	if f.Name == "" {
		return f, p.errf(item, prefix+".name", "a flow needs a name, e.g. name: login")
	}
	if stepsNode == nil {
		return f, p.errf(item, prefix+".steps", "flow %q has no steps: add steps: [{path: /echo}]", f.Name)
	}
	f.Steps, err = p.steps(stepsNode, prefix+".steps", f.Name)
	return f, err
}

// checkFlowName rejects names that cannot be told apart in "FLOW/STEP" or in a threshold.
func (p *parser) checkFlowName(n *yaml.Node, field, name string) error {
	switch {
	case strings.TrimSpace(name) == "":
		return p.errf(n, field, "name is blank")
	case strings.ContainsAny(name, "/ \t"):
		return p.errf(n, field, "flow name %q: want a name without / or spaces (steps are named FLOW/STEP)", name)
	}
	return nil
}

func (p *parser) steps(n *yaml.Node, prefix, flow string) ([]Step, error) {
	if n.Kind != yaml.SequenceNode || len(n.Content) == 0 {
		return nil, p.errf(n, prefix, "flow %q has no steps: steps must be a non-empty list of requests and think times, got %s", flow, kindName(n))
	}
	known := map[string]int{} // each extracted value and the first step that extracts it
	names := map[string]int{}
	var steps []Step
	requests := 0
	defer func() { p.scope, p.inFlow = stepScope{}, false }()
	for i, item := range n.Content {
		item = resolve(item)
		field := fmt.Sprintf("%s[%d]", prefix, i)
		if item.Kind != yaml.MappingNode {
			return nil, p.errf(item, field, "a step is a mapping {name, method, path, ...} or {think: 500ms}, got %s", kindName(item))
		}
		p.scope, p.inFlow = stepScope{extractedBy: known, step: i}, true
		st, err := p.step(item, field)
		if err != nil {
			return nil, err
		}
		if st.Think == nil {
			requests++
			if line, ok := names[st.Name]; ok {
				return nil, p.errf(item, field+".name", "step name %q is used twice in flow %q (first at line %d)", st.Name, flow, line)
			}
			names[st.Name] = item.Line
		}
		for _, e := range st.Extract {
			if _, ok := known[e.Var]; !ok {
				known[e.Var] = i
			}
		}
		steps = append(steps, st)
	}
	if requests == 0 {
		return nil, p.errf(n, prefix, "flow %q has only think times: add a request step", flow)
	}
	return steps, nil
}

func (p *parser) step(item *yaml.Node, prefix string) (Step, error) {
	st := Step{Request: Request{Weight: 1, Method: "GET"}}
	var hasPath bool
	var thinkNode *yaml.Node
	others := 0
	err := p.fields(item, stepFields, prefix+".", func(key string, _, v *yaml.Node) error {
		field := prefix + "." + key
		var err error
		switch key {
		case "think":
			thinkNode = v
			st.Think, err = p.think(v, field)
			return err
		case "check":
			st.Checks, err = p.checks(v, field)
		case "extract":
			st.Extract, err = p.extracts(v, field)
		case "on_failure":
			st.OnFailure, err = p.onFailure(v, field)
		default:
			err = p.requestField(&st.Request, key, field, v, &hasPath)
		}
		others++
		return err
	})
	if err != nil {
		return st, err
	}
	if thinkNode != nil {
		if others > 0 {
			return st, p.errf(item, prefix+".think", "a think step has only think, e.g. {think: 500ms}: put the request in a step of its own")
		}
		return st, nil
	}
	if !hasPath {
		return st, p.errf(item, prefix+".path", "a step needs a path (e.g. path: /echo) or is a think time (think: 500ms)")
	}
	if st.Name == "" {
		st.Name = st.Method + " " + st.Path
	}
	if strings.Contains(st.Name, "/") && st.Name != st.Method+" "+st.Path {
		return st, p.errf(item, prefix+".name", "step name %q: want a name without / (steps are named FLOW/STEP)", st.Name)
	}
	return st, nil
}

// think reads a think time: a duration (500ms) or a uniform range (200ms..1s).
func (p *parser) think(n *yaml.Node, field string) (*Think, error) {
	s, err := p.str(n, field)
	if err != nil {
		return nil, err
	}
	t, ok := parseThink(s)
	if !ok {
		return nil, p.errf(n, field, "think %q is not a duration or a range, want e.g. 500ms or 200ms..1s (min ≤ max, not negative)", s)
	}
	return t, nil
}

func parseThink(s string) (*Think, bool) {
	lo, hi, isRange := strings.Cut(strings.TrimSpace(s), "..")
	if !isRange {
		hi = lo
	}
	min, err1 := time.ParseDuration(strings.TrimSpace(lo))
	max, err2 := time.ParseDuration(strings.TrimSpace(hi))
	if err1 != nil || err2 != nil || min < 0 || max < min || max == 0 {
		return nil, false
	}
	return &Think{Min: min, Max: max}, true
}

func (p *parser) onFailure(n *yaml.Node, field string) (OnFailure, error) {
	s, err := p.str(n, field)
	if err != nil {
		return "", err
	}
	switch OnFailure(s) {
	case OnFailureStop, OnFailureContinue:
		return OnFailure(s), nil
	}
	return "", p.errf(n, field, "on_failure %q is not stop or continue", s)
}

// checkFlows checks what needs the whole file: an extracted variable may not shadow one of
// the variables (their values would be ambiguous in the steps before the extraction).
func (p *parser) checkFlows() error {
	for _, name := range slices.Sorted(maps.Keys(p.extracted)) {
		n := p.extracted[name]
		if _, ok := p.sc.Variables[name]; ok {
			return p.errf(n, "extract."+name, "extract %s: %q is also defined under variables; give the extracted value its own name", name, name)
		}
	}
	return nil
}
