package har

import (
	"bytes"
	"fmt"
	"strconv"

	"go.yaml.in/yaml/v3"
)

// yaml writes the scenario: one flow of the steps, think steps between them, each step
// checking the status it got when recorded.
func (b *builder) yaml() ([]byte, error) {
	root := mapping()
	add(root, "name", str(b.o.Name))
	add(root, "description", str(fmt.Sprintf("imported from a HAR recording by loadtest scenarios import: %d steps", len(b.steps))))
	add(root, "target", str(b.target))
	add(root, "rate", str("1/s"))
	add(root, "duration", str("1m"))
	add(root, "max_sessions", str("50"))
	if len(b.vars) > 0 {
		vars := mapping()
		for _, kv := range b.vars {
			add(vars, kv[0], quoted(kv[1]))
		}
		add(root, "variables", vars)
	}
	steps := &yaml.Node{Kind: yaml.SequenceNode}
	for _, s := range b.steps {
		if s.think > 0 {
			t := mapping()
			add(t, "think", str(s.think.String()))
			steps.Content = append(steps.Content, t)
		}
		steps.Content = append(steps.Content, s.node())
	}
	flow := mapping()
	add(flow, "name", str(b.o.Name))
	add(flow, "steps", steps)
	add(root, "flows", &yaml.Node{Kind: yaml.SequenceNode, Content: []*yaml.Node{flow}})

	var buf bytes.Buffer
	buf.WriteString("# Recorded values a later request sent back are extracted and templated; secrets are\n")
	buf.WriteString("# variables to fill in (CHANGE-ME). Run it with: loadtest run FILE --target URL\n")
	enc := yaml.NewEncoder(&buf)
	enc.SetIndent(2)
	if err := enc.Encode(&yaml.Node{Kind: yaml.DocumentNode, Content: []*yaml.Node{root}}); err != nil {
		return nil, fmt.Errorf("har: writing the scenario: %w", err)
	}
	return buf.Bytes(), enc.Close()
}

func (s *step) node() *yaml.Node {
	n := mapping()
	add(n, "name", str(s.name))
	add(n, "method", str(s.method))
	add(n, "path", quoted(s.pathTmpl))
	if len(s.headers) > 0 {
		h := mapping()
		for _, kv := range s.headers {
			add(h, kv[0], quoted(kv[1]))
		}
		add(n, "headers", h)
	}
	if s.body != "" {
		add(n, "body", quoted(s.body))
	}
	if s.follow > 0 {
		add(n, "follow_redirects", str(strconv.Itoa(s.follow)))
	}
	if s.status > 0 {
		c := mapping()
		add(c, "status", str(strconv.Itoa(s.status)))
		add(n, "check", &yaml.Node{Kind: yaml.SequenceNode, Content: []*yaml.Node{c}})
	}
	if len(s.extract) > 0 {
		ex := mapping()
		for _, e := range s.extract {
			src := mapping()
			add(src, e.kind, quoted(e.expr))
			add(ex, e.variable, src)
		}
		add(n, "extract", ex)
	}
	return n
}

func mapping() *yaml.Node { return &yaml.Node{Kind: yaml.MappingNode} }

func add(m *yaml.Node, key string, v *yaml.Node) {
	m.Content = append(m.Content, str(key), v)
}

func str(s string) *yaml.Node { return &yaml.Node{Kind: yaml.ScalarNode, Value: s} }

// quoted is a scalar that stays a string whatever it holds ("{{ x }}" would read as a map).
func quoted(s string) *yaml.Node {
	return &yaml.Node{Kind: yaml.ScalarNode, Value: s, Style: yaml.SingleQuotedStyle}
}
