package engine

import (
	"bytes"
	"io"
	"net/http"
	"sync"
	"time"

	"github.com/loadtestdev/loadtest/scenarios"
)

// A debug run (loadtest run --debug) traces each request it sends, each response and, for a
// flow step, its checks, extractions and verdict, in the order they happen, to the run's
// Tracer (Options.Trace; reports.DebugTrace prints them). A run without a Tracer has no trace
// transport and no trace call: a nil comparison per step is all it costs.

// TraceBodyBytes is how much of each request and response body a trace keeps.
const TraceBodyBytes = 1 << 10

// Tracer receives the events of a debug run. Its methods are called one at a time (a debug
// run has one connection or session), in the order the events happen.
type Tracer interface {
	Request(TraceRequest)
	Response(TraceResponse)
	Step(TraceStep)
}

// TraceRequest is a request as it was sent (the headers the engine added included).
type TraceRequest struct {
	Method, URL, Proto string
	Header             http.Header
	// Body is the first TraceBodyBytes of the body, whose length is BodyBytes.
	Body      []byte
	BodyBytes int64
}

// TraceResponse is the answer to the request traced before it: a response, or Err.
type TraceResponse struct {
	Status, Proto string
	Header        http.Header
	// Body is the first TraceBodyBytes of the body, of which BodyBytes were read.
	Body      []byte
	BodyBytes int64
	// Duration is from the request's send until the body was closed.
	Duration time.Duration
	Err      error
}

// TraceStep is a flow step's verdict after its response (and redirects): its checks and
// extractions in order, what the extractions took, and the request's outcome as the run
// counts it (Class and Message of a failure).
type TraceStep struct {
	Name string
	// Skipped says a when skipped the step: it was not sent (OK is true).
	Skipped bool
	// Note says where a poll stands after this attempt.
	Note      string
	OK        bool
	Class     string
	Message   string
	Checks    []TraceCheck
	Extracted []scenarios.ExtractedValue
}

// TraceCheck is one check's or extraction's outcome; Seen says what a failure saw.
type TraceCheck struct {
	Name string
	Pass bool
	Seen string
}

// traced wraps rt so that each round trip is traced to t; without a Tracer it is rt itself.
func traced(rt http.RoundTripper, t Tracer) http.RoundTripper {
	if t == nil {
		return rt
	}
	return &traceTransport{next: rt, t: t}
}

// traceTransport traces each round trip: the request once it has left (so that the headers
// the engine's transport adds are shown), the response once its body is closed.
type traceTransport struct {
	next http.RoundTripper
	t    Tracer
	mu   sync.Mutex // the events of one round trip stay together
}

func (tt *traceTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	sent := time.Now()
	resp, err := tt.next.RoundTrip(req)
	tt.mu.Lock()
	tt.t.Request(traceRequest(req))
	if err != nil {
		tt.t.Response(TraceResponse{Err: err, Duration: time.Since(sent)})
		tt.mu.Unlock()
		return resp, err
	}
	tt.mu.Unlock()
	resp.Body = &traceBody{ReadCloser: resp.Body, tt: tt, resp: resp, sent: sent}
	return resp, nil
}

// CloseIdleConnections lets http.Client.CloseIdleConnections reach the engine's transport.
func (tt *traceTransport) CloseIdleConnections() {
	if c, ok := tt.next.(interface{ CloseIdleConnections() }); ok {
		c.CloseIdleConnections()
	}
}

func traceRequest(req *http.Request) TraceRequest {
	u := *req.URL
	u.Fragment, u.RawFragment = "", "" // the engine's tag of a hit, never sent
	tr := TraceRequest{Method: req.Method, URL: u.String(), Proto: req.Proto, Header: req.Header.Clone()}
	if req.Host != "" && req.Host != req.URL.Host {
		tr.Header.Set("Host", req.Host)
	}
	if req.GetBody != nil {
		if body, err := req.GetBody(); err == nil {
			var buf bytes.Buffer
			n, _ := io.Copy(&buf, body)
			tr.BodyBytes = n
			tr.Body = buf.Bytes()[:min(buf.Len(), TraceBodyBytes)]
		}
	}
	return tr
}

// traceBody keeps the first TraceBodyBytes of a response body and traces the response when
// the body is closed.
type traceBody struct {
	io.ReadCloser
	tt     *traceTransport
	resp   *http.Response
	sent   time.Time
	kept   []byte
	n      int64
	closed bool
}

func (b *traceBody) Read(p []byte) (int, error) {
	n, err := b.ReadCloser.Read(p)
	if room := TraceBodyBytes - len(b.kept); room > 0 {
		b.kept = append(b.kept, p[:min(n, room)]...)
	}
	b.n += int64(n)
	return n, err
}

func (b *traceBody) Close() error {
	err := b.ReadCloser.Close()
	if b.closed {
		return err
	}
	b.closed = true
	h := b.resp.Header.Clone()
	delete(h, errorBodyKey) // the engine's own note, not the server's
	b.tt.mu.Lock()
	defer b.tt.mu.Unlock()
	b.tt.t.Response(TraceResponse{Status: b.resp.Status, Proto: b.resp.Proto, Header: h,
		Body: b.kept, BodyBytes: b.n, Duration: time.Since(b.sent)})
	return err
}

// traceStep traces flow step i's verdict (after record has judged it).
// name indexes the step names, hopName names a redirect's hop; a step that could not be built
// has i -1.
func (s *session) traceStep(flow, i, name int, hopName string, outcomes []scenarios.Outcome, out *stepOutcome) {
	ts := TraceStep{OK: out.ok, Class: out.class, Message: out.msg, Name: hopName, Note: out.note}
	if names := s.r.p.Targeter.Names(); ts.Name == "" && name >= 0 && name < len(names) {
		ts.Name = names[name]
	}
	info := &s.r.agg.flows.infos[flow]
	for _, o := range outcomes {
		ts.Checks = append(ts.Checks, TraceCheck{Name: info.Checks[o.Check].Name, Pass: o.Pass, Seen: o.Seen})
	}
	if i >= 0 && len(outcomes) > 0 {
		ts.Extracted = s.it.Extracted(i, outcomes)
	}
	s.r.p.Trace.Step(ts)
}
