package server

import (
	"bufio"
	"errors"
	"fmt"
	"net"
	"net/http"
	"strconv"
	"sync"
	"time"

	"github.com/loadtestdev/loadtest/collector"
)

// statusRecorder remembers the status a handler wrote, and answers the router's own 404 and
// 405 in JSON. Recorders are pooled.
type statusRecorder struct {
	http.ResponseWriter
	req     *http.Request
	status  int
	bytes   int64
	discard bool // the router's plain-text error body, replaced by JSON
}

var recorderPool = sync.Pool{New: func() any { return new(statusRecorder) }}

func (r *statusRecorder) WriteHeader(code int) {
	if r.status == 0 {
		r.status = code
		if r.req.Pattern == "" && (code == http.StatusNotFound || code == http.StatusMethodNotAllowed) {
			// No route matched: this is ServeMux's http.Error, in plain text. Answer
			// {"error": ...} like every other error, keeping its Allow header.
			writeError(r, code, unmatchedMessage(r.req, code, r.Header().Get("Allow")))
			r.discard = true
			return
		}
	}
	r.ResponseWriter.WriteHeader(code)
}

// unmatchedMessage is the error of a request that matched no route.
func unmatchedMessage(req *http.Request, code int, allow string) string {
	if code == http.StatusMethodNotAllowed {
		return fmt.Sprintf("method %s not allowed on %s: allowed %s", req.Method, req.URL.Path, allow)
	}
	return fmt.Sprintf("no route for %s %s", req.Method, req.URL.Path)
}

func (r *statusRecorder) Write(b []byte) (int, error) {
	if r.discard {
		return len(b), nil
	}
	if r.status == 0 {
		r.status = http.StatusOK
	}
	n, err := r.ResponseWriter.Write(b)
	r.bytes += int64(n)
	return n, err
}

// Unwrap lets http.ResponseController reach the connection's writer.
func (r *statusRecorder) Unwrap() http.ResponseWriter { return r.ResponseWriter }

// Flush passes through so streaming handlers (pprof) keep working.
func (r *statusRecorder) Flush() {
	if f, ok := r.ResponseWriter.(http.Flusher); ok {
		f.Flush()
	}
}

// Hijack passes through for completeness.
func (r *statusRecorder) Hijack() (net.Conn, *bufio.ReadWriter, error) {
	if h, ok := r.ResponseWriter.(http.Hijacker); ok {
		return h.Hijack()
	}
	return nil, nil, errors.New("server: connection cannot be hijacked")
}

// instrument wraps the router: it counts in-flight requests, sheds load past MaxInflight
// (sparing the unshed paths), limits bodies, and records each request's route, status and
// latency. It allocates nothing per request by itself and logs only when an access log is
// configured.
func (s *Server) instrument(next http.Handler) http.Handler {
	maxInflight := int64(s.opts.MaxInflight)
	maxBody := s.opts.MaxBodyBytes
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		s.inflight.Add(1)
		defer s.inflight.Add(-1)
		shed := false
		if maxInflight > 0 && !unshed(r.URL.Path) {
			shed = s.limited.Add(1) > maxInflight
			defer s.limited.Add(-1)
		}
		rec := recorderPool.Get().(*statusRecorder)
		rec.ResponseWriter, rec.req, rec.status, rec.bytes, rec.discard = w, r, 0, 0, false

		if shed {
			r.Pattern = s.patternOf(r) // name the shed route in the metrics
			rec.Header().Set("Retry-After", "1")
			writeError(rec, http.StatusServiceUnavailable, "server overloaded: "+strconv.FormatInt(maxInflight, 10)+" requests in flight, retry later")
		} else {
			if r.ContentLength > maxBody {
				r.Pattern = s.patternOf(r)
				writeError(rec, http.StatusRequestEntityTooLarge, fmt.Sprintf("request body exceeds %d bytes", maxBody))
			} else {
				if r.Body != http.NoBody {
					r.Body = http.MaxBytesReader(rec, r.Body, maxBody)
				}
				next.ServeHTTP(rec, r)
			}
		}
		status := rec.status
		if status == 0 {
			status = http.StatusOK
		}
		elapsed := time.Since(start)
		rm := s.metrics.routes[r.Pattern]
		if rm == nil {
			rm = s.metrics.unmatched
		}
		rm.observe(r.Method, status, elapsed)
		if s.opts.AccessLog != nil {
			s.logAccess(r, rm.route, status, rec.bytes, elapsed)
		}
		rec.ResponseWriter, rec.req = nil, nil
		recorderPool.Put(rec)
	})
}

// unshed reports whether a path is exempt from MaxInflight: it is never shed and takes no
// slot, so an overloaded server still answers its health check, its metrics and the /stats
// that loadtest samples during a run.
func unshed(path string) bool {
	return path == "/healthz" || path == "/metrics" || path == collector.StatsPath
}

func (s *Server) patternOf(r *http.Request) string {
	_, pattern := s.mux.Handler(r)
	return pattern
}

// logAccess writes one line per request: time, remote, method, path, route, status, bytes,
// duration. Lines are written whole under a lock so concurrent requests do not interleave.
func (s *Server) logAccess(r *http.Request, route string, status int, bytes int64, elapsed time.Duration) {
	line := fmt.Sprintf("%s %s %s %q route=%q status=%d bytes=%d duration=%s\n",
		time.Now().UTC().Format(time.RFC3339Nano), r.RemoteAddr, r.Method, r.URL.RequestURI(), route, status, bytes, elapsed)
	s.logMu.Lock()
	s.opts.AccessLog.Write([]byte(line))
	s.logMu.Unlock()
}
