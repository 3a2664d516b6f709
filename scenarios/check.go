package scenarios

import (
	"fmt"
	"github.com/loadtestdev/loadtest/internal/yamlnode"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"
)

// checkConditions are the keys that give a check its condition; exactly one per check.
var checkConditions = []string{string(CheckStatus), string(CheckJSON), string(CheckHeader), string(CheckBodyContains), string(CheckMaxLatency)}

// checks reads a step's check list.
func (p *parser) checks(n *yaml.Node, field string) ([]Check, error) {
	if n.Kind != yaml.SequenceNode || len(n.Content) == 0 {
		return nil, p.errf(n, field, "check must be a non-empty list, e.g. [{status: 200}, {json: $.ok, equals: true}], got %s", yamlnode.KindName(n))
	}
	var out []Check
	for i, item := range n.Content {
		item = yamlnode.Resolve(item)
		f := fmt.Sprintf("%s[%d]", field, i)
		if item.Kind != yaml.MappingNode {
			return nil, p.errf(item, f, "a check is a mapping such as {status: 200} or {json: $.ok, equals: true}, got %s", yamlnode.KindName(item))
		}
		c, err := p.check(item, f)
		if err != nil {
			return nil, err
		}
		out = append(out, c)
	}
	return out, nil
}

func (p *parser) check(item *yaml.Node, field string) (Check, error) {
	var c Check
	var testNodes []*yaml.Node
	var testKeys []string
	err := p.fields(item, checkFields, field+".", func(key string, k, v *yaml.Node) error {
		f := field + "." + key
		var err error
		if contains(checkConditions, key) {
			if c.Kind != "" {
				return p.errf(k, f, "a check has one condition, this one has %s and %s: write two checks", c.Kind, key)
			}
			c.Kind = CheckKind(key)
		}
		switch key {
		case "name":
			if c.Name, err = p.str(v, f); err == nil && strings.TrimSpace(c.Name) == "" {
				err = p.errf(v, f, "name is blank")
			}
		case "status":
			c.Status, err = p.statusCodes(v, f)
		case "json":
			if c.Path, err = p.str(v, f); err == nil {
				if _, _, perr := jsonPath(c.Path); perr != nil {
					err = p.errf(v, f, "%v", perr)
				}
			}
		case "header":
			if c.Header, err = p.str(v, f); err == nil && !validHeaderName(c.Header) {
				err = p.errf(v, f, "%q is not a valid header name", c.Header)
			}
		case "body_contains":
			if c.Text, err = p.str(v, f); err == nil && c.Text == "" {
				err = p.errf(v, f, "body_contains is empty: every body contains the empty text")
			}
			p.pending(f, v) // body_contains may use the iteration's values: '<b>{{ me }}</b>'

		case "max_latency":
			c.MaxLatency, err = p.duration(v, f)
		case "equals", "exists", "matches":
			testNodes, testKeys = append(testNodes, v), append(testKeys, key)
		}
		return err
	})
	if err != nil {
		return c, err
	}
	if c.Kind == "" {
		return c, p.errf(item, field, "check has no condition, want one of %s (e.g. {status: 200})", strings.Join(checkConditions, ", "))
	}
	if err := p.checkTest(&c, item, field, testNodes, testKeys); err != nil {
		return c, err
	}
	if c.Name == "" {
		c.Name = c.describe()
	}
	return c, nil
}

// checkTest reads the equals, exists or matches of a json or header check.
func (p *parser) checkTest(c *Check, item *yaml.Node, field string, nodes []*yaml.Node, keys []string) error {
	if c.Kind != CheckJSON && c.Kind != CheckHeader {
		if len(keys) > 0 {
			return p.errf(nodes[0], field+"."+keys[0], "%s applies to json and header checks, not to %s", keys[0], c.Kind)
		}
		return nil
	}
	switch len(keys) {
	case 0:
		return p.errf(item, field, "%s check has no condition: add equals: VALUE, exists: true or matches: REGEXP", c.Kind)
	case 1:
	default:
		return p.errf(nodes[1], field+"."+keys[1], "a check tests one thing, this one has %s and %s: write two checks", keys[0], keys[1])
	}
	v, f := nodes[0], field+"."+keys[0]
	c.Test = CheckTest(keys[0])
	var err error
	switch c.Test {
	case TestEquals:
		if v.Kind != yaml.ScalarNode {
			return p.errf(v, f, "equals must be a single value (text, number, true, false or null), got %s", yamlnode.KindName(v))
		}
		c.Value = v.Value
		if v.Tag == "!!null" {
			c.Value = "null"
		}
		p.pending(f, v) // equals may use the iteration's values: equals: "{{ uid }}"
	case TestExists:
		if c.Exists, err = p.boolean(v, f); err != nil {
			return err
		}
		if c.Kind == CheckHeader && !c.Exists {
			return nil
		}
	case TestMatches:
		if c.Value, err = p.str(v, f); err != nil {
			return err
		}
		if _, err := compileMatch(matchSkeleton(c.Value)); err != nil {
			return p.errf(v, f, "%v", err)
		}
		p.pending(f, v) // matches may use the iteration's values, quoted: '^{{ uid }}-\d+$'

	}
	return nil
}

// statusCodes reads a status code or a list of them.
func (p *parser) statusCodes(n *yaml.Node, field string) ([]int, error) {
	items := []*yaml.Node{n}
	if n.Kind == yaml.SequenceNode {
		if len(n.Content) == 0 {
			return nil, p.errf(n, field, "status lists no code, want e.g. 200 or [200, 201]")
		}
		items = n.Content
	}
	var codes []int
	for _, it := range items {
		c, err := p.integer(yamlnode.Resolve(it), field, 100, 599)
		if err != nil {
			return nil, err
		}
		codes = append(codes, c)
	}
	return codes, nil
}

// describe is a check written out: its default name.
func (c *Check) describe() string {
	switch c.Kind {
	case CheckStatus:
		if len(c.Status) == 1 {
			return "status " + strconv.Itoa(c.Status[0])
		}
		s := make([]string, len(c.Status))
		for i, v := range c.Status {
			s[i] = strconv.Itoa(v)
		}
		return "status in [" + strings.Join(s, ", ") + "]"
	case CheckBodyContains:
		return "body_contains " + strconv.Quote(c.Text)
	case CheckMaxLatency:
		return "max_latency " + c.MaxLatency.String()
	}
	what := "json " + c.Path
	if c.Kind == CheckHeader {
		what = "header " + c.Header
	}
	switch c.Test {
	case TestExists:
		if !c.Exists {
			return what + " does not exist"
		}
		return what + " exists"
	case TestMatches:
		return what + " matches " + c.Value
	}
	return what + " equals " + c.Value
}
