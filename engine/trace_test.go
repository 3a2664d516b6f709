package engine

import (
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// recordingTracer keeps the events of a debug run as short lines.
type recordingTracer struct{ events []string }

func (r *recordingTracer) Request(q TraceRequest) {
	r.events = append(r.events, fmt.Sprintf("request %s %s body %q", q.Method, q.URL[strings.LastIndex(q.URL, "/"):], q.Body))
}

func (r *recordingTracer) Response(s TraceResponse) {
	r.events = append(r.events, fmt.Sprintf("response %s body %q of %d", s.Status, s.Body, s.BodyBytes))
}

func (r *recordingTracer) Step(s TraceStep) {
	line := fmt.Sprintf("step %s ok %v", s.Name, s.OK)
	for _, c := range s.Checks {
		line += fmt.Sprintf(" [%s %v]", c.Name, c.Pass)
	}
	for _, v := range s.Extracted {
		line += fmt.Sprintf(" %s=%s", v.Name, v.Value)
	}
	r.events = append(r.events, line)
}

// TestTraceFlowIteration: a traced iteration gives each request, its response (the first
// TraceBodyBytes of the body, and its size) and the step's checks and extracted values, in
// the order they happened.
func TestTraceFlowIteration(t *testing.T) {
	t.Parallel()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/login":
			_, _ = io.WriteString(w, `{"token":"t1"}`)
		case "/big":
			_, _ = io.WriteString(w, strings.Repeat("x", 3000))
		}
	}))
	defer srv.Close()
	src := `flows:
  - name: f
    steps:
      - name: login
        method: POST
        path: /login
        body: 'hi'
        extract:
          token: {json: $.token}
      - name: big
        path: /big
        check:
          - body_contains: "nope"
`
	tr := &recordingTracer{}
	runFlowYAML(t, src, srv.URL, Options{MaxRequests: 1, Connections: 1, MaxSessions: 1, Trace: tr})
	want := []string{
		`request POST /login body "hi"`,
		`response 200 OK body "{\"token\":\"t1\"}" of 14`,
		`step f/login ok true [extract token (json $.token) true] token=t1`,
		`request GET /big body ""`,
		fmt.Sprintf("response 200 OK body %q of 3000", strings.Repeat("x", TraceBodyBytes)),
		`step f/big ok false [body_contains "nope" false]`,
	}
	if got := strings.Join(tr.events, "\n"); got != strings.Join(want, "\n") {
		t.Errorf("got events\n%s\nwant\n%s", got, strings.Join(want, "\n"))
	}
}

// TestTracedWithoutTracer: a run without a Tracer keeps its transport as it is (no wrapper on
// the normal path).
func TestTracedWithoutTracer(t *testing.T) {
	rt := http.DefaultTransport
	if got := traced(rt, nil); got != rt {
		t.Errorf("got %T, want the transport itself", got)
	}
}

// TestTracedClosesIdleConnections: the trace wrapper passes CloseIdleConnections on, as the
// redirect wrapper does, so a debug run leaves no connection open.
func TestTracedClosesIdleConnections(t *testing.T) {
	inner := &closeCounter{}
	rt := traced(inner, &recordingTracer{})
	(&http.Client{Transport: rt}).CloseIdleConnections()
	if inner.closed != 1 {
		t.Errorf("got %d CloseIdleConnections on the engine's transport, want 1", inner.closed)
	}
}

type closeCounter struct{ closed int }

func (c *closeCounter) RoundTrip(*http.Request) (*http.Response, error) { return nil, io.EOF }
func (c *closeCounter) CloseIdleConnections()                           { c.closed++ }
