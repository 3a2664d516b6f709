package engine

import (
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/loadtestdev/loadtest/results"
)

// A plain request that may follow redirects: the attacker records one Result per hit, so the
// hit's own response must stay its Result (its status, and its latency) and the hops reach the
// aggregator beside it. redirectTransport, wrapped around the engine's transport, sees every
// redirect a hit gets; when the hit's request may follow, it reads the redirect's body, sends
// the hops itself, and files what they measured under the hit's number (its Result.Seq, which
// the attacker puts in the request's context), before the attacker sees the response. The
// aggregator takes the file when it reads that Result: it subtracts the hops' time from the hit's service time
// (exact: the time from the end of the redirect's body to the end of the last hop) and counts
// each hop as a request of its own. A run none of whose requests follows redirects has no
// redirectTransport, and its hits cost nothing more.

// redirectTransport follows the redirects of the hits whose request may follow some.
type redirectTransport struct {
	next   http.RoundTripper
	policy *redirectPolicy
	chains sync.Map // vegeta's hit Seq → *chain
}

// chain is what following a hit's redirects measured.
type chain struct {
	// elapsed is the time from the end of the hit's own response to the end of the last hop
	elapsed time.Duration
	// class and msg fail the hit itself: its redirect was refused, or its body failed
	class, msg string
	hops       []hopResult
}

// hopResult is one hop's request: its name in by_request and what it measured.
type hopResult struct {
	name       string
	code       uint16
	service    time.Duration
	done       time.Time
	class, msg string
	bytesOut   uint64
	// header holds the start of an error's body for its sample (keepErrorBody)
	header http.Header
}

// wrapRedirects returns rt wrapped in a redirectTransport when some request of t follows
// redirects, else rt and nil.
func wrapRedirects(rt http.RoundTripper, t Targeter) (http.RoundTripper, *redirectTransport) {
	rtg, ok := t.(RedirectTargeter)
	if !ok {
		return rt, nil
	}
	follow := rtg.FollowRedirects()
	for _, n := range follow {
		if n > 0 {
			w := &redirectTransport{next: rt, policy: newRedirectPolicy(follow, rtg.Origins())}
			return w, w
		}
	}
	return rt, nil
}

// RoundTrip sends req and, when it is a redirect its request follows, the hops.
func (t *redirectTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	resp, err := t.next.RoundTrip(req)
	if err != nil || !isRedirect(resp.StatusCode) {
		return resp, err
	}
	i, err := strconv.Atoi(req.URL.Fragment)
	if err != nil || i < 0 || i >= len(t.policy.follow) || t.policy.follow[i] == 0 {
		return resp, nil
	}
	seq, ok := req.Context().Value(seqKey{}).(uint64)
	if !ok {
		return resp, nil
	}
	t.chains.Store(seq, t.follow(req, resp, t.policy.follow[i]))
	resp.Body = http.NoBody // read already
	return resp, nil
}

// CloseIdleConnections lets http.Client.CloseIdleConnections reach the engine's transport.
func (t *redirectTransport) CloseIdleConnections() {
	if c, ok := t.next.(interface{ CloseIdleConnections() }); ok {
		c.CloseIdleConnections()
	}
}

// take returns the chain filed for hit seq, if any.
func (t *redirectTransport) take(seq uint64) *chain {
	if v, ok := t.chains.LoadAndDelete(seq); ok {
		return v.(*chain)
	}
	return nil
}

// follow reads resp's body and follows up to n redirects from it.
func (t *redirectTransport) follow(req *http.Request, resp *http.Response, n int) *chain {
	c := &chain{}
	_, err := io.Copy(io.Discard, resp.Body)
	_ = resp.Body.Close()
	if err != nil {
		c.class, c.msg = classify(0, err.Error()), err.Error()
		return c
	}
	start := time.Now()
	defer func() { c.elapsed = time.Since(start) }()
	prev, cur := req, resp
	for ; n > 0 && isRedirect(cur.StatusCode); n-- {
		h, err := t.policy.nextHop(prev, cur, false)
		if err != nil {
			c.refuse(err)
			return c
		}
		if h == nil {
			return c
		}
		next, r := t.send(h)
		c.hops = append(c.hops, r)
		if next == nil {
			return c
		}
		prev, cur = h.req, next
	}
	return c
}

// send sends one hop and reads its body.
func (t *redirectTransport) send(h *hop) (*http.Response, hopResult) {
	r := hopResult{name: h.name, bytesOut: uint64(max(h.req.ContentLength, 0))}
	sent := time.Now()
	resp, err := t.next.RoundTrip(h.req)
	if err == nil {
		_, err = io.Copy(io.Discard, resp.Body)
		_ = resp.Body.Close()
	}
	r.done = time.Now()
	r.service = r.done.Sub(sent)
	if err != nil {
		r.class, r.msg = classify(0, err.Error()), fmt.Sprintf("%s %s: %v", h.req.Method, display(h.req.URL), err)
		return nil, r
	}
	r.code = uint16(resp.StatusCode)
	if resp.StatusCode < 200 || resp.StatusCode >= 400 {
		r.class, r.msg = httpClass(r.code), fmt.Sprintf("%s %s: %s", h.req.Method, display(h.req.URL), resp.Status)
		r.header = resp.Header
	}
	return resp, r
}

// refuse fails the response whose redirect could not be followed: the hit's own, or the
// last hop's.
func (c *chain) refuse(err error) {
	class := refusalClass(err)
	if len(c.hops) == 0 {
		c.class, c.msg = class, err.Error()
		return
	}
	last := &c.hops[len(c.hops)-1]
	last.class, last.msg = class, err.Error()
}

// refusalClass is the class of a redirect nextHop refused.
func refusalClass(err error) string {
	if isBuildFailure(err.Error()) {
		return ClassBuild
	}
	return ClassRedirect
}

// addHops counts the hops a hit's redirects led to, each as a request of its own: latency is
// its service time (it left as soon as the response before it ended, so it waited for nothing).
func (a *aggregator) addHops(hops []hopResult) {
	for i := range hops {
		h := &hops[i]
		ok := h.class == ""
		a.total.add(h.code, ok, h.service, h.service, h.class, h.msg, h.header)
		a.hopStats(h.name).add(h.code, ok, h.service, h.service, h.class, h.msg, h.header)
		a.bytesOut += h.bytesOut
		a.timeline.add(h.done.Unix(), ok, h.service)
		results.RecordDuration(a.window, h.service)
		a.windowCount++
		if h.done.After(a.last) {
			a.last = h.done
		}
	}
}

// hopStats returns the figures of the requests named name: a request of the scenario of that
// name, else a hop's name of its own (after maxHopNames of them, one per method).
func (a *aggregator) hopStats(name string) *stats {
	if a.nameIdx == nil {
		a.nameIdx = make(map[string]int, len(a.names))
		for i, n := range a.names {
			a.nameIdx[n] = i
		}
	}
	if i, ok := a.nameIdx[name]; ok {
		return a.byName[i]
	}
	if len(a.names) >= maxHopNames+a.ownNames {
		method, _, _ := strings.Cut(name, " ")
		name = method + " (other redirects)"
		if i, ok := a.nameIdx[name]; ok {
			return a.byName[i]
		}
	}
	a.nameIdx[name] = len(a.names)
	a.names = append(a.names, name)
	st := newStats()
	a.byName = append(a.byName, st)
	return st
}
