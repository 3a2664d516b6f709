package scenarios

import (
	"fmt"
	"strconv"
	"strings"
)

// Templates are text with actions in double braces, compiled once into a list of ops and
// rendered per hit by appending to a reused buffer (render.go). An action is one expression:
//
//	{{ randInt 1 10000 }}          a random integer in [1, 10000]
//	{{ randIntExcept 1 10000 uid }} the same, never equal to the variable uid (or an integer)
//	{{ choice "a" "b" 3 }}         one of the literals, uniformly
//	{{ counter }}                  the hit's sequence number in the run: 1, 2, 3, ...
//	{{ uuid }}                     a random (version 4) UUID
//	{{ csv.email }}                column "email" of this hit's feeder row ({{ csv "e-mail" }})
//	{{ uid }}                      the variable uid, evaluated once per hit
//	{{ token uid }}                a session token for user uid (or an integer) from the secret
//	{{ hosts.auth }}               the URL of the scenario's host auth (hosts.go)
//	{{ "{{" }}                     a literal, the way to write "{{" itself
//	{{ pad 6 counter }}            a value transformed (funcs.go): pad N, base64, base64url,
//	                               lower, upper; also as filters, {{ uid | pad 6 | base64 }}
//
// Strings are quoted with "..." (Go escapes) or '...' (no escapes). An action may end with a
// filter, "| NAME", that says how its value is escaped (see escape.go): {{ promo | urlencode }}
// (query escaping), {{ id | pathescape }} (path segment escaping), {{ next | raw }} (as is).
// Without a filter, a value in a request's path is path-segment escaped and a value in its
// query is query escaped; elsewhere (headers, body, checks) it is put as is.

// opKind is what one piece of a compiled template produces.
type opKind uint8

const (
	opText opKind = iota
	opRandInt
	opRandIntExcept
	opChoice
	opCounter
	opUUID
	opCSV
	opVar
	opToken
	// opHost is {{ hosts.NAME }}, replaced by the host's URL when the scenario is compiled.
	opHost
)

// operand is an integer argument: a literal or a variable.
type operand struct {
	name string // variable name; empty for a literal
	v    int    // variable index, bound at Plan time
	n    int64  // the literal
}

// op is one compiled piece of a template.
type op struct {
	kind    opKind
	text    string   // opText
	lo, hi  int64    // opRandInt, opRandIntExcept
	arg     operand  // opRandIntExcept's exception, opToken's uid
	choices []string // opChoice
	name    string   // opCSV column, opVar variable
	idx     int      // opCSV column index or opVar variable index, bound at Plan time
	// esc is how the value is escaped; filtered says a filter chose it (the URL's context
	// then does not)
	esc      escape
	filtered bool
	// xforms transform the value before it is escaped (funcs.go)
	xforms []xform
}

// templateError is a template problem at a byte offset of the template's text.
type templateError struct {
	offset int
	msg    string
}

func (e *templateError) Error() string { return e.msg }

// funcNames are the template functions, for error messages and variable-name checks.
var funcNames = []string{"randInt", "randIntExcept", "choice", "counter", "uuid", "token", "csv", "base64", "base64url", "lower", "upper", "pad"}

func isFuncName(s string) bool {
	for _, f := range funcNames {
		if s == f {
			return true
		}
	}
	return false
}

// parseTemplate compiles src into ops. Names (variables, CSV columns) are left unbound.
func parseTemplate(src string) ([]op, error) {
	var ops []op
	pos := 0
	for pos < len(src) {
		i := strings.Index(src[pos:], "{{")
		if i < 0 {
			ops = appendText(ops, src[pos:])
			break
		}
		ops = appendText(ops, src[pos:pos+i])
		start := pos + i
		end := actionEnd(src[start+2:])
		if end < 0 {
			return nil, &templateError{start, fmt.Sprintf("unclosed %q: every {{ needs a }} (write {{ \"{{\" }} for a literal {{)", abbreviate(src[start:]))}
		}
		body := src[start+2 : start+2+end]
		o, err := parseAction(body, start+2)
		if err != nil {
			return nil, err
		}
		if o.kind == opText {
			ops = appendText(ops, o.text)
		} else {
			ops = append(ops, o)
		}
		pos = start + 2 + end + 2
	}
	return ops, nil
}

func appendText(ops []op, s string) []op {
	if s == "" {
		return ops
	}
	if n := len(ops); n > 0 && ops[n-1].kind == opText {
		ops[n-1].text += s
		return ops
	}
	return append(ops, op{kind: opText, text: s})
}

// actionEnd returns the offset of the "}}" that closes an action's body, skipping quoted
// strings (so {{ choice "}}" }} works), or -1.
func actionEnd(body string) int {
	for i := 0; i < len(body); i++ {
		switch c := body[i]; {
		case c == '"' || c == '\'':
			j, _, err := lexString(body, i)
			if err != nil { // let the lexer report the broken string
				if k := strings.Index(body[i:], "}}"); k >= 0 {
					return i + k
				}
				return -1
			}
			i = j - 1
		case c == '}' && i+1 < len(body) && body[i+1] == '}':
			return i
		}
	}
	return -1
}

// token is one word of an action: an identifier, an integer or a quoted string.
type token struct {
	text   string // identifier or unquoted string value
	n      int64
	isInt  bool
	isStr  bool
	pipe   bool // the "|" before a filter
	offset int
}

func (t token) describe() string {
	switch {
	case t.isStr:
		return strconv.Quote(t.text)
	case t.isInt:
		return strconv.FormatInt(t.n, 10)
	}
	return t.text
}

// lexAction splits an action's body into tokens; base is the body's offset in the template.
func lexAction(body string, base int) ([]token, error) {
	var toks []token
	i := 0
	for i < len(body) {
		c := body[i]
		switch {
		case c == ' ' || c == '\t' || c == '\n' || c == '\r':
			i++
		case c == '|':
			toks = append(toks, token{text: "|", pipe: true, offset: base + i})
			i++
		case c == '"' || c == '\'':
			j, val, err := lexString(body, i)
			if err != nil {
				return nil, &templateError{base + i, err.Error()}
			}
			toks = append(toks, token{text: val, isStr: true, offset: base + i})
			i = j
		default:
			j := i
			for j < len(body) && !strings.ContainsRune(" \t\n\r\"'|", rune(body[j])) {
				j++
			}
			word := body[i:j]
			t := token{text: word, offset: base + i}
			if n, err := strconv.ParseInt(word, 10, 64); err == nil {
				t.n, t.isInt = n, true
			} else if !isIdent(word) && !strings.HasPrefix(word, "csv.") && !strings.HasPrefix(word, hostsPrefix) {
				return nil, &templateError{base + i, fmt.Sprintf("%q is not a function, variable, integer or quoted string", word)}
			}
			toks = append(toks, t)
			i = j
		}
	}
	return toks, nil
}

// lexString reads a quoted string starting at body[i] and returns the offset after it.
func lexString(body string, i int) (int, string, error) {
	q := body[i]
	for j := i + 1; j < len(body); j++ {
		switch {
		case q == '"' && body[j] == '\\':
			j++
		case body[j] == q:
			if q == '\'' {
				return j + 1, body[i+1 : j], nil
			}
			s, err := strconv.Unquote(body[i : j+1])
			if err != nil {
				return 0, "", fmt.Errorf("bad string %s: %v", body[i:j+1], err)
			}
			return j + 1, s, nil
		}
	}
	return 0, "", fmt.Errorf("unterminated string %s", abbreviate(body[i:]))
}

func isIdent(s string) bool {
	if s == "" {
		return false
	}
	for i, r := range s {
		letter := r == '_' || (r >= 'a' && r <= 'z') || (r >= 'A' && r <= 'Z')
		if !letter && (i == 0 || r < '0' || r > '9') {
			return false
		}
	}
	return true
}

// parseAction compiles the body of one {{ ... }}: an expression and an optional filter.
func parseAction(body string, base int) (op, error) {
	toks, err := lexAction(body, base)
	if err != nil {
		return op{}, err
	}
	toks, esc, filtered, xs, err := splitFilter(toks, body, base)
	if err != nil {
		return op{}, err
	}
	o, err := parseExpr(toks, body, base)
	if err != nil {
		return o, err
	}
	if o.kind == opText {
		o.text = literalXforms(o.text, xs)
		if filtered {
			o.text = string(appendEscaped(nil, []byte(o.text), esc))
		}
		return o, nil
	}
	o.xforms = append(o.xforms, xs...)
	if filtered {
		o.esc, o.filtered = esc, true
	}
	return o, nil
}

// parseExpr compiles the expression of an action (its tokens before any filter).
func parseExpr(toks []token, body string, base int) (op, error) {
	if len(toks) == 0 {
		return op{}, &templateError{base, "empty {{ }}"}
	}
	head, args := toks[0], toks[1:]
	bad := func(t token, format string, a ...any) (op, error) {
		return op{}, &templateError{t.offset, fmt.Sprintf(format, a...)}
	}
	arity := func(want string) (op, error) {
		return bad(head, "%s takes %s, got %d argument(s) in {{%s}}", head.text, want, len(args), body)
	}
	switch {
	case head.isStr || head.isInt:
		if len(args) > 0 {
			return bad(args[0], "a literal takes no arguments, got %s", args[0].describe())
		}
		return op{kind: opText, text: literalText(head)}, nil
	case strings.HasPrefix(head.text, "csv."):
		col := strings.TrimPrefix(head.text, "csv.")
		if !isIdent(col) {
			return bad(head, "%q is not a column reference, want csv.NAME or csv \"column name\"", head.text)
		}
		if len(args) > 0 {
			return arity("no arguments")
		}
		return op{kind: opCSV, name: col}, nil
	case strings.HasPrefix(head.text, hostsPrefix):
		name := strings.TrimPrefix(head.text, hostsPrefix)
		if !isIdent(name) {
			return bad(head, "%q is not a host reference, want hosts.NAME", head.text)
		}
		if len(args) > 0 {
			return arity("no arguments")
		}
		return op{kind: opHost, name: name}, nil
	}
	if isXform(head.text) && len(args) > 0 {
		x, inner, err := parseXform(toks, body)
		if err != nil {
			return op{}, err
		}
		if len(inner) == 0 {
			if head.text == "pad" {
				return arity("a width and a value, as in {{ pad 6 uid }}")
			}
			return arity("a value, as in {{ " + head.text + " uid }}")
		}
		o, err := parseExpr(inner, body, base)
		if err != nil {
			return o, err
		}
		if o.kind == opText {
			o.text = literalXforms(o.text, []xform{x})
		} else {
			o.xforms = append(o.xforms, x)
		}
		return o, nil
	}
	switch head.text {
	case "randInt", "randIntExcept":
		want := 2
		if head.text == "randIntExcept" {
			want = 3
		}
		if len(args) != want {
			if want == 2 {
				return arity("two integers, MIN and MAX")
			}
			return arity("MIN, MAX and the integer or variable to avoid")
		}
		for _, a := range args[:2] {
			if !a.isInt {
				return bad(a, "%s: %s is not an integer", head.text, a.describe())
			}
		}
		o := op{kind: opRandInt, lo: args[0].n, hi: args[1].n}
		if o.lo > o.hi {
			return bad(args[0], "%s: min %d is greater than max %d", head.text, o.lo, o.hi)
		}
		if o.hi-o.lo < 0 { // overflow: the range does not fit in an int64
			return bad(args[0], "%s: range %d..%d is too wide", head.text, o.lo, o.hi)
		}
		if want == 3 {
			if o.lo == o.hi {
				return bad(args[0], "randIntExcept: min and max are both %d, nothing is left to choose", o.lo)
			}
			arg, err := intOperand(head.text, args[2])
			if err != nil {
				return op{}, err
			}
			o.kind, o.arg = opRandIntExcept, arg
		}
		return o, nil
	case "choice":
		if len(args) == 0 {
			return arity("one or more literals")
		}
		o := op{kind: opChoice}
		for _, a := range args {
			if !a.isStr && !a.isInt {
				return bad(a, "choice: %s is not a quoted string or integer (variables are not allowed here)", a.text)
			}
			o.choices = append(o.choices, literalText(a))
		}
		return o, nil
	case "counter", "uuid":
		if len(args) > 0 {
			return arity("no arguments")
		}
		if head.text == "counter" {
			return op{kind: opCounter}, nil
		}
		return op{kind: opUUID}, nil
	case "token":
		if len(args) == 0 { // a value a flow step extracted under the name token
			return op{kind: opVar, name: head.text}, nil
		}
		if len(args) != 1 {
			return arity("one user id (an integer or a variable)")
		}
		arg, err := intOperand("token", args[0])
		if err != nil {
			return op{}, err
		}
		if arg.name == "" && arg.n <= 0 {
			return bad(args[0], "token: user id %d must be positive", arg.n)
		}
		return op{kind: opToken, arg: arg}, nil
	case "csv":
		if len(args) != 1 || !args[0].isStr {
			return arity(`one quoted column name, as in {{ csv "e-mail" }}, or write csv.NAME`)
		}
		return op{kind: opCSV, name: args[0].text}, nil
	}
	if len(args) > 0 {
		return bad(head, "unknown function %q, want one of %s", head.text, strings.Join(funcNames, ", "))
	}
	return op{kind: opVar, name: head.text}, nil
}

func literalText(t token) string {
	if t.isInt {
		return strconv.FormatInt(t.n, 10)
	}
	return t.text
}

func intOperand(fn string, t token) (operand, error) {
	switch {
	case t.isInt:
		return operand{n: t.n}, nil
	case t.isStr || strings.HasPrefix(t.text, "csv.") || strings.HasPrefix(t.text, hostsPrefix):
		return operand{}, &templateError{t.offset, fmt.Sprintf("%s: %s is not an integer or a variable (put it in a variable first)", fn, t.describe())}
	}
	return operand{name: t.text}, nil
}

// templateNames returns the variables and CSV columns ops refer to.
func templateNames(ops []op) (vars, columns []string) {
	for _, o := range ops {
		switch o.kind {
		case opVar:
			vars = append(vars, o.name)
		case opRandIntExcept, opToken:
			if o.arg.name != "" {
				vars = append(vars, o.arg.name)
			}
		case opCSV:
			columns = append(columns, o.name)
		}
	}
	return vars, columns
}

// templateHosts returns the host names ops refer to ({{ hosts.NAME }}).
func templateHosts(ops []op) []string {
	var names []string
	for _, o := range ops {
		if o.kind == opHost {
			names = append(names, o.name)
		}
	}
	return names
}

// usesToken reports whether ops mint tokens.
func usesToken(ops []op) bool {
	for _, o := range ops {
		if o.kind == opToken {
			return true
		}
	}
	return false
}

// escapeTemplate returns a template that renders s literally.
func escapeTemplate(s string) string {
	return strings.ReplaceAll(s, "{{", `{{ "{{" }}`)
}

func abbreviate(s string) string {
	if len(s) > 30 {
		return s[:30] + "..."
	}
	return s
}
