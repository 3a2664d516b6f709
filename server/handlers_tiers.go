package server

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strconv"
	"time"
)

// The /echo response, shared by every request (net/http does not modify header values).
var (
	okBody       = []byte("ok")
	textPlain    = []string{"text/plain; charset=utf-8"}
	okBodyLength = []string{"2"}
)

func (s *Server) handleEchoGet(w http.ResponseWriter, r *http.Request) {
	h := w.Header()
	h["Content-Type"] = textPlain
	h["Content-Length"] = okBodyLength
	w.Write(okBody)
}

// handleEchoPost echoes the body with its content type. The body is read whole first, so a
// body past the limit gets a clean 413 rather than a truncated 200.
func (s *Server) handleEchoPost(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(r.Body)
	var tooBig *http.MaxBytesError
	if errors.As(err, &tooBig) {
		writeError(w, http.StatusRequestEntityTooLarge, fmt.Sprintf("request body exceeds %d bytes", tooBig.Limit))
		return
	}
	if err != nil {
		writeError(w, http.StatusBadRequest, "read body: "+err.Error())
		return
	}
	ct := r.Header.Get("Content-Type")
	if ct == "" {
		ct = "application/octet-stream"
	}
	w.Header().Set("Content-Type", ct)
	w.Header().Set("Content-Length", strconv.Itoa(len(body)))
	w.Write(body)
}

func (s *Server) handleDelay(w http.ResponseWriter, r *http.Request) {
	d, err := time.ParseDuration(r.PathValue("duration"))
	if err != nil || d < 0 || d > MaxDelay {
		writeError(w, http.StatusBadRequest, fmt.Sprintf("delay %q: want a duration from 0s to %v, e.g. 50ms", r.PathValue("duration"), MaxDelay))
		return
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		w.Write(okBody)
	case <-r.Context().Done(): // the client went away
	}
}

func (s *Server) handleStatus(w http.ResponseWriter, r *http.Request) {
	code, err := strconv.Atoi(r.PathValue("code"))
	if err != nil || code < 200 || code > 599 {
		writeError(w, http.StatusBadRequest, fmt.Sprintf("status %q: want a code from 200 to 599", r.PathValue("code")))
		return
	}
	if code == http.StatusNoContent || code == http.StatusNotModified {
		w.WriteHeader(code)
		return
	}
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.WriteHeader(code)
	fmt.Fprintln(w, http.StatusText(code))
}

// pathUID parses the {uid} path value; on failure it writes 400 and returns false.
func pathUID(w http.ResponseWriter, r *http.Request) (int64, bool) {
	uid, err := strconv.ParseInt(r.PathValue("uid"), 10, 64)
	if err != nil || uid <= 0 {
		writeError(w, http.StatusBadRequest, fmt.Sprintf("uid %q: want a positive integer", r.PathValue("uid")))
		return 0, false
	}
	return uid, true
}

// handleCacheUser answers from the cache alone: the cache tier of a load test.
func (s *Server) handleCacheUser(w http.ResponseWriter, r *http.Request) {
	uid, ok := pathUID(w, r)
	if !ok {
		return
	}
	data, hit, err := s.cache.Profile(r.Context(), uid)
	if err != nil {
		writeError(w, http.StatusServiceUnavailable, "cache: "+err.Error())
		return
	}
	if !hit {
		s.metrics.cacheMisses.Inc()
		writeError(w, http.StatusNotFound, fmt.Sprintf("user %d not in the cache", uid))
		return
	}
	s.metrics.cacheHits.Inc()
	writeRawJSON(w, http.StatusOK, data)
}

// handleDBUser reads by primary key from the database alone: the database tier.
func (s *Server) handleDBUser(w http.ResponseWriter, r *http.Request) {
	uid, ok := pathUID(w, r)
	if !ok {
		return
	}
	p, err := s.store.User(r.Context(), uid)
	if errors.Is(err, errNotFound) {
		writeError(w, http.StatusNotFound, fmt.Sprintf("user %d not found", uid))
		return
	}
	if err != nil {
		s.internalError(w, "database", err)
		return
	}
	writeJSON(w, http.StatusOK, p)
}

func (s *Server) handleHealthz(w http.ResponseWriter, r *http.Request) {
	ctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
	defer cancel()
	if err := s.Ping(ctx); err != nil {
		writeError(w, http.StatusServiceUnavailable, err.Error())
		return
	}
	writeJSON(w, http.StatusOK, map[string]string{"status": "ok", "database": s.store.Kind(), "cache": s.cache.Kind()})
}

// internalError answers 503 when a backend is unavailable (cannot be reached or its
// connection broke) or timed out, 500 otherwise.
func (s *Server) internalError(w http.ResponseWriter, backend string, err error) {
	var netErr *net.OpError
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) || errors.As(err, &netErr) {
		writeError(w, http.StatusServiceUnavailable, backend+": "+err.Error())
		return
	}
	writeError(w, http.StatusInternalServerError, backend+": "+err.Error())
}

// profileJSON is the cached form of a profile.
func profileJSON(p Profile) []byte {
	data, _ := json.Marshal(p) // a Profile always encodes
	return data
}
