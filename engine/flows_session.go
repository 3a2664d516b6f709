package engine

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"sync/atomic"
	"time"

	"github.com/loadtestdev/loadtest/results"
	"github.com/loadtestdev/loadtest/scenarios"
	vegeta "github.com/tsenart/vegeta/v12/lib"
)

// session is one iteration in progress (see flows_sched.go), and what it reuses from one
// iteration to the next: its Iteration's buffers, its cookie jar, its timer.
type session struct {
	r      *flowRun
	it     *scenarios.Iteration
	jar    lazyJar
	w      *stepBuffers // the runner's, while a runner runs the session
	wake   *time.Timer  // hands the parked session back to a runner when its sleep is over
	parked atomic.Bool  // in a think time or a poll interval, on no runner

	// the iteration in progress
	job     flowJob
	phase   int
	flow    int
	prevEnd time.Time // the end of what came before the next step (the intended start first)
	due     time.Time // the end of the think time or poll interval the session is parked in
	first   bool      // the next request is the iteration's first
	failed  bool
	poll    *pollState // the poll in progress, in phasePoll (made on the session's first poll)
}

// stepBuffers are what a step is built and read in: a runner's, lent to the session it runs,
// so a parked session holds neither.
type stepBuffers struct {
	tgt  vegeta.Target
	body keptBody
	// requestBuilder builds a step's request, reusing the last one's parsed URL and, when
	// h1Transport sent it, the request itself; its scratch is what h1Transport reads the
	// response into, and its ctx the run's session context carrying the scratch: the step
	// reads its response, judges and records it before the runner sends another, and keeps
	// only strings of it (extracted values, an error sample). A step that follows redirects
	// goes without either: the hops' responses outlive the next request, and its requests
	// are the hops'.
	requestBuilder
}

// newSession returns an idle session of the run.
func (r *flowRun) newSession() *session {
	s := &session{r: r, it: r.p.FlowPlan.NewIteration()}
	s.wake = time.AfterFunc(time.Hour, s.woken)
	s.wake.Stop()
	return s
}

// advance runs the session's iteration in the runner's buffers w until it parks in a think
// time or a poll interval, or ends: its steps in the order its groups and conditions
// give, each request's latency from the end of what came before it (the intended start for
// the first).
func (s *session) advance(w *stepBuffers) {
	s.w = w
	switch s.phase {
	case phaseStart:
		if !s.start() {
			s.finish(false)
			return
		}
	case phaseThink, phasePoll: // woke from its sleep
		if s.r.sessCtx.Err() != nil {
			s.finish(true)
			return
		}
		s.prevEnd = s.due
		if s.phase == phaseThink {
			s.phase = phaseRun
		}
	}
	for {
		var i int
		if s.phase == phasePoll {
			i = s.poll.step
		} else {
			var more bool
			if i, more = s.next(); !more {
				s.finish(false)
				return
			}
			if d, ok := s.it.Think(i); ok {
				if parked, cut := s.sleep(s.prevEnd.Add(d), phaseThink); parked || cut {
					if cut {
						s.finish(true)
					}
					return
				}
				s.phase = phaseRun
				continue
			}
		}
		ok, end, aborted, again := s.runStep(i)
		if aborted {
			s.finish(true)
			return
		}
		if again {
			// the poll's next attempt is due an interval after this one's end
			if parked, cut := s.sleep(end.Add(s.poll.interval), phasePoll); parked || cut {
				if cut {
					s.finish(true)
				}
				return
			}
			continue
		}
		s.prevEnd = end
		if !ok {
			s.failed = true
			if s.it.StopsOnFailure(i) {
				s.finish(false)
				return
			}
		}
	}
}

// start starts the iteration of s.job; false when its variables could not be evaluated (its
// first request then fails, never built).
func (s *session) start() bool {
	r := s.r
	flow, err := s.it.Start(s.job.n)
	s.flow, s.phase, s.prevEnd, s.first, s.failed = flow, phaseRun, s.job.intended, true, err != nil
	r.mu.Lock()
	r.agg.flows.start(flow)
	r.agg.timeline.at(time.Now().Unix()).iterations++
	r.mu.Unlock()
	s.jar.reset()
	if err != nil {
		s.buildFailed(flow, s.it.FirstRequest(), err)
		return false
	}
	return true
}

// next returns the iteration's next step; false when it is over, or a condition or a repeat
// could not be evaluated (a failed request of class build: the iteration ends there).
func (s *session) next() (int, bool) {
	i, err := s.it.Next()
	s.countControl(s.flow)
	if err != nil {
		var ce *scenarios.CondError
		name := -1
		if errors.As(err, &ce) {
			name = ce.Name
		}
		s.buildFailed(s.flow, name, err)
		s.failed = true
		return -1, false
	}
	return i, i >= 0
}

// finish ends the iteration (cut: by the end of the grace) and frees its session.
func (s *session) finish(cut bool) {
	r := s.r
	if s.phase == phasePoll {
		// cut while parked between attempts: the poll ends at its last attempt's end
		s.endPoll(s.due.Add(-s.poll.interval))
	}
	if cut {
		r.cutShort.Add(1)
		s.failed = true
	}
	r.mu.Lock()
	r.agg.flows.end(s.flow, s.failed, s.prevEnd.Sub(s.job.intended))
	r.mu.Unlock()
	s.w, s.phase = nil, phaseStart
	r.release(s)
}

// stepOutcome is what one request step (or one of its redirects) measured.
type stepOutcome struct {
	code             uint16
	ok               bool
	latency, service time.Duration
	class, msg       string
	req              *http.Request // for messages (where)
	bytesOut         uint64
	lag              time.Duration // how late it left after what came before it
	// header is the response's header when it failed by its status: it holds the start of
	// the body for the error sample (readBody)
	header http.Header
	// cut is the cap the body kept for the checks was cut at (0: the whole body was kept)
	cut int64
	// note says where a poll stands after this attempt (for --debug)
	note string
}

// where is "METHOD URL" of the request, for messages (built only for a failure's).
func (o *stepOutcome) where() string {
	if o.req == nil {
		return "?"
	}
	return o.req.Method + " " + display(o.req.URL)
}

// step sends request step i, and the redirects it follows, and records them. It returns
// whether it passed, when it ended, and whether the end of the grace cut it short (then the
// request cut short is not counted).
func (s *session) step(flow, i int, prevEnd time.Time, first bool, ps *pollState) (ok bool, end time.Time, aborted bool) {
	r, it := s.r, s.it
	name, err := it.Request(i, &s.w.tgt)
	if ps != nil {
		ps.name = name
	}
	hops := it.FollowRedirects(i)
	var req *http.Request
	if err == nil {
		req, err = s.request(hops > 0)
	}
	if err != nil {
		if ps != nil {
			ps.attempts++
		}
		s.buildFailed(flow, name, err)
		return false, time.Now(), false
	}
	hopName, bytesOut := "", uint64(len(s.w.tgt.Body))
	for {
		out, resp, end, aborted := s.send(req, it.NeedsBody(i), it.StatusChecked(i), prevEnd, hopName != "")
		if aborted {
			return false, end, true
		}
		out.bytesOut = bytesOut
		var next *hop
		if out.class == "" && hops > 0 && isRedirect(int(out.code)) {
			var refusal error
			if next, refusal = r.redirects.nextHop(req, resp, true); refusal != nil {
				out.ok, out.class, out.msg = false, refusalClass(refusal), refusal.Error()
			}
		}
		final := next == nil
		if final && out.class == "" && it.StatusChecked(i) {
			out.ok = true // the step's status check judges the code
		}
		if final && !out.ok && out.class == "" {
			out.class, out.msg = httpClass(out.code), fmt.Sprintf("%s: %d %s", out.where(), out.code, http.StatusText(int(out.code)))
		}
		var outcomes []scenarios.Outcome
		if final {
			it.Answered(int(out.code)) // 0 when no response came
		}
		if final && out.class == "" {
			if it.HasChecks(i) {
				outcomes = it.Verify(i, &scenarios.Response{Status: int(out.code), Header: resp.Header, Body: s.w.body.buf, Latency: out.latency})
				out.cut = s.w.body.cut
			}
		}
		s.judgeChecks(flow, outcomes, &out)
		if final && ps != nil {
			ps.attempts++
			if out.ok {
				s.judgePoll(i, ps, &out, end)
			}
		}
		s.record(flow, name, hopName, first, outcomes, &out, hopName == "")
		if r.p.Trace != nil {
			s.traceStep(flow, i, name, hopName, outcomes, &out)
		}
		if final {
			s.w.recycle()
			return out.ok, end, false
		}
		req, hopName, hops, first = next.req, next.name, hops-1, false
		bytesOut = uint64(max(req.ContentLength, 0))
	}
}

// send sends one request of a step and reads its response; the outcome's ok says only whether
// a response came with a code in 200..399 (the caller applies the step's checks). A hop of a
// redirect is a request of its own but not one of the steps the run sends (sent, planned).
func (s *session) send(req *http.Request, keepBody, statusChecked bool, prevEnd time.Time, hop bool) (out stepOutcome, resp *http.Response, end time.Time, aborted bool) {
	r := s.r
	if !hop {
		r.sentRequests.Add(1)
	}
	sent := time.Now()
	resp, err := s.do(req)
	if err == nil {
		out.code = uint16(resp.StatusCode)
		// the start of the body of a response failed by its status, for the error sample
		sample := (out.code < 200 || out.code >= 400) && !statusChecked
		err = s.readBody(resp, keepBody, sample)
	}
	end = time.Now()
	if err != nil && r.sessCtx.Err() != nil {
		return out, nil, end, true
	}
	out.req = req
	out.service = end.Sub(sent)
	out.latency = out.service // a hop leaves as soon as the response before it ended
	if !hop {
		out.lag = sent.Sub(prevEnd)
		out.latency = correctedLatency(out.service, out.lag, r.agg.slack)
	}
	out.ok = err == nil && out.code >= 200 && out.code < 400
	if err != nil {
		out.class, out.msg = classify(0, err.Error()), err.Error()
	} else if !out.ok {
		out.header = resp.Header
	}
	return out, resp, end, false
}

// do sends req through the run's transport as an http.Client with the session's jar would,
// whose CheckRedirect is http.ErrUseLastResponse (a step sees its own response: a redirect is
// the step's answer, its Location can be extracted, not followed): the jar's cookies added,
// the response's filed in it. It goes through send, without the copies http.Client makes of
// each request to be able to follow redirects.
func (s *session) do(req *http.Request) (*http.Response, error) {
	for _, c := range s.jar.Cookies(req.URL) {
		req.AddCookie(c)
	}
	resp, err := send(s.r.transport, req)
	if err != nil {
		return nil, err
	}
	if rc := resp.Cookies(); len(rc) > 0 {
		s.jar.SetCookies(req.URL, rc)
	}
	return resp, nil
}

// record counts a request of a step (hopName empty) or of one of its redirects, and its
// checks (judgeChecks has judged them). sent says whether it is one of the run's sent requests (a step sent: not
// a hop, not a request that could not be built), which the requests in flight count.
func (s *session) record(flow, name int, hopName string, first bool, outcomes []scenarios.Outcome, out *stepOutcome, sent bool) {
	r := s.r
	a := r.agg
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, o := range outcomes {
		a.flows.check(flow, o)
	}
	if first && a.p.schedule != nil && out.lag > lateAfter {
		a.late++
		a.maxLag = max(a.maxLag, out.lag)
	}
	if sent {
		inFlight := min(r.sentRequests.Load()-a.received, uint64(r.sessions))
		a.peakInFlight = max(a.peakInFlight, inFlight)
		a.received++
	}
	a.total.add(out.code, out.ok, out.latency, out.service, out.class, out.msg, out.header)
	if hopName != "" {
		a.hopStats(hopName).add(out.code, out.ok, out.latency, out.service, out.class, out.msg, out.header)
	} else if name >= 0 && name < len(a.byName) {
		a.byName[name].add(out.code, out.ok, out.latency, out.service, out.class, out.msg, out.header)
	}
	a.bytesOut += out.bytesOut
	done := time.Now()
	a.timeline.add(done.Unix(), out.ok, out.latency)
	results.RecordDuration(a.window, out.latency)
	a.windowCount++
	if done.After(a.last) {
		a.last = done
	}
}

// judgeChecks fails a request whose check or extraction failed (class check), with a message
// naming the first that failed and what was seen.
func (s *session) judgeChecks(flow int, outcomes []scenarios.Outcome, out *stepOutcome) {
	info := &s.r.agg.flows.infos[flow]
	for _, o := range outcomes {
		if !o.Pass && out.ok {
			out.ok, out.class = false, checkClass
			out.msg = fmt.Sprintf("%s: check %q failed: saw %s", out.where(), info.Checks[o.Check].Name, o.Seen)
			if out.cut > 0 {
				out.msg = fmt.Sprintf("%s: check %q failed: %s (saw %s)", out.where(), info.Checks[o.Check].Name, cutMessage(out.cut), o.Seen)
			}
		}
	}
}

// checkClass is the error class of a request failed by a check or an extraction.
const checkClass = "check"

// buildFailed records request step name, which could not be built (a value that makes an
// invalid URL, a control byte in a header, token of a value that is not a number), as a
// failed request of class build whose sample names the step and the error (which quotes the
// value): the run goes on. It was never sent, so it is not counted as sent or in flight.
func (s *session) buildFailed(flow, name int, err error) {
	out := stepOutcome{class: ClassBuild}
	step := "?"
	if names := s.r.p.Targeter.Names(); name >= 0 && name < len(names) {
		step = names[name]
	}
	out.msg = fmt.Sprintf("step %s: %s: %v", step, buildFailure, err)
	s.record(flow, name, "", false, nil, &out, false)
	if s.r.p.Trace != nil {
		s.traceStep(flow, -1, name, "", nil, &out)
	}
}

// request builds the request of the step rendered in the runner's target: a new one with the
// run's session context when it follows redirects, else one the runner reuses (stepBuffers).
func (s *session) request(redirects bool) (*http.Request, error) {
	w := s.w
	if redirects {
		return newFlowRequest(s.r.sessCtx, &w.tgt)
	}
	req, err := w.request(&w.tgt)
	if err == nil {
		err = checkHeader(w.tgt.Header)
	}
	if err != nil {
		return nil, err
	}
	w.sent, w.scratch.sent = req, false
	return req, nil
}

// newFlowRequest builds a step's request from its rendered target, as vegeta.Target.Request
// does, with the session's context.
func newFlowRequest(ctx context.Context, t *vegeta.Target) (*http.Request, error) {
	var body io.Reader
	if len(t.Body) > 0 {
		body = bytes.NewReader(t.Body)
	}
	req, err := http.NewRequestWithContext(ctx, t.Method, t.URL, body)
	if err != nil {
		return nil, err
	}
	if err := checkHeader(t.Header); err != nil {
		return nil, err
	}
	for k, vs := range t.Header {
		req.Header[k] = append([]string(nil), vs...)
	}
	if host := req.Header.Get("Host"); host != "" {
		req.Host = host
	}
	return req, nil
}

// lazyJar is an iteration's cookie jar (net/http/cookiejar), made on the first cookie a
// response sets: a flow that sets no cookie costs no jar.
type lazyJar struct{ jar *cookiejar.Jar }

func (j *lazyJar) SetCookies(u *url.URL, cookies []*http.Cookie) {
	if len(cookies) == 0 {
		return
	}
	if j.jar == nil {
		j.jar, _ = cookiejar.New(nil) // never fails without options
	}
	j.jar.SetCookies(u, cookies)
}

func (j *lazyJar) Cookies(u *url.URL) []*http.Cookie {
	if j.jar == nil {
		return nil
	}
	return j.jar.Cookies(u)
}

func (j *lazyJar) reset() { j.jar = nil }
