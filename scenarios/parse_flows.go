package scenarios

import (
	"fmt"
	"github.com/loadtestdev/loadtest/internal/yamlnode"
	"maps"
	"math"
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
	stepFields  = []string{"name", "method", "path", "headers", "body", "form", "multipart", "json", "check", "extract", "on_failure", "think", "follow_redirects", "when", "poll"}
	checkFields = []string{"name", "status", "json", "header", "body_contains", "max_latency", "equals", "exists", "matches"}
)

func (p *parser) flows(n *yaml.Node) error {
	if n.Kind != yaml.SequenceNode || len(n.Content) == 0 {
		return p.errf(n, "flows", "flows must be a non-empty list of {name, weight, steps}, got %s", yamlnode.KindName(n))
	}
	names := uniqueNames{what: "flow name"}
	return p.eachMapping(n, "flows", "a flow is a mapping {name, weight, steps, on_failure}", func(item *yaml.Node, field string) error {
		f, err := p.flow(item, field)
		if err == nil {
			err = p.unique(&names, item, field+".name", f.Name, "give each flow its own name")
		}
		p.sc.Flows = append(p.sc.Flows, f)
		return err
	})
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

// flowReader is the state of the steps of one flow being read: Flow.Steps is flat, a group
// and then its steps.
type flowReader struct {
	flow     string
	known    map[string]int // each extracted value (or index) and the first step that sets it
	names    uniqueNames    // the request steps' names
	groups   uniqueNames    // the groups' names
	steps    []Step
	requests int
}

func (p *parser) steps(n *yaml.Node, prefix, flow string) ([]Step, error) {
	fr := &flowReader{flow: flow, known: map[string]int{},
		names:  uniqueNames{what: "step name", in: fmt.Sprintf(" in flow %q", flow)},
		groups: uniqueNames{what: "group name", in: fmt.Sprintf(" in flow %q", flow)}}
	defer func() { p.scope, p.inFlow, p.loop = stepScope{}, false, nil }()
	if n.Kind != yaml.SequenceNode || len(n.Content) == 0 {
		return nil, p.errf(n, prefix, "flow %q has no steps: steps must be a non-empty list of requests, think times and groups, got %s", flow, yamlnode.KindName(n))
	}
	if err := p.stepList(fr, n, prefix); err != nil {
		return nil, err
	}
	if fr.requests == 0 {
		return nil, p.errf(n, prefix, "flow %q has only think times: add a request step", flow)
	}
	return fr.steps, nil
}

// stepList reads a list of steps (a flow's or a group's) into fr.steps.
func (p *parser) stepList(fr *flowReader, n *yaml.Node, prefix string) error {
	const shape = "a step is a mapping {name, method, path, ...}, {think: 500ms} or {group: NAME, steps: [...]}"
	return p.eachMapping(n, prefix, shape, func(item *yaml.Node, field string) error {
		if hasKey(item, "group") {
			return p.group(fr, item, field)
		}
		i := len(fr.steps)
		p.scope, p.inFlow = stepScope{extractedBy: fr.known, step: i, loop: p.loop}, true
		st, err := p.step(item, field)
		if err != nil {
			return err
		}
		if st.IsRequest() {
			fr.requests++
			if err := p.unique(&fr.names, item, field+".name", st.Name, ""); err != nil {
				return err
			}
		}
		for _, e := range st.Extract {
			if p.indexes[e.Var] {
				return p.errf(item, field+".extract."+e.Var, "extract %s: %q is the index of a group: give the extracted value its own name", e.Var, e.Var)
			}
			if _, ok := fr.known[e.Var]; !ok {
				fr.known[e.Var] = i
			}
		}
		fr.steps = append(fr.steps, st)
		return nil
	})
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
		case "when":
			st.When, err = p.expression(v, field, false)
		case "poll":
			st.Poll, err = p.poll(v, field)
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

// maxPasses bounds a group's repeat and max.
const maxPasses = 1_000_000

// groupFields are the fields of a group of steps.
var groupFields = []string{"group", "when", "repeat", "while", "max", "index", "steps"}

// hasKey reports whether mapping m has the key.
func hasKey(m *yaml.Node, key string) bool {
	for i := 0; i+1 < len(m.Content); i += 2 {
		if m.Content[i].Value == key {
			return true
		}
	}
	return false
}

// group reads a group of steps: its own step (Step.Group) then its steps, into fr.steps.
func (p *parser) group(fr *flowReader, item *yaml.Node, prefix string) error {
	at := len(fr.steps)
	g := &Group{Repeat: 1}
	st := Step{Group: g}
	p.scope, p.inFlow = stepScope{extractedBy: fr.known, step: at, loop: p.loop}, true
	var stepsNode, whileNode, maxNode, repeatNode, indexNode *yaml.Node
	err := p.fields(item, groupFields, prefix+".", func(key string, _, v *yaml.Node) error {
		field := prefix + "." + key
		var err error
		switch key {
		case "group":
			if g.Name, err = p.str(v, field); err == nil {
				err = p.checkFlowName(v, field, g.Name)
			}
		case "when":
			st.When, err = p.expression(v, field, false)
		case "repeat":
			repeatNode = v
		case "while":
			whileNode = v
		case "max":
			maxNode = v
			g.Max, err = p.integer(v, field, 1, maxPasses)
		case "index":
			indexNode = v
			if g.Index, err = p.str(v, field); err == nil && !isIdentifier(g.Index) {
				err = p.errf(v, field, "index %q is not a name, want letters, digits and _ (e.g. index: i)", g.Index)
			}
		case "steps":
			stepsNode = v
		}
		return err
	})
	if err != nil {
		return err
	}
	if err := p.checkGroup(fr, item, prefix, g, repeatNode, whileNode, maxNode, stepsNode); err != nil {
		return err
	}
	if repeatNode != nil {
		if err := p.repeat(g, repeatNode, prefix+".repeat"); err != nil {
			return err
		}
	}
	fr.steps = append(fr.steps, st)
	if indexNode != nil {
		if err := p.groupIndex(fr, indexNode, prefix+".index", g.Index, at); err != nil {
			return err
		}
	}
	outer := p.loop
	if (whileNode != nil || g.Loops()) && outer == nil {
		p.loop = &loopScope{end: math.MaxInt}
	}
	if whileNode != nil { // checked before each pass: it sees what the group's steps extract
		p.scope = stepScope{extractedBy: fr.known, step: at + 1, loop: p.loop}
		if g.While, err = p.expression(whileNode, prefix+".while", false); err != nil {
			return err
		}
	}
	if err := p.stepList(fr, stepsNode, prefix+".steps"); err != nil {
		return err
	}
	g.Len = len(fr.steps) - at - 1
	if p.loop != outer {
		p.loop.end = len(fr.steps)
		p.loop = outer
	}
	return nil
}

// checkGroup checks the fields of a group that go together.
func (p *parser) checkGroup(fr *flowReader, item *yaml.Node, prefix string, g *Group, repeatNode, whileNode, maxNode, stepsNode *yaml.Node) error {
	switch {
	case g.Name == "":
		return p.errf(item, prefix+".group", "a group needs a name, e.g. group: feed")
	case repeatNode != nil && whileNode != nil:
		return p.errf(whileNode, prefix+".while", "group %q: repeat and while are exclusive: repeat a number of times or while a condition holds", g.Name)
	case whileNode != nil && maxNode == nil:
		return p.errf(whileNode, prefix+".while", "group %q: while needs max, the most passes (e.g. max: 20), so that a condition that never turns false cannot run forever", g.Name)
	case maxNode != nil && whileNode == nil:
		return p.errf(maxNode, prefix+".max", "group %q: max bounds the passes of while: it needs while", g.Name)
	case stepsNode == nil:
		return p.errf(item, prefix+".steps", "group %q has no steps: add steps: [{path: /echo}]", g.Name)
	case stepsNode.Kind != yaml.SequenceNode || len(stepsNode.Content) == 0:
		return p.errf(stepsNode, prefix+".steps", "group %q has no steps: steps must be a non-empty list, got %s", g.Name, yamlnode.KindName(stepsNode))
	}
	return p.unique(&fr.groups, item, prefix+".group", g.Name, "")
}

// repeat reads a group's repeat: a whole number, or a template rendered at the group's start.
func (p *parser) repeat(g *Group, n *yaml.Node, field string) error {
	s, err := p.str(n, field)
	if err != nil {
		return err
	}
	if strings.Contains(s, "{{") {
		g.RepeatTemplate = s
		p.pending(field, n)
		return nil
	}
	g.Repeat, err = p.integer(n, field, 0, maxPasses)
	return err
}

// groupIndex declares a group's index variable, known from the group on.
func (p *parser) groupIndex(fr *flowReader, n *yaml.Node, field, name string, at int) error {
	if _, ok := fr.known[name]; ok || p.indexes[name] {
		return p.errf(n, field, "index %q is already extracted or the index of another group: give it its own name", name)
	}
	fr.known[name] = at
	if p.indexes == nil {
		p.indexes = map[string]bool{}
	}
	p.indexes[name] = true
	if p.extracted == nil {
		p.extracted = map[string]*yaml.Node{}
	}
	if _, ok := p.extracted[name]; !ok {
		p.extracted[name] = n // checkFlows: not also a variable
	}
	return nil
}

// isIdentifier reports whether s is a name a template and a condition can use.
func isIdentifier(s string) bool {
	for i, r := range s {
		if !(r == '_' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || i > 0 && r >= '0' && r <= '9') {
			return false
		}
	}
	return s != ""
}

// pollFields are the fields of a step's poll.
var pollFields = []string{"interval", "timeout", "until"}

// poll reads a step's poll: re-send every interval until the condition holds, at most timeout.
func (p *parser) poll(n *yaml.Node, field string) (*Poll, error) {
	if n.Kind != yaml.MappingNode {
		return nil, p.errf(n, field, "poll is a mapping {interval: 200ms, timeout: 10s, until: 'state == \"done\"'}, got %s", yamlnode.KindName(n))
	}
	pl := &Poll{Interval: time.Second}
	var timeoutSet bool
	err := p.fields(n, pollFields, field+".", func(key string, _, v *yaml.Node) error {
		var err error
		switch key {
		case "interval":
			pl.Interval, err = p.duration(v, field+".interval")
		case "timeout":
			timeoutSet = true
			pl.Timeout, err = p.duration(v, field+".timeout")
		case "until":
			pl.Until, err = p.expression(v, field+".until", true)
		}
		return err
	})
	switch {
	case err != nil:
		return nil, err
	case pl.Until == nil:
		return nil, p.errf(n, field+".until", "poll needs until, the condition that ends it (e.g. until: 'state == \"done\"')")
	case !timeoutSet:
		return nil, p.errf(n, field+".timeout", "poll needs timeout, how long it may last (e.g. timeout: 10s)")
	case pl.Interval > pl.Timeout:
		return nil, p.errf(n, field+".interval", "poll interval %s is longer than its timeout %s", pl.Interval, pl.Timeout)
	}
	return pl, nil
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
