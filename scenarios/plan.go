package scenarios

import (
	"bytes"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	vegeta "github.com/tsenart/vegeta/v12/lib"
)

// Plan is a compiled scenario: the goroutine-safe source of the hits a run sends. Hit number N
// (counting Next calls from 1) is the same request with the same template values for a given
// seed, whichever goroutine asks for it; only which feeder row it gets depends on the order in
// which concurrent callers reach the feeder. The plan of a shard (PlanOptions.ShardCount > 1)
// numbers its hits as the whole run does: its k-th Next call is the whole run's hit
// (k−1)·ShardCount + ShardIndex + 1 ({{ counter }} included), so the shards of one seed send
// between them exactly the hits of the whole run.
type Plan struct {
	names      []string
	reqs       []planRequest
	cum        []uint64 // cumulative weights
	total      uint64
	sequential bool
	seed       uint64
	seq        atomic.Uint64
	shard      planShard
	vars       []planVar // in evaluation order: each after the variables it uses
	feeder     *feeder
	tokens     *tokenCache
	scratch    sync.Pool
	// origins are the run's hosts: the target's, the named hosts' and any absolute URL's
	// scheme://host:port; originSet holds them with explicit ports, for resolveURL
	origins   []string
	originSet map[string]bool
	// target is the run's target, where the paths of whole-path templates go
	target string
}

type planVar struct {
	name string
	ops  []op
}

type planRequest struct {
	nameIdx int
	method  string
	follow  int // redirects followed
	url     []op
	headers []planHeader
	body    []op
	vars    []int // variables this request uses, directly or through others, in evaluation order
	dynamic int   // number of templated header values
	// resolve says the path is a template as a whole ({{ location }}): its rendered value is
	// resolved against the run's hosts at each hit (resolveURL)
	resolve bool

	static       bool // nothing to render: the precomputed target is sent as is
	urlStatic    bool
	staticURL    string
	headerStatic bool
	staticHeader http.Header
	bodyStatic   bool
	staticBody   []byte
}

type planHeader struct {
	key    string
	ops    []op
	static []string // the value when it has no template, shared read-only between hits
}

// Plan compiles the scenario for a run. Errors are *Error (bad input): no target, a feeder
// that cannot be read or lacks a column, token() without a secret.
func (s *Scenario) Plan(opts PlanOptions) (*Plan, error) {
	c := &compiler{s: s, opts: opts, p: &Plan{seed: uint64(opts.Seed), sequential: s.Order == OrderSequential}}
	if err := c.compileShard(); err != nil {
		return nil, err
	}
	if err := c.compile(); err != nil {
		var e *Error
		if errors.As(err, &e) {
			return nil, err
		}
		return nil, &Error{Path: s.Source, Err: err}
	}
	return c.p, nil
}

// FollowRedirects returns, for each request name (indexed like Names), how many redirects
// its hits follow (the most of the requests of that name).
func (p *Plan) FollowRedirects() []int {
	out := make([]int, len(p.names))
	for _, r := range p.reqs {
		if r.nameIdx >= 0 && r.nameIdx < len(out) {
			out[r.nameIdx] = max(out[r.nameIdx], r.follow)
		}
	}
	return out
}

// Origins are the run's hosts (scheme://host:port) a redirect may lead to: the target's and
// those of the requests' absolute URLs.
func (p *Plan) Origins() []string { return slices.Clone(p.origins) }

// Names returns the request names in scenario order; Next returns indexes into it.
func (p *Plan) Names() []string { return slices.Clone(p.names) }

// Next fills tgt with the next hit (Method, URL, Header, Body) and returns the index of its
// request name. It is safe for concurrent use. The Header map and Body may be shared with
// other hits: callers must not modify them (vegeta's Target.Request copies both).
func (p *Plan) Next(tgt *vegeta.Target) (int, error) {
	seq := p.shard.global(p.seq.Add(1))
	r := hitRNG(p.seed, seq)
	req := &p.reqs[p.pick(seq, &r)]
	tgt.Method = req.method
	if req.static {
		tgt.URL, tgt.Header, tgt.Body = req.staticURL, req.staticHeader, req.staticBody
		return req.nameIdx, nil
	}
	h := p.scratch.Get().(*hit)
	h.reset(seq, r, len(p.vars))
	err := p.fill(h, req, tgt)
	h.shrink()
	p.scratch.Put(h)
	return req.nameIdx, err
}

// pick chooses the request of hit seq: weighted at random, or cycling in file order.
func (p *Plan) pick(seq uint64, r *rng) int {
	return pickWeighted(p.cum, p.total, p.sequential, seq, r)
}

// pickWeighted chooses among entries of cumulative weights cum (summing to total) for draw
// number seq: at random in proportion to the weights, or cycling in order, each repeated
// its weight times.
func pickWeighted(cum []uint64, total uint64, sequential bool, seq uint64, r *rng) int {
	if len(cum) == 1 {
		return 0
	}
	var x uint64
	if sequential {
		x = (seq - 1) % total
	} else {
		x = r.below(total)
	}
	lo, hi := 0, len(cum)-1
	for lo < hi {
		mid := int(uint(lo+hi) >> 1)
		if cum[mid] > x {
			hi = mid
		} else {
			lo = mid + 1
		}
	}
	return lo
}

// fill renders a templated request into tgt. The URL and templated header values share one
// string allocation; a templated body gets its own slice, since the HTTP client may still read
// it after Next returns.
func (p *Plan) fill(h *hit, req *planRequest, tgt *vegeta.Target) error {
	var err error
	for _, vi := range req.vars {
		start := len(h.vbuf)
		if h.vbuf, err = p.render(h, h.vbuf, p.vars[vi].ops); err != nil {
			return err
		}
		h.vals[vi] = span{start, len(h.vbuf)}
	}
	if !req.urlStatic {
		if h.out, err = p.render(h, h.out, req.url); err != nil {
			return err
		}
		h.ends = append(h.ends, len(h.out))
	}
	for i := range req.headers {
		if hd := &req.headers[i]; hd.static == nil {
			if h.out, err = p.render(h, h.out, hd.ops); err != nil {
				return err
			}
			h.ends = append(h.ends, len(h.out))
		}
	}
	if !req.bodyStatic {
		if h.body, err = p.render(h, h.body, req.body); err != nil {
			return err
		}
		tgt.Body = nil
		if len(h.body) > 0 {
			tgt.Body = bytes.Clone(h.body)
		}
	} else {
		tgt.Body = req.staticBody
	}
	rendered := string(h.out)
	ends, start := h.ends, 0
	take := func() string {
		s := rendered[start:ends[0]]
		start, ends = ends[0], ends[1:]
		return s
	}
	tgt.URL = req.staticURL
	if !req.urlStatic {
		tgt.URL = take()
	}
	if req.resolve {
		if tgt.URL, err = p.resolveURL(tgt.URL, p.target); err != nil {
			return err
		}
	}
	if req.headerStatic {
		tgt.Header = req.staticHeader
		return nil
	}
	hdr := make(http.Header, len(req.headers))
	values := make([]string, req.dynamic)
	for i := range req.headers {
		hd := &req.headers[i]
		if hd.static != nil {
			hdr[hd.key] = hd.static
			continue
		}
		values[0] = take()
		hdr[hd.key], values = values[:1:1], values[1:]
	}
	tgt.Header = hdr
	return nil
}

// compiler turns a Scenario into a Plan.
type compiler struct {
	s       *Scenario
	opts    PlanOptions
	p       *Plan
	varIdx  map[string]int
	varUses [][]int // variables each variable uses
	nameIdx map[string]int
	// flowNames indexes FlowPlan.names
	flowNames map[string]int
	hosts     map[string]string
	// quoteHosts, while a matches test compiles, quotes the hosts' URLs put in it
	quoteHosts func(string) string
}

func (c *compiler) compile() error {
	c.p.scratch.New = func() any { return new(hit) }
	if len(c.s.Requests) == 0 {
		return &Error{Path: c.s.Source, Field: "requests", Err: errors.New("no requests")}
	}
	base := c.opts.Target
	if base == "" {
		base = c.s.Target
	}
	if base == "" {
		return &Error{Path: c.s.Source, Field: "target", Err: errors.New("no target: give target: in the file or --target")}
	}
	base, err := parseTarget(base)
	if err != nil {
		return &Error{Path: c.s.Source, Field: "target", Err: err}
	}
	if err := c.startHosts(base); err != nil {
		return err
	}
	if err := c.loadFeeder(); err != nil {
		return err
	}
	if err := c.compileVariables(); err != nil {
		return err
	}
	for i := range c.s.Requests {
		if err := c.compileRequest(i, base); err != nil {
			return err
		}
	}
	c.p.indexOrigins()
	return nil
}

// startHosts makes the target the run's first host, then adds the named ones.
func (c *compiler) startHosts(base string) error {
	c.p.target = base
	c.addOrigin(base)
	return c.resolveHosts()
}

func (c *compiler) loadFeeder() error {
	if c.s.Feeder == "" {
		return nil
	}
	path := c.s.Feeder
	if !filepath.IsAbs(path) {
		dir := c.opts.Dir
		if dir == "" {
			dir = c.s.Dir()
		}
		path = filepath.Join(dir, path)
	}
	fd, err := loadFeeder(path)
	if err != nil {
		return &Error{Path: c.s.Source, Field: "feeder", Err: fmt.Errorf("feeder %s: %w", path, err)}
	}
	if err := fd.stripe(c.p.shard); err != nil {
		return &Error{Path: c.s.Source, Field: "feeder", Err: fmt.Errorf("feeder %s: %w", path, err)}
	}
	c.p.feeder = fd
	return nil
}

// template parses one field's template and binds its names.
func (c *compiler) template(field, src string) ([]op, error) {
	ops, err := parseTemplate(src)
	if err == nil {
		ops, err = substituteHosts(ops, c.hosts, c.quoteHosts)
	}
	if err != nil {
		return nil, &Error{Path: c.s.Source, Field: field, Err: fmt.Errorf("%s: %w", field, err)}
	}
	for i := range ops {
		o := &ops[i]
		switch {
		case o.kind == opVar:
			if o.idx, err = c.variable(field, o.name); err != nil {
				return nil, err
			}
		case o.arg.name != "":
			if o.arg.v, err = c.variable(field, o.arg.name); err != nil {
				return nil, err
			}
		case o.kind == opCSV:
			if c.p.feeder == nil {
				return nil, &Error{Path: c.s.Source, Field: field, Err: fmt.Errorf("%s: csv.%s needs a feeder", field, o.name)}
			}
			col, ok := c.p.feeder.index[o.name]
			if !ok {
				return nil, &Error{Path: c.s.Source, Field: field, Err: fmt.Errorf("%s: the feeder %s has no column %q, its columns are %s",
					field, c.s.Feeder, o.name, strings.Join(c.p.feeder.columns, ", "))}
			}
			o.idx = col
		}
	}
	if usesToken(ops) && c.p.tokens == nil {
		if len(c.opts.Secret) == 0 {
			return nil, &Error{Path: c.s.Source, Field: field, Err: &kindError{ErrNoSecret,
				field + ": token() needs the server's secret: use --secret or let the run start the bundled server"}}
		}
		c.p.tokens = newTokenCache(c.opts.Secret, time.Now)
	}
	return ops, nil
}

func (c *compiler) variable(field, name string) (int, error) {
	if i, ok := c.varIdx[name]; ok {
		return i, nil
	}
	return 0, &Error{Path: c.s.Source, Field: field, Err: fmt.Errorf("%s: %s", field, unknownName(name, c.s.Variables))}
}

// compileVariables orders the variables so each comes after those it uses, then compiles them.
func (c *compiler) compileVariables() error {
	parsed := map[string][]op{}
	deps := map[string][]string{}
	for name, src := range c.s.Variables {
		ops, err := parseTemplate(src)
		if err != nil {
			return &Error{Path: c.s.Source, Field: "variables." + name, Err: fmt.Errorf("variables.%s: %w", name, err)}
		}
		parsed[name] = ops
		deps[name], _ = templateNames(ops)
	}
	order, err := variableOrder(deps)
	if err != nil {
		return &Error{Path: c.s.Source, Field: "variables", Err: err}
	}
	c.varIdx = make(map[string]int, len(order))
	for i, name := range order {
		c.varIdx[name] = i
	}
	for _, name := range order {
		ops, err := c.template("variables."+name, c.s.Variables[name])
		if err != nil {
			return err
		}
		c.p.vars = append(c.p.vars, planVar{name: name, ops: ops})
		c.varUses = append(c.varUses, usedVars(ops))
	}
	return nil
}

func usedVars(ops []op) []int {
	var used []int
	for _, o := range ops {
		if o.kind == opVar {
			used = append(used, o.idx)
		} else if o.arg.name != "" {
			used = append(used, o.arg.v)
		}
	}
	return used
}

func (c *compiler) compileRequest(i int, base string) error {
	r := &c.s.Requests[i]
	field := fmt.Sprintf("requests[%d]", i)
	if r.Weight <= 0 {
		return &Error{Path: c.s.Source, Field: field + ".weight", Err: fmt.Errorf("request %q: weight %d must be positive", r.Name, r.Weight)}
	}
	if err := checkPath(r.Path); err != nil {
		return &Error{Path: c.s.Source, Field: field + ".path", Err: fmt.Errorf("request %q: %w", r.Name, err)}
	}
	pr, err := c.buildRequest(r, field, base)
	if err != nil {
		return err
	}
	c.p.reqs = append(c.p.reqs, pr)
	c.p.total += uint64(r.Weight)
	c.p.cum = append(c.p.cum, c.p.total)
	return nil
}

func (c *compiler) nameIndex(name string) int {
	if c.p.names == nil {
		c.p.names = c.s.RequestNames()
	}
	if c.nameIdx == nil { // a map, so that compiling n requests costs O(n), not O(n²)
		c.nameIdx = make(map[string]int, len(c.p.names))
		for i, n := range c.p.names {
			c.nameIdx[n] = i
		}
	}
	if i, ok := c.nameIdx[name]; ok {
		return i
	}
	return -1
}

// compileHeaders merges the scenario's headers with the request's (the request's win), and
// the Content-Type the body implies when neither sets one.
func (c *compiler) compileHeaders(pr *planRequest, field string, own map[string]string, contentType string) error {
	merged := map[string]string{}
	fields := map[string]string{}
	if contentType != "" {
		merged["Content-Type"], fields["Content-Type"] = escapeTemplate(contentType), field+".body"
	}
	for k, v := range c.s.Headers {
		merged[k], fields[k] = v, "headers."+k
	}
	for k, v := range own {
		merged[k], fields[k] = v, field+".headers."+k
	}
	keys := make([]string, 0, len(merged))
	for k := range merged {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		ops, err := c.template(fields[k], merged[k])
		if err != nil {
			return err
		}
		hd := planHeader{key: k, ops: ops}
		if text, ok := staticText(ops); ok {
			hd.static = []string{text}
		} else {
			pr.dynamic++
		}
		pr.headers = append(pr.headers, hd)
	}
	return nil
}

func headerVars(hs []planHeader) []int {
	var used []int
	for _, h := range hs {
		used = append(used, usedVars(h.ops)...)
	}
	return used
}

// closure returns the variables used, with everything they use, in evaluation order.
func (c *compiler) closure(direct []int) []int {
	need := make([]bool, len(c.p.vars))
	var mark func(int)
	mark = func(v int) {
		if need[v] {
			return
		}
		need[v] = true
		for _, u := range c.varUses[v] {
			mark(u)
		}
	}
	for _, v := range direct {
		if v < len(need) { // extracted values of flow steps are not variables
			mark(v)
		}
	}
	var out []int
	for v, ok := range need {
		if ok {
			out = append(out, v)
		}
	}
	return out
}

// precompute renders the parts of a request that have no template once, for every hit.
func (c *compiler) precompute(pr *planRequest, field string) error {
	var text string
	if text, pr.urlStatic = staticText(pr.url); pr.urlStatic {
		if _, err := url.Parse(text); err != nil {
			return &Error{Path: c.s.Source, Field: field + ".path", Err: fmt.Errorf("%s.path: %q is not a valid URL", field, text)}
		}
		pr.staticURL = text
	}
	if text, pr.bodyStatic = staticText(pr.body); pr.bodyStatic && text != "" {
		pr.staticBody = []byte(text)
	}
	if pr.dynamic == 0 {
		pr.headerStatic = true
		if len(pr.headers) > 0 {
			pr.staticHeader = make(http.Header, len(pr.headers))
			for _, h := range pr.headers {
				pr.staticHeader[h.key] = h.static
			}
		}
	}
	pr.static = pr.urlStatic && pr.bodyStatic && pr.headerStatic
	return nil
}

// staticText returns the text of ops that are all literal.
func staticText(ops []op) (string, bool) {
	switch {
	case len(ops) == 0:
		return "", true
	case len(ops) == 1 && ops[0].kind == opText:
		return ops[0].text, true
	}
	return "", false
}
