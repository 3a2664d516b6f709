package scenarios

import (
	"errors"
	"fmt"
	"github.com/loadtestdev/loadtest/internal/suggest"
	"maps"
	"slices"
	"strconv"
	"strings"

	"github.com/expr-lang/expr"
	"github.com/expr-lang/expr/ast"
	"github.com/expr-lang/expr/file"
	"github.com/expr-lang/expr/types"
	"github.com/expr-lang/expr/vm"
	"github.com/tidwall/gjson"
	"go.yaml.in/yaml/v3"
)

// Expr is a condition of a flow (when, while, until): an expression of
// github.com/expr-lang/expr over the iteration's values, compiled once when the scenario is
// read. Variables are strings; extracted values keep their JSON type (a JSON number is a
// float64, true and false are bools, null is nil, an array or object is a list or a map; a
// header, cookie or regex value is a string, a status an int) and are nil until a step has
// extracted them; a group's index is an int; status is the status code of the last response.
type Expr struct {
	Source  string
	Line    int
	program *vm.Program
	names   []string // the names it reads, sorted
}

// StatusName is the built-in name of the last response's status code in a flow's conditions.
const StatusName = "status"

// pendingExpr is a condition waiting for every variable to be known (checkExprs).
type pendingExpr struct {
	e     *Expr
	node  *yaml.Node
	field string
	scope stepScope
}

// expression reads a condition and records it for checkExprs, in the scope of the step being
// read (after: the condition runs after the step, so its own extractions are known).
func (p *parser) expression(n *yaml.Node, field string, after bool) (*Expr, error) {
	s, err := p.str(n, field)
	if err != nil {
		return nil, err
	}
	if strings.TrimSpace(s) == "" {
		return nil, p.errf(n, field, "%s is empty, want a condition such as 'state == \"done\"'", leaf(field))
	}
	e := &Expr{Source: s, Line: n.Line}
	scope := p.scope
	if after {
		scope.step++
	}
	p.exprs = append(p.exprs, pendingExpr{e: e, node: n, field: field, scope: scope})
	return e, nil
}

// checkExprs compiles every condition, with the types of the names it may use: an unknown
// name, a type mismatch that can be known (status == "200") or a result that is not a bool is
// an error at the condition's line.
func (p *parser) checkExprs() error {
	for _, pe := range p.exprs {
		env := p.exprEnv(pe.scope)
		prog, err := expr.Compile(pe.e.Source, expr.Env(env), expr.AsBool())
		if err != nil {
			return p.exprError(pe, env, err)
		}
		pe.e.program = prog
		pe.e.names = exprNames(prog, env)
	}
	return nil
}

// exprEnv is the names a condition in scope may read and their types.
func (p *parser) exprEnv(scope stepScope) types.Map {
	env := types.Map{StatusName: types.Int}
	for name := range p.sc.Variables {
		env[name] = types.String
	}
	for name := range scope.extractedBy {
		if scope.has(name) {
			if p.indexes[name] {
				env[name] = types.Int
			} else {
				env[name] = types.Any
			}
		}
	}
	return env
}

// exprError is a condition's compile error at its line, naming the known names for an
// unknown one.
func (p *parser) exprError(pe pendingExpr, env types.Map, err error) error {
	line, msg := pe.node.Line, err.Error()
	var fe *file.Error
	if errors.As(err, &fe) {
		if pe.node.Style&(yaml.LiteralStyle|yaml.FoldedStyle) != 0 {
			line++
		}
		line += max(fe.Line-1, 0)
		msg = fe.Message
		if name, ok := strings.CutPrefix(msg, "unknown name "); ok {
			known := slices.Sorted(maps.Keys(env))
			msg = fmt.Sprintf("unknown name %q: a condition reads the variables, the values extracted by earlier steps and %s; known here: %s",
				name, StatusName, strings.Join(known, ", "))
			if c := suggest.Closest(name, known); c != "" {
				msg += fmt.Sprintf("; did you mean %q?", c)
			}
		}
	}
	return newError(p.path, line, pe.field, "%s %s: %s", leaf(pe.field), strconv.Quote(pe.e.Source), msg)
}

// exprNames lists the names of env a compiled condition reads.
func exprNames(prog *vm.Program, env types.Map) []string {
	v := &identVisitor{env: env, seen: map[string]bool{}}
	node := prog.Node()
	ast.Walk(&node, v)
	return slices.Sorted(maps.Keys(v.seen))
}

type identVisitor struct {
	env  types.Map
	seen map[string]bool
}

func (v *identVisitor) Visit(n *ast.Node) {
	if id, ok := (*n).(*ast.IdentifierNode); ok {
		if _, known := v.env[id.Value]; known {
			v.seen[id.Value] = true
		}
	}
}

// valueKind is how a value of an iteration is typed in a condition.
type valueKind uint8

const (
	valueUnset valueKind = iota // not extracted yet: nil
	valueText                   // a string
	valueJSON                   // a JSON value's text (number, bool, null, array, object)
	valueInt                    // a whole number (status, a group's index)
)

// planCond is a compiled condition with the value slot of each name it reads (-1: status).
type planCond struct {
	src   string
	prog  *vm.Program
	names []string
	slots []int
}

func (c *compiler) compileCond(e *Expr) *planCond {
	if e == nil {
		return nil
	}
	pc := &planCond{src: e.Source, prog: e.program, names: e.names}
	for _, name := range e.names {
		slot, ok := c.varIdx[name] // a variable or extracted value named status hides the built-in
		if !ok {
			slot = -1
		}
		pc.slots = append(pc.slots, slot)
	}
	return pc
}

// eval runs a condition over the iteration's values.
func (it *Iteration) eval(c *planCond) (bool, error) {
	if it.env == nil {
		it.env = make(map[string]any, len(c.names))
	}
	clear(it.env)
	for k, name := range c.names {
		it.env[name] = it.value(c.slots[k])
	}
	out, err := expr.Run(c.prog, it.env)
	if err != nil {
		return false, fmt.Errorf("condition %q: %w", c.src, err)
	}
	b, _ := out.(bool) // AsBool: a nil result is false
	return b, nil
}

// value is the typed value of slot (-1: the last status), converted once per value set.
func (it *Iteration) value(slot int) any {
	if slot < 0 {
		return it.status
	}
	if it.typed[slot].ok {
		return it.typed[slot].v
	}
	h := &it.h
	text := string(h.vbuf[h.vals[slot].start:h.vals[slot].end])
	var v any
	switch it.kinds[slot] {
	case valueText:
		v = text
	case valueJSON:
		v = gjson.Parse(text).Value()
	case valueInt:
		v, _ = strconv.Atoi(text)
	}
	it.typed[slot] = typedValue{v: v, ok: true}
	return v
}

// typedValue is a value's conversion for conditions, kept until the value is set again.
type typedValue struct {
	v  any
	ok bool
}
