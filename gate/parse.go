package gate

import (
	"errors"
	"fmt"
	"strings"
	"unicode"
)

// ParseError is a threshold expression that does not parse: the column (1-based, counted in
// characters) where the trouble starts and what is wrong there.
type ParseError struct {
	Expr string
	Col  int
	Msg  string
}

func (e *ParseError) Error() string {
	return fmt.Sprintf("threshold %q: at %d: %s", e.Expr, e.Col, e.Msg)
}

const (
	wantShape   = "want [NAME.]METRIC OP VALUE like p99<200ms"
	wantMetric  = "want p50 … p99.99, p(N), mean, min, max, service_time.p99 (or .mean, .min, .max), errors, success, rps, throughput or requests, optionally after a request name (profile.p99); with flows also checks, iterations, dropped_iterations, iteration.p99 or failed_iteration.p99, optionally after a flow name (login.iteration.p99), and completion.p99, attempts.max, attempts.mean or skipped, optionally after a flow or a step (async/wait.completion.p99)"
	wantOp      = "want <, <=, >, >= or =="
	wantStat    = "want a percentile (p99, p(99.9)), mean, min or max"
	percentiles = "want a percentile from 0 to 100 like p99 or p99.9"
)

// Parse parses one threshold expression such as "p99<200ms", "errors<=0.1%" or
// "profile.service_time.p(99.9) < 1.5s". The grammar is in the package comment.
func Parse(expr string) (Threshold, error) {
	p := &parser{expr: expr, rs: []rune(expr)}
	th, err := p.parse()
	if err != nil {
		return Threshold{}, err
	}
	th.Expr = strings.TrimSpace(expr)
	return th, nil
}

// ParseAll parses the thresholds given with --threshold (flagExprs) and in the scenario file
// (scenarioExprs), marking each with its source. Every malformed expression is reported, and
// two expressions that test the same thing (same request, metric, operator and bound) are an
// error: nothing is silently dropped.
func ParseAll(flagExprs, scenarioExprs []string) ([]Threshold, error) {
	var (
		ths  []Threshold
		errs []error
		seen = map[string]Threshold{}
	)
	add := func(exprs []string, source string) {
		for _, e := range exprs {
			th, err := Parse(e)
			if err != nil {
				errs = append(errs, fmt.Errorf("%s: %w", source, err))
				continue
			}
			th.Source = source
			key := th.Canonical()
			if prev, dup := seen[key]; dup {
				errs = append(errs, fmt.Errorf("threshold %q (%s) duplicates %q (%s)", th.Expr, th.Source, prev.Expr, prev.Source))
				continue
			}
			seen[key] = th
			ths = append(ths, th)
		}
	}
	add(flagExprs, SourceFlag)
	add(scenarioExprs, SourceScenario)
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	return ths, nil
}

// parser walks an expression rune by rune; pos is a rune index (column = pos+1).
type parser struct {
	expr string
	rs   []rune
	pos  int
}

func (p *parser) fail(pos int, format string, args ...any) error {
	return &ParseError{Expr: p.expr, Col: pos + 1, Msg: fmt.Sprintf(format, args...)}
}

func (p *parser) skipSpace() {
	for p.pos < len(p.rs) && unicode.IsSpace(p.rs[p.pos]) {
		p.pos++
	}
}

func isOpRune(r rune) bool { return r == '<' || r == '>' || r == '=' || r == '!' }

func (p *parser) parse() (Threshold, error) {
	p.skipSpace()
	if p.pos == len(p.rs) {
		return Threshold{}, p.fail(p.pos, "empty expression, %s", wantShape)
	}
	start := p.pos
	for p.pos < len(p.rs) && !unicode.IsSpace(p.rs[p.pos]) && !isOpRune(p.rs[p.pos]) {
		p.pos++
	}
	if p.pos == start {
		return Threshold{}, p.fail(start, "missing metric before %q, %s", string(p.rs[start]), wantShape)
	}
	var th Threshold
	scope, m, err := p.metricPath(string(p.rs[start:p.pos]), start)
	if err != nil {
		return Threshold{}, err
	}
	if err := p.checkFlowScope(scope, m, start); err != nil {
		return Threshold{}, err
	}
	th.Metric = m
	th.Request, th.Flow = splitScope(scope, m)
	if th.Op, err = p.op(); err != nil {
		return Threshold{}, err
	}
	p.skipSpace()
	end := len(p.rs)
	for end > p.pos && unicode.IsSpace(p.rs[end-1]) {
		end--
	}
	text := string(p.rs[p.pos:end])
	if text == "" {
		return Threshold{}, p.fail(p.pos, "missing value, want %s", wantValue(th.Metric))
	}
	v, msg := parseValue(th.Metric, text)
	if msg != "" {
		return Threshold{}, p.fail(p.pos, "%s", msg)
	}
	th.Value = v
	return th, nil
}

// checkFlowScope refuses a step scope ("FLOW/STEP") on a flow metric other than checks:
// iterations and their durations belong to a flow, not to one of its steps.
func (p *parser) checkFlowScope(scope string, m Metric, start int) error {
	if !m.IsFlow() || m.TakesStep() || !strings.Contains(scope, "/") {
		return nil
	}
	flow, _, _ := strings.Cut(scope, "/")
	return p.fail(start, "%s is measured per flow, not per step: scope it to the flow (%s.%s) or use a step metric (%s.p99)", m, flow, m, scope)
}

// op reads the operator after the metric.
func (p *parser) op() (Op, error) {
	p.skipSpace()
	start := p.pos
	for p.pos < len(p.rs) && isOpRune(p.rs[p.pos]) {
		p.pos++
	}
	text := string(p.rs[start:p.pos])
	switch {
	case text == "" && start == len(p.rs):
		return "", p.fail(start, "missing operator, %s", wantOp)
	case text == "":
		return "", p.fail(start, "unexpected %q, want an operator: <, <=, >, >= or ==", string(p.rs[start:]))
	}
	switch op := Op(text); op {
	case OpLess, OpLessEqual, OpGreater, OpGreaterEqual, OpEqual:
		return op, nil
	}
	return "", p.fail(start, "bad operator %q, %s", text, wantOp)
}

// metricPath splits "[NAME.]METRIC" (starting at rune index start) into the request name and
// the metric. The metric is the longest dot-separated suffix that names one, so request names
// may contain dots and "p99.9" stays a percentile.
func (p *parser) metricPath(path string, start int) (string, Metric, error) {
	m, off, msg := parseMetric(path)
	if msg == "" {
		return "", m, nil
	}
	rs := []rune(path)
	for i, r := range rs {
		if r != '.' {
			continue
		}
		rest := string(rs[i+1:])
		if _, roff, rmsg := parseMetric(rest); rmsg != "" && strings.HasPrefix(rest, "attempts.") && i > 0 {
			// "FLOW/STEP.attempts.p99" is a poll's attempts with a statistic they lack, not
			// the latency of a request named "FLOW/STEP.attempts"
			return "", Metric{}, p.fail(start+i+1+roff, "%s", rmsg)
		}
		if rm, _, rmsg := parseMetric(rest); rmsg == "" {
			if i == 0 {
				return "", Metric{}, p.fail(start, "empty request name before \".\", %s", wantShape)
			}
			return string(rs[:i]), rm, nil
		}
	}
	// Say what is wrong with the part that was meant as the metric: the whole path, unless it
	// starts with something that cannot be a metric, in which case that is the request name.
	first, rest, scoped := strings.Cut(path, ".")
	if scoped && rest != "" && !looksLikeMetric(first) {
		_, roff, rmsg := parseMetric(rest)
		return "", Metric{}, p.fail(start+len([]rune(first))+1+roff, "%s", rmsg)
	}
	return "", Metric{}, p.fail(start+off, "%s", msg)
}

// looksLikeMetric reports whether s is, or starts like, a metric name rather than a request
// name: used only to choose which part of a bad path an error message talks about.
func looksLikeMetric(s string) bool {
	if _, _, msg := parseMetric(s); msg == "" || s == "service_time" || s == "iteration" || s == "failed_iteration" || s == "completion" || s == "attempts" {
		return true
	}
	return len(s) >= 2 && s[0] == 'p' && (s[1] == '(' || s[1] == '.' || (s[1] >= '0' && s[1] <= '9'))
}

// parseMetric parses a metric name. On failure it returns the rune offset in s of the
// trouble and a message.
func parseMetric(s string) (Metric, int, string) {
	switch s {
	case "errors":
		return Metric{Kind: KindErrors}, 0, ""
	case "success":
		return Metric{Kind: KindSuccess}, 0, ""
	case "rps":
		return Metric{Kind: KindRPS}, 0, ""
	case "throughput":
		return Metric{Kind: KindThroughput}, 0, ""
	case "requests":
		return Metric{Kind: KindRequests}, 0, ""
	case "checks":
		return Metric{Kind: KindChecks}, 0, ""
	case "iterations":
		return Metric{Kind: KindIterations}, 0, ""
	case "dropped_iterations":
		return Metric{Kind: KindDroppedIterations}, 0, ""
	case "skipped":
		return Metric{Kind: KindSkipped}, 0, ""
	case "attempts.max":
		return Metric{Kind: KindAttempts, Stat: StatMax}, 0, ""
	case "attempts.mean":
		return Metric{Kind: KindAttempts, Stat: StatMean}, 0, ""
	}
	if rest, ok := strings.CutPrefix(s, "attempts."); ok {
		return Metric{}, len("attempts."), fmt.Sprintf("unknown statistic %q after attempts., want max or mean", rest)
	}
	for _, d := range []struct {
		prefix string
		kind   Kind
	}{{"service_time.", KindServiceTime}, {"iteration.", KindIteration}, {"failed_iteration.", KindFailedIteration}, {"completion.", KindCompletion}} {
		rest, ok := strings.CutPrefix(s, d.prefix)
		if !ok {
			continue
		}
		stat, pct, msg := parseStat(rest)
		if msg != "" {
			if msg == unknownStat {
				msg = fmt.Sprintf("unknown statistic %q after %s, %s", rest, d.prefix, wantStat)
			}
			return Metric{}, len(d.prefix), msg
		}
		return Metric{Kind: d.kind, Stat: stat, Percentile: pct}, 0, ""
	}
	stat, pct, msg := parseStat(s)
	if msg == unknownStat {
		msg = fmt.Sprintf("unknown metric %q, %s", s, wantMetric)
	}
	if msg != "" {
		return Metric{}, 0, msg
	}
	return Metric{Kind: KindLatency, Stat: stat, Percentile: pct}, 0, ""
}

const unknownStat = "unknown"

// parseStat parses "mean", "max", "pN" or "p(N)".
func parseStat(s string) (Stat, float64, string) {
	switch s {
	case "mean":
		return StatMean, 0, ""
	case "max":
		return StatMax, 0, ""
	case "min":
		return StatMin, 0, ""
	}
	var num string
	switch {
	case strings.HasPrefix(s, "p(") && strings.HasSuffix(s, ")"):
		num = s[2 : len(s)-1]
	case strings.HasPrefix(s, "p(") || len(s) < 2 || s[0] != 'p' || !(s[1] == '.' || isDigit(s[1])):
		if strings.HasPrefix(s, "p(") {
			return 0, 0, fmt.Sprintf("bad percentile %q, missing \")\", %s", s, percentiles)
		}
		return 0, 0, unknownStat
	default:
		num = s[1:]
	}
	if numberLen(num) != len(num) || num == "" {
		return 0, 0, fmt.Sprintf("bad percentile %q, %s", s, percentiles)
	}
	pct, err := parseDecimal(num, 0)
	if err != nil || pct > 100 {
		hint := ""
		if strings.Trim(num, "9") == "" && len(num) > 2 {
			hint = fmt.Sprintf(" (p%s.%s for the %s.%sth)", num[:2], num[2:], num[:2], num[2:])
		}
		return 0, 0, fmt.Sprintf("bad percentile %q, %s%s", s, percentiles, hint)
	}
	return StatPercentile, pct, ""
}
