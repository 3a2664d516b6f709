package gate

import (
	"errors"
	"fmt"
	"math"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/loadtestdev/loadtest/internal/target"
	"github.com/loadtestdev/loadtest/results"
)

// ErrNotComparable is returned by Compare when two results cannot be compared at all.
var ErrNotComparable = errors.New("gate: results are not comparable")

// DefaultBounds are the regression bounds `loadtest compare` applies when none are given.
const DefaultBounds = "p99=10%,rps=5%,errors=0.1%"

// What counts as a regression, per metric:
//
//   - latencies (p50 … max, mean, service_time.*): an increase; a bound is relative to the
//     baseline ("p99=10%": at most 10% slower) or absolute ("p99=5ms": at most 5 ms slower);
//   - errors: an increase in absolute percentage points ("errors=0.1%": from 0.2% to 0.3% is
//     the limit), as relative change is meaningless near zero; success: a decrease, likewise;
//   - rps, throughput and requests: a decrease, relative ("rps=5%") or absolute ("rps=50");
//   - flows: iteration durations like latencies, checks like success (percentage points),
//     dropped_iterations an increase and iterations a decrease, like requests.
//
// A change exactly equal to its bound passes.

// Bound is the largest regression Compare allows on one metric.
type Bound struct {
	// Expr is the bound as written ("p99=10%").
	Expr string
	// Request is the scope: a request (a step "FLOW/STEP" in flows), or a flow for a flow
	// metric; empty for the whole run.
	Request string
	Metric  Metric
	// Relative says Value is a fraction of the baseline (10% is 0.1); otherwise Value is an
	// amount in the metric's base unit: ms, a 0..1 fraction (percentage points) or req/s.
	Relative bool
	Value    float64
}

// Name is the bounded metric as a row names it: "p99" or "profile.p99".
func (b Bound) Name() string { return metricName(b.Request, b.Metric) }

func metricName(request string, m Metric) string {
	if request == "" {
		return m.String()
	}
	return request + "." + m.String()
}

// ParseBounds parses a comma-separated list of regression bounds, "p99=10%,rps=5%,errors=0.1%":
// each is [NAME.]METRIC=AMOUNT with the metrics of the threshold grammar. The empty string
// gives no bounds.
func ParseBounds(spec string) ([]Bound, error) {
	var bounds []Bound
	seen := map[string]string{}
	for item := range strings.SplitSeq(spec, ",") {
		item = strings.TrimSpace(item)
		if item == "" {
			continue
		}
		b, err := parseBound(item)
		if err != nil {
			return nil, fmt.Errorf("regression bound %q: %w", item, err)
		}
		if prev, dup := seen[b.Name()]; dup {
			return nil, fmt.Errorf("regression bound %q: %s is already bounded by %q", item, b.Name(), prev)
		}
		seen[b.Name()] = item
		bounds = append(bounds, b)
	}
	return bounds, nil
}

func parseBound(item string) (Bound, error) {
	path, amount, ok := strings.Cut(item, "=")
	path, amount = strings.TrimSpace(path), strings.TrimSpace(amount)
	if !ok || path == "" || amount == "" {
		return Bound{}, errors.New("want METRIC=AMOUNT like p99=10%, rps=5% or errors=0.1%")
	}
	p := &parser{expr: path, rs: []rune(path)}
	req, m, err := p.metricPath(path, 0)
	if pe := (*ParseError)(nil); errors.As(err, &pe) {
		return Bound{}, errors.New(pe.Msg)
	} else if err != nil {
		return Bound{}, err
	}
	b := Bound{Expr: item, Request: req, Metric: m}
	n := numberLen(amount)
	num, unit := amount[:n], amount[n:]
	ratio := m.IsRatio()
	switch {
	case n == 0:
	case unit == "%" && !ratio:
		b.Relative = true
		b.Value, err = parseDecimal(num, -2)
		return b, err
	case m.IsLatency() && unit != "":
		v, msg := parseDuration(num, unit, "bad")
		b.Value = v
		if msg == "" {
			return b, nil
		}
	case ratio:
		v, msg := parseRatio(num, unit, amount, "bad")
		b.Value = v
		if msg == "" {
			return b, nil
		}
	case unit == "" || (unit == "/s" && m.Kind != KindRequests):
		if m.IsLatency() {
			break
		}
		b.Value, err = parseDecimal(num, 0)
		return b, err
	}
	return Bound{}, fmt.Errorf("bad amount %q, want %s", amount, wantBound(m))
}

func wantBound(m Metric) string {
	switch {
	case m.IsLatency():
		return "a percentage of the baseline like 10% or a duration like 5ms"
	case m.IsRatio():
		return "percentage points like 0.1% (or a fraction like 0.001)"
	case m.Kind == KindRequests:
		return "a percentage of the baseline like 5% or a count like 100"
	}
	return "a percentage of the baseline like 5% or a rate like 50/s"
}

// Row is one metric of a comparison: both values in the metric's base unit (ms, a 0..1
// fraction, req/s, a count) and, when bounded, whether the bound held.
type Row struct {
	Name    string
	Request string
	Metric  Metric
	Base    float64
	Current float64
	// HasBase and HasCurrent are false where a result has no data for the metric.
	HasBase, HasCurrent bool
	Bound               *Bound
	// Broken says the change is a regression beyond Bound (or the current run has no data
	// for a bounded metric).
	Broken bool
}

// Change is Current - Base.
func (r Row) Change() float64 { return r.Current - r.Base }

// RelChange is the change as a fraction of the baseline; ok is false for a zero baseline.
func (r Row) RelChange() (float64, bool) {
	if r.Base == 0 {
		return 0, false
	}
	return r.Change() / r.Base, true
}

// Regression is how much worse the current value is, in the bound's terms (relative or
// absolute); negative for an improvement; +Inf for a relative regression from zero.
func (r Row) Regression(relative bool) float64 {
	worse := r.Change()
	if !r.Metric.HigherIsWorse() {
		worse = -worse
	}
	if !relative {
		return worse
	}
	if r.Base == 0 {
		if worse > 0 {
			return math.Inf(1)
		}
		return 0
	}
	return worse / math.Abs(r.Base)
}

// Comparison is the outcome of Compare.
type Comparison struct {
	Rows []Row
	// Warnings say where the two runs differ in ways that make the comparison weaker.
	Warnings []string
}

// Broken returns the rows whose regression bound was broken.
func (c Comparison) Broken() []Row {
	var out []Row
	for _, r := range c.Rows {
		if r.Broken {
			out = append(out, r)
		}
	}
	return out
}

// Bounded counts the rows that carry a bound.
func (c Comparison) Bounded() int {
	n := 0
	for _, r := range c.Rows {
		if r.Bound != nil {
			n++
		}
	}
	return n
}

// compareMetrics are the rows every comparison shows, in order.
var compareMetrics = []string{"p50", "p90", "p99", "p99.9", "max", "mean", "rps", "throughput", "errors", "requests"}

// Compare compares a current result with a baseline, metric by metric, and checks each
// bound. It returns an error wrapping ErrNotComparable when the results cannot be compared:
// a schema other than results.Schema, a baseline without requests, a bound on a metric or
// request the baseline has no data for, or no metric measured in both.
func Compare(base, cur *results.Result, bounds []Bound) (Comparison, error) {
	if base.Schema != results.Schema || cur.Schema != results.Schema {
		return Comparison{}, fmt.Errorf("%w: schemas %q and %q, want %q", ErrNotComparable, base.Schema, cur.Schema, results.Schema)
	}
	if base.Requests == 0 {
		return Comparison{}, fmt.Errorf("%w: the baseline has no requests", ErrNotComparable)
	}
	var c Comparison
	byName := map[string]int{}
	for _, name := range compareMetrics {
		m, _, _ := parseMetric(name)
		byName[name] = len(c.Rows)
		c.Rows = append(c.Rows, Row{Name: name, Metric: m})
	}
	for _, row := range flowRows(base, cur) {
		byName[row.Name] = len(c.Rows)
		c.Rows = append(c.Rows, row)
	}
	for i := range bounds {
		b := &bounds[i]
		if err := checkBoundScope(base, b); err != nil {
			return Comparison{}, err
		}
		j, ok := byName[b.Name()]
		if !ok {
			j = len(c.Rows)
			byName[b.Name()] = j
			c.Rows = append(c.Rows, Row{Name: b.Name(), Request: b.Request, Metric: b.Metric})
		}
		c.Rows[j].Bound = b
	}
	common := 0
	for i := range c.Rows {
		row := &c.Rows[i]
		row.Base, row.HasBase = Measure(base, row.Request, row.Metric)
		row.Current, row.HasCurrent = Measure(cur, row.Request, row.Metric)
		if row.HasBase && row.HasCurrent {
			common++
		}
		if row.Bound == nil {
			continue
		}
		if !row.HasBase {
			return Comparison{}, fmt.Errorf("%w: bound %q: the baseline has no data for %s", ErrNotComparable, row.Bound.Expr, row.Name)
		}
		row.Broken = !row.HasCurrent || row.Regression(row.Bound.Relative) > row.Bound.Value*(1+1e-9)+1e-12
	}
	if common == 0 {
		return Comparison{}, fmt.Errorf("%w: no metric has data in both results", ErrNotComparable)
	}
	c.Warnings = append(differences(base, cur), flowDifferences(base, cur)...)
	return c, nil
}

func requestNames(r *results.Result) string {
	if len(r.ByRequest) == 0 {
		return "no named requests"
	}
	names := make([]string, 0, len(r.ByRequest))
	for n := range r.ByRequest {
		names = append(names, n)
	}
	slices.Sort(names)
	return strings.Join(names, ", ")
}

// differences lists where two runs differ in what was asked of them or how they went.
func differences(base, cur *results.Result) []string {
	var w []string
	differ := func(what, b, c string) {
		if b != c {
			w = append(w, fmt.Sprintf("%s differs: baseline %s, current %s", what, b, c))
		}
	}
	differ("scenario", fmt.Sprintf("%q", base.Scenario), fmt.Sprintf("%q", cur.Scenario))
	if !sameTarget(base.Target, cur.Target) {
		differ("target", fmt.Sprintf("%q", base.Target), fmt.Sprintf("%q", cur.Target))
	}
	differ("rate asked", describeRate(base), describeRate(cur))
	if relDiff(base.DurationS, cur.DurationS) > 0.1 {
		w = append(w, fmt.Sprintf("duration differs: baseline %ss, current %ss", round2(base.DurationS), round2(cur.DurationS)))
	}
	if base.Version != "" && cur.Version != "" {
		differ("loadtest version", base.Version, cur.Version)
	}
	for _, side := range []struct {
		name string
		r    *results.Result
	}{{"baseline", base}, {"current", cur}} {
		if side.r.Interrupted {
			w = append(w, fmt.Sprintf("the %s run was interrupted: its figures cover only part of the run", side.name))
		}
		if len(side.r.Warnings) > 0 {
			codes := make([]string, len(side.r.Warnings))
			for i, rw := range side.r.Warnings {
				codes[i] = rw.Code
			}
			w = append(w, fmt.Sprintf("the %s result carries warnings: %s", side.name, strings.Join(codes, ", ")))
		}
	}
	if cur.Requests == 0 {
		w = append(w, "the current run has no requests")
	}
	return w
}

// sameTarget reports whether two targets are the same service: equal, or both on the
// loopback interface with the same scheme and path (the bundled server listens on a new
// port each run).
func sameTarget(a, b string) bool {
	if a == b {
		return true
	}
	ua, errA := url.Parse(a)
	ub, errB := url.Parse(b)
	if errA != nil || errB != nil || ua.Scheme != ub.Scheme || ua.Path != ub.Path {
		return false
	}
	return target.IsLoopback(ua.Hostname()) && target.IsLoopback(ub.Hostname())
}

// describeRate says what load a run asked for, for comparing two runs; a run of flows asks
// for iterations per second.
func describeRate(r *results.Result) string {
	unit := "/s"
	if r.HasFlows() {
		unit = " iterations/s"
	}
	var s string
	switch {
	case len(r.Stages) > 0:
		parts := make([]string, len(r.Stages))
		for i, st := range r.Stages {
			parts[i] = round2(st.DurationS) + "s→" + round2(st.RatePerSec) + unit
		}
		s = "ramp " + strings.Join(parts, ", ")
	case r.RateAsked > 0:
		s = round2(r.RateAsked) + unit
	default:
		s = "as fast as possible"
	}
	if r.Connections > 0 {
		s += fmt.Sprintf(" with %d connections", r.Connections)
	}
	return s
}

// round2 writes v with at most two decimals and no exponent.
func round2(v float64) string {
	return strconv.FormatFloat(math.Round(v*100)/100, 'f', -1, 64)
}

// relDiff is |a-b| relative to the larger of the two (0 when both are 0).
func relDiff(a, b float64) float64 {
	m := math.Max(math.Abs(a), math.Abs(b))
	if m == 0 {
		return 0
	}
	return math.Abs(a-b) / m
}
