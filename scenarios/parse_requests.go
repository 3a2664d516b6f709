package scenarios

import (
	"errors"
	"fmt"
	"github.com/loadtestdev/loadtest/internal/suggest"
	"github.com/loadtestdev/loadtest/internal/yamlnode"
	"maps"
	"net/textproto"
	"net/url"
	"slices"
	"sort"
	"strings"

	"go.yaml.in/yaml/v3"
)

func canonicalHeaderKey(s string) string { return textproto.CanonicalMIMEHeaderKey(s) }

func (p *parser) requests(n *yaml.Node) error {
	if n.Kind != yaml.SequenceNode {
		return p.errf(n, "requests", "requests must be a list, e.g. requests: [{path: /echo}], got %s", yamlnode.KindName(n))
	}
	names := uniqueNames{what: "request name"}
	return p.eachMapping(n, "requests", "a request is a mapping {name, weight, method, path, headers, body}", func(item *yaml.Node, field string) error {
		r, err := p.request(item, field)
		if err == nil {
			err = p.unique(&names, item, field+".name", r.Name, "give each request its own name")
		}
		p.sc.Requests = append(p.sc.Requests, r)
		return err
	})
}

// eachMapping walks a list whose items are mappings (requests, flows, steps), naming each
// item FIELD[i] in errors; shape says what an item looks like when one is not a mapping.
func (p *parser) eachMapping(n *yaml.Node, field, shape string, each func(item *yaml.Node, field string) error) error {
	for i, item := range n.Content {
		item = yamlnode.Resolve(item)
		f := fmt.Sprintf("%s[%d]", field, i)
		if item.Kind != yaml.MappingNode {
			return p.errf(item, f, "%s, got %s", shape, yamlnode.KindName(item))
		}
		if err := each(item, f); err != nil {
			return err
		}
	}
	return nil
}

// uniqueNames are the names given so far in one list (of requests, flows, a flow's steps)
// and the line of each.
type uniqueNames struct {
	what, in string // "step name", " in flow \"login\""
	lines    map[string]int
}

// unique rejects a name given twice in a list, naming the line of the first; hint says how to
// fix it.
func (p *parser) unique(u *uniqueNames, n *yaml.Node, field, name, hint string) error {
	if line, ok := u.lines[name]; ok {
		msg := fmt.Sprintf("%s %q is used twice%s (first at line %d)", u.what, name, u.in, line)
		if hint != "" {
			msg += ": " + hint
		}
		return p.errf(n, field, "%s", msg)
	}
	if u.lines == nil {
		u.lines = map[string]int{}
	}
	u.lines[name] = n.Line
	return nil
}

func (p *parser) request(item *yaml.Node, prefix string) (Request, error) {
	r := Request{Weight: 1, Method: "GET"}
	var hasPath bool
	err := p.fields(item, requestFields, prefix+".", func(key string, _, v *yaml.Node) error {
		if key == "weight" {
			var err error
			r.Weight, err = p.integer(v, prefix+"."+key, 1, maxWeight)
			return err
		}
		return p.requestField(&r, key, prefix+"."+key, v, &hasPath)
	})
	if err != nil {
		return r, err
	}
	if !hasPath {
		return r, p.errf(item, prefix+".path", "a request needs a path, e.g. path: /echo")
	}
	if r.Name == "" {
		r.Name = r.Method + " " + r.Path
	}
	return r, nil
}

// requestField reads one of the fields a request and a flow's step share: name, method, path,
// headers and body.
func (p *parser) requestField(r *Request, key, field string, v *yaml.Node, hasPath *bool) error {
	var err error
	switch key {
	case "name":
		if r.Name, err = p.str(v, field); err == nil && strings.TrimSpace(r.Name) == "" {
			err = p.errf(v, field, "name is blank")
		}
	case "method":
		if r.Method, err = p.str(v, field); err == nil {
			r.Method = strings.ToUpper(r.Method)
			if !validMethod(r.Method) {
				err = p.errf(v, field, "method %q is not an HTTP method, want one of %s", v.Value, strings.Join(httpMethods, ", "))
			}
		}
	case "path":
		*hasPath = true
		if r.Path, err = p.str(v, field); err == nil {
			err = p.wrap(v, field, checkPath(r.Path))
			p.pending(field, v)
		}
	case "headers":
		r.Headers, err = p.headers(v, field)
	case "follow_redirects":
		var n int
		if n, err = p.integer(v, field, 0, MaxRedirects); err == nil {
			r.FollowRedirects = &n
		}
	case "body", "form", "multipart", "json":
		return p.bodyField(r, key, field, v)
	}
	return err
}

// checkTemplates compiles every templated field and checks the names they use: variables
// must exist and not refer to each other in a cycle, and CSV columns need a feeder.
func (p *parser) checkTemplates() error {
	deps := map[string][]string{}
	for _, t := range p.templates {
		ops, err := parseTemplate(t.node.Value)
		if err != nil {
			var te *templateError
			errors.As(err, &te)
			return newError(p.path, lineAt(t.node, te.offset), t.field, "%s: %s", t.field, te.msg)
		}
		vars, columns := templateNames(ops)
		for _, v := range vars {
			if _, ok := p.sc.Variables[v]; !ok && !t.scope.has(v) {
				if t.inFlow {
					return p.errf(t.node, t.field, "%s: %q is not extracted by an earlier step of the flow nor defined under variables (%s)",
						t.field, v, unknownName(v, p.sc.Variables))
				}
				return p.errf(t.node, t.field, "%s: %s", t.field, unknownName(v, p.sc.Variables))
			}
		}
		if len(columns) > 0 && p.sc.Feeder == "" {
			return p.errf(t.node, t.field, "%s: csv.%s needs a feeder: add \"feeder: FILE.csv\" (a CSV file with a header row)", t.field, columns[0])
		}
		if err := p.checkHosts(ops); err != nil {
			return p.errf(t.node, t.field, "%s: %v", t.field, err)
		}
		if strings.HasSuffix(t.field, ".path") {
			if err := checkPathURL(ops, p.sc.Hosts); err != nil {
				return p.errf(t.node, t.field, "%s: %v", t.field, err)
			}
		}
		if name, ok := strings.CutPrefix(t.field, "variables."); ok {
			deps[name] = vars
		}
	}
	return p.checkCycles(deps)
}

func unknownName(name string, vars map[string]string) string {
	known := make([]string, 0, len(vars))
	for v := range vars {
		known = append(known, v)
	}
	sort.Strings(known)
	msg := fmt.Sprintf("unknown function or variable %q, want one of %s", name, strings.Join(funcNames, ", "))
	if len(known) > 0 {
		msg += " or a variable (" + strings.Join(known, ", ") + ")"
	} else {
		msg += ", or declare it under variables"
	}
	if c := suggest.Closest(name, append(known, funcNames...)); c != "" {
		msg += fmt.Sprintf("; did you mean %q?", c)
	}
	return msg
}

// checkCycles rejects variables that depend on themselves.
func (p *parser) checkCycles(deps map[string][]string) error {
	if _, err := variableOrder(deps); err != nil {
		var ce *cycleError
		if errors.As(err, &ce) {
			return p.errf(p.varNodes[ce.path[0]], "variables."+ce.path[0], "%v", err)
		}
		return err
	}
	return nil
}

// cycleError names variables that refer to each other in a circle.
type cycleError struct{ path []string }

func (e *cycleError) Error() string {
	return fmt.Sprintf("variables %s refer to each other in a cycle", strings.Join(e.path, " → "))
}

// variableOrder returns the variables in an order where each comes after those it uses
// (sorted by name among equals, so the order is deterministic).
func variableOrder(deps map[string][]string) ([]string, error) {
	names := make([]string, 0, len(deps))
	for n := range deps {
		names = append(names, n)
	}
	sort.Strings(names)
	const (
		_ = iota // unvisited
		visiting
		done
	)
	state := map[string]int{}
	var order, stack []string
	var visit func(n string) error
	visit = func(n string) error {
		switch state[n] {
		case done:
			return nil
		case visiting:
			i := len(stack) - 1
			for i > 0 && stack[i] != n {
				i--
			}
			return &cycleError{path: append(append([]string{}, stack[i:]...), n)}
		}
		state[n] = visiting
		stack = append(stack, n)
		for _, d := range deps[n] {
			if err := visit(d); err != nil {
				return err
			}
		}
		stack = stack[:len(stack)-1]
		state[n] = done
		order = append(order, n)
		return nil
	}
	for _, n := range names {
		if err := visit(n); err != nil {
			return nil, err
		}
	}
	return order, nil
}

// checkHosts checks that the hosts a template names are declared under hosts.
func (p *parser) checkHosts(ops []op) error {
	for _, name := range templateHosts(ops) {
		if _, ok := p.sc.Hosts[name]; !ok {
			msg := fmt.Sprintf("unknown host %q, the scenario's hosts are %s", name, HostNames(p.sc.Hosts))
			if c := suggest.Closest(name, slices.Collect(maps.Keys(p.sc.Hosts))); c != "" {
				msg += fmt.Sprintf("; did you mean %q?", c)
			}
			return errors.New(msg)
		}
	}
	return nil
}

// checkPathURL checks that a path is a valid URL whatever its templates render (each is
// stood in for by a digit, a host by its URL); a path that starts with a host must name it
// alone before its own path ({{ hosts.api }}/x).
func checkPathURL(ops []op, hosts map[string]string) error {
	var b strings.Builder
	for i, o := range ops {
		switch o.kind {
		case opText:
			b.WriteString(o.text)
		case opHost:
			if i > 0 {
				return fmt.Errorf("{{ hosts.%s }} must start the path, as in {{ hosts.%s }}/path", o.name, o.name)
			}
			b.WriteString(hosts[o.name])
		default:
			b.WriteByte('0')
		}
	}
	if len(ops) > 0 && ops[0].kind == opHost {
		rest := strings.TrimPrefix(b.String(), hosts[ops[0].name])
		if rest != "" && !strings.HasPrefix(rest, "/") && !strings.HasPrefix(rest, "?") {
			return fmt.Errorf("{{ hosts.%s }} must be followed by a path (/...), got %q", ops[0].name, rest)
		}
	}
	if _, err := url.Parse(b.String()); err != nil {
		return fmt.Errorf("not a valid URL: %v", errors.Unwrap(err))
	}
	return nil
}

// lineAt is the line of a byte offset inside a scalar's value.
func lineAt(n *yaml.Node, offset int) int {
	line := n.Line
	if n.Style&(yaml.LiteralStyle|yaml.FoldedStyle) != 0 {
		line++ // a block scalar's text starts on the line after its indicator
	}
	if offset > len(n.Value) {
		offset = len(n.Value)
	}
	return line + strings.Count(n.Value[:offset], "\n")
}
