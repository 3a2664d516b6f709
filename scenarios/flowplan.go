package scenarios

import (
	"errors"
	"fmt"
	"net/http"
	"slices"
	"time"

	vegeta "github.com/tsenart/vegeta/v12/lib"
)

// FlowPlan is a compiled scenario with flows: the goroutine-safe source of its iterations.
// Iteration n (the pacer's n-th start, from 0) takes the same flow with the same variables for
// a given seed, whichever goroutine runs it; the values its steps extract are what the server
// answered.
type FlowPlan struct {
	base       *Plan // the variables, feeder, tokens and renderer the steps share
	names      []string
	flows      []planFlow
	cum        []uint64
	total      uint64
	sequential bool
	nvals      int // variables, then extracted values
	maxBody    int64
}

type planFlow struct {
	info  FlowInfo
	steps []planStep
}

type planStep struct {
	think *Think
	// group starts a group, end ends one (the marker after its last step)
	group, end *planGroup
	when       *planCond
	poll       *planPoll
	// the request step's parts

	req      planRequest
	checks   []planCheck
	extracts []planExtract
	// first is the index of the step's first check in the flow's Checks; its extractions
	// follow its checks.
	first         int
	stop          bool // a failure ends the iteration
	needBody      bool
	statusChecked bool
}

// RequestsPerIteration is the mean number of request steps in an iteration, each flow weighted
// by how often it is chosen (its weight, whether chosen at random or in turn) and each
// step counted once: a repeat, a while loop or a poll sends more, a condition that skips a step
// fewer. It is an estimate, for sizing the generator (the engine's processors at a paced rate).
func (fp *FlowPlan) RequestsPerIteration() float64 {
	if fp.total == 0 {
		return 1
	}
	var sum, prev uint64
	for i, f := range fp.flows {
		// its weight, in turn as at random (pickWeighted), times its request steps
		sum += (fp.cum[i] - prev) * uint64(len(f.info.Steps))
		prev = fp.cum[i]
	}
	return max(float64(sum)/float64(fp.total), 1)
}

// Parks reports whether an iteration may park its session on a timer: a flow has a think
// time or a poll (whose attempts wait an interval apart).
func (fp *FlowPlan) Parks() bool {
	for _, f := range fp.flows {
		for _, st := range f.steps {
			if st.think != nil || st.poll != nil {
				return true
			}
		}
	}
	return false
}

// isRequest reports whether the step sends a request.
func (st *planStep) isRequest() bool { return st.think == nil && st.group == nil && st.end == nil }

// FlowInfo describes one compiled flow: its name, its request steps' names ("FLOW/STEP" is
// FlowPlan.Names' entry) and its checks and extractions in step order.
type FlowInfo struct {
	Name   string
	Steps  []string
	Checks []CheckInfo
	// Polls are the names of the steps that poll.
	Polls []string
}

// CheckInfo names one check or extraction of a flow and the step it belongs to.
type CheckInfo struct{ Name, Step string }

// FlowPlan compiles a scenario with flows for a run. Errors are *Error, as Plan's.
func (s *Scenario) FlowPlan(opts PlanOptions) (*FlowPlan, error) {
	fp, err := s.flowPlan(opts)
	if err != nil {
		var e *Error
		if errors.As(err, &e) {
			return nil, err
		}
		return nil, &Error{Path: s.Source, Err: err}
	}
	return fp, nil
}

func (s *Scenario) flowPlan(opts PlanOptions) (*FlowPlan, error) {
	if len(s.Flows) == 0 {
		return nil, &Error{Path: s.Source, Field: "flows", Err: errors.New("no flows")}
	}
	c := &compiler{s: s, opts: opts, p: &Plan{seed: uint64(opts.Seed)}}
	c.p.scratch.New = func() any { return new(hit) }
	base, err := c.base()
	if err != nil {
		return nil, err
	}
	if err := c.startHosts(base); err != nil {
		return nil, err
	}
	if err := c.compileShard(); err != nil { // a shard's feeder rows (iterations are numbered by the engine)
		return nil, err
	}
	if err := c.loadFeeder(); err != nil {
		return nil, err
	}
	if err := c.compileVariables(); err != nil {
		return nil, err
	}
	fp := &FlowPlan{base: c.p, names: s.RequestNames(), sequential: s.Order == OrderSequential, maxBody: s.MaxResponseBody}
	fp.nvals = len(c.p.vars)
	for _, f := range s.Flows {
		for _, st := range f.Steps {
			names := make([]string, 0, len(st.Extract)+1)
			for _, e := range st.Extract {
				names = append(names, e.Var)
			}
			if st.Group != nil && st.Group.Index != "" {
				names = append(names, st.Group.Index)
			}
			for _, name := range names {
				if _, ok := c.varIdx[name]; !ok {
					c.varIdx[name] = fp.nvals
					fp.nvals++
				}
			}
		}
	}
	for i := range s.Flows {
		pf, err := c.compileFlow(fp, i, base)
		if err != nil {
			return nil, err
		}
		fp.flows = append(fp.flows, pf)
		fp.total += uint64(s.Flows[i].Weight)
		fp.cum = append(fp.cum, fp.total)
	}
	c.p.indexOrigins()
	return fp, nil
}

// base is the run's target URL.
func (c *compiler) base() (string, error) {
	base := c.opts.Target
	if base == "" {
		base = c.s.Target
	}
	if base == "" {
		return "", &Error{Path: c.s.Source, Field: "target", Err: errors.New("no target: give target: in the file or --target")}
	}
	base, err := parseTarget(base)
	if err != nil {
		return "", &Error{Path: c.s.Source, Field: "target", Err: err}
	}
	return base, nil
}

func (c *compiler) compileFlow(fp *FlowPlan, fi int, base string) (planFlow, error) {
	f := &c.s.Flows[fi]
	if f.Weight <= 0 {
		return planFlow{}, &Error{Path: c.s.Source, Field: fmt.Sprintf("flows[%d].weight", fi), Err: fmt.Errorf("flow %q: weight %d must be positive", f.Name, f.Weight)}
	}
	pf := planFlow{info: FlowInfo{Name: f.Name}}
	err := c.compileSteps(fp, fi, &pf, 0, len(f.Steps), base)
	return pf, err
}

func (c *compiler) compileStep(fp *FlowPlan, f *Flow, st *Step, field, base string) (planStep, error) {
	r := &st.Request
	if err := checkPath(r.Path); err != nil {
		return planStep{}, &Error{Path: c.s.Source, Field: field + ".path", Err: fmt.Errorf("step %q: %w", r.Name, err)}
	}
	pr, err := c.buildRequest(r, field, base)
	if err != nil {
		return planStep{}, err
	}
	pr.vars = nil // the iteration evaluates every variable once, at its start
	pr.nameIdx = c.flowNameIndex(fp, f.Name+"/"+st.Name)
	onFailure := st.OnFailure
	if onFailure == "" {
		onFailure = f.OnFailure
	}
	ps := planStep{req: pr, stop: onFailure != OnFailureContinue, when: c.compileCond(st.When)}
	if st.Poll != nil {
		ps.poll = &planPoll{interval: st.Poll.Interval, timeout: st.Poll.Timeout, until: c.compileCond(st.Poll.Until)}
	}
	for i, ch := range st.Checks {
		pc, err := c.compileCheck(ch, fmt.Sprintf("%s.check[%d]", field, i))
		if err != nil {
			return ps, &Error{Path: c.s.Source, Field: fmt.Sprintf("%s.check[%d]", field, i), Err: err}
		}
		ps.needBody = ps.needBody || ch.Kind == CheckJSON || ch.Kind == CheckBodyContains
		ps.statusChecked = ps.statusChecked || ch.Kind == CheckStatus
		ps.checks = append(ps.checks, pc)
	}
	for _, e := range st.Extract {
		pe := planExtract{Extract: e, slot: c.varIdx[e.Var]}
		switch e.Source {
		case FromJSON:
			pe.path, pe.wildcard, err = jsonPath(e.Expr)
			ps.needBody = true
		case FromRegex:
			pe.re, err = bodyRegexp(e.Expr)
			ps.needBody = true
		case FromHeader:
			pe.Expr = http.CanonicalHeaderKey(e.Expr)
		}
		if err != nil {
			return ps, &Error{Path: c.s.Source, Field: field + ".extract." + e.Var, Err: err}
		}
		ps.extracts = append(ps.extracts, pe)
	}
	return ps, nil
}

// flowNameIndex is the index of a "FLOW/STEP" name in fp.names (by a map: linear in the steps).
func (c *compiler) flowNameIndex(fp *FlowPlan, name string) int {
	if c.flowNames == nil {
		c.flowNames = make(map[string]int, len(fp.names))
		for i, n := range fp.names {
			c.flowNames[n] = i
		}
	}
	if i, ok := c.flowNames[name]; ok {
		return i
	}
	return -1
}

// buildRequest compiles a request's URL, headers and body (every compiled request, of a
// requests list or of a flow step).
func (c *compiler) buildRequest(r *Request, field, base string) (planRequest, error) {
	pr := planRequest{nameIdx: c.nameIndex(r.Name), method: r.Method, follow: c.follow(r)}
	if pr.method == "" {
		pr.method = http.MethodGet
	}
	var err error
	if pr.url, err = c.requestURL(r.Path, field, base); err != nil {
		return pr, err
	}
	pr.resolve = len(pr.url) > 0 && pr.url[0].kind != opText
	markURL(pr.url)
	if pr.body, err = c.compileBody(r, field); err != nil {
		return pr, err
	}
	if err := c.compileHeaders(&pr, field, r.Headers, c.contentType(r)); err != nil {
		return pr, err
	}
	pr.vars = c.closure(append(append(usedVars(pr.url), usedVars(pr.body)...), headerVars(pr.headers)...))
	if err := c.precompute(&pr, field); err != nil {
		return pr, err
	}
	return pr, nil
}

// Names returns the "FLOW/STEP" names of the request steps; Iteration.Request returns
// indexes into it.
func (fp *FlowPlan) Names() []string { return slices.Clone(fp.names) }

// Flows describes the compiled flows, in scenario order (the flow indexes Start returns).
func (fp *FlowPlan) Flows() []FlowInfo {
	out := make([]FlowInfo, len(fp.flows))
	for i, f := range fp.flows {
		out[i] = FlowInfo{Name: f.info.Name, Steps: slices.Clone(f.info.Steps), Checks: slices.Clone(f.info.Checks), Polls: slices.Clone(f.info.Polls)}
	}
	return out
}

// FlowOf returns the flow iteration n takes, without starting it (for counting a dropped start).
func (fp *FlowPlan) FlowOf(n uint64) int {
	r := hitRNG(fp.base.seed, n+1)
	return pickWeighted(fp.cum, fp.total, fp.sequential, n+1, &r)
}

// NewIteration returns the reusable state of one session: Start it for each iteration it runs.
func (fp *FlowPlan) NewIteration() *Iteration { return &Iteration{fp: fp} }

// Iteration is the state of one flow iteration in progress: its variables and extracted
// values. One goroutine uses it at a time; Start reuses its buffers, so a session allocates
// nothing that grows with the run.
type Iteration struct {
	fp   *FlowPlan
	flow *planFlow
	h    hit
	pick rng // draws the element a [*] extraction takes
	out  []Outcome
	// the control flow: the next step, the groups in progress, what the last Next skipped
	pc      int
	frames  []frame
	skipped []int
	atMax   string
	// the conditions' inputs: the last response's status, each value's type, the env reused
	status int
	kinds  []valueKind
	typed  []typedValue
	env    map[string]any
	num    [20]byte // a group's index as text
}

// Outcome is one check's or extraction's result on a step's response: Check indexes the
// flow's FlowInfo.Checks; Seen, for a failure, says what was seen instead.
type Outcome struct {
	Check int
	Pass  bool
	Seen  string
}

// Response is what a step's checks and extractions read.
type Response struct {
	Status  int
	Header  http.Header
	Body    []byte
	Latency time.Duration
}

// Start begins iteration n (0-based): it picks the flow and evaluates the variables, and
// returns the flow's index.
func (it *Iteration) Start(n uint64) (int, error) {
	fp := it.fp
	seq := n + 1
	r := hitRNG(fp.base.seed, seq)
	fi := pickWeighted(fp.cum, fp.total, fp.sequential, seq, &r)
	it.flow = &fp.flows[fi]
	it.pick = hitRNG(fp.base.seed^0x5eed_f10e_5eed_f10e, seq)
	h := &it.h
	h.reset(seq, r, fp.nvals)
	clear(h.vals)
	h.shrink()
	it.pc, it.frames, it.status = 0, it.frames[:0], 0
	if cap(it.kinds) < fp.nvals {
		it.kinds = make([]valueKind, fp.nvals)
	}
	it.kinds = it.kinds[:fp.nvals]
	clear(it.kinds)
	if cap(it.typed) < fp.nvals {
		it.typed = make([]typedValue, fp.nvals)
	}
	it.typed = it.typed[:fp.nvals]
	clear(it.typed)
	var err error
	for vi := range fp.base.vars {
		start := len(h.vbuf)
		if h.vbuf, err = fp.base.render(h, h.vbuf, fp.base.vars[vi].ops); err != nil {
			return fi, err
		}
		h.vals[vi] = span{start, len(h.vbuf)}
		it.kinds[vi] = valueText
	}
	return fi, nil
}

// Steps is the number of steps of the iteration's flow as compiled (requests, think times, and
// the start and end of each group): the bound of the indexes Next returns. Walk a flow with
// Next, which follows its groups and conditions; index order is the written order.
func (it *Iteration) Steps() int { return len(it.flow.steps) }

// Think returns the pause of step i, drawn from the iteration's seed, when it is a think step.
func (it *Iteration) Think(i int) (time.Duration, bool) {
	t := it.flow.steps[i].think
	if t == nil {
		return 0, false
	}
	if t.Max == t.Min {
		return t.Min, true
	}
	return t.Min + time.Duration(it.h.rng.below(uint64(t.Max-t.Min)+1)), true
}

// Request renders request step i with the values known so far into tgt and returns the
// index of its name in FlowPlan.Names. tgt's Header may be shared: do not modify it.
func (it *Iteration) Request(i int, tgt *vegeta.Target) (int, error) {
	st := &it.flow.steps[i]
	tgt.Method = st.req.method
	if st.req.static {
		tgt.URL, tgt.Header, tgt.Body = st.req.staticURL, st.req.staticHeader, st.req.staticBody
		return st.req.nameIdx, nil
	}
	h := &it.h
	h.out, h.ends, h.body = h.out[:0], h.ends[:0], h.body[:0]
	return st.req.nameIdx, it.fp.base.fill(h, &st.req, tgt)
}

// NeedsBody says whether step i's checks or extractions read the response body.
func (it *Iteration) NeedsBody(i int) bool { return it.flow.steps[i].needBody }

// StatusChecked says whether step i checks the status code itself; otherwise a code outside
// 200..399 fails the request, as for plain requests.
func (it *Iteration) StatusChecked(i int) bool { return it.flow.steps[i].statusChecked }

// StopsOnFailure says whether a failure of step i ends the iteration (on_failure: stop).
func (it *Iteration) StopsOnFailure(i int) bool { return it.flow.steps[i].stop }

// HasChecks says whether step i has checks or extractions.
func (it *Iteration) HasChecks(i int) bool {
	st := &it.flow.steps[i]
	return len(st.checks)+len(st.extracts) > 0
}

// FirstRequest returns the index in FlowPlan.Names of the first request step of the
// iteration's flow (the request that fails when the iteration's variables cannot be evaluated).
func (it *Iteration) FirstRequest() int {
	for i := range it.flow.steps {
		if it.flow.steps[i].isRequest() {
			return it.flow.steps[i].req.nameIdx
		}
	}
	return -1
}

// follow is how many redirects request r follows: its own follow_redirects, else the
// scenario's (which --follow-redirects replaces).
func (c *compiler) follow(r *Request) int {
	if r.FollowRedirects != nil {
		return *r.FollowRedirects
	}
	return c.s.FollowRedirects
}

// FollowRedirects is how many redirects request step i follows (0: none).
func (it *Iteration) FollowRedirects(i int) int { return it.flow.steps[i].req.follow }

// Origins are the run's hosts (scheme://host:port) a redirect or a whole-path template may
// lead to: the target, the named hosts and the hosts of the steps' absolute URLs.
func (fp *FlowPlan) Origins() []string { return fp.base.origins }
