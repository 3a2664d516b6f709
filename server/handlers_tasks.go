package server

import (
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"
)

type taskRequest struct {
	Kind string `json:"kind"`
}

func (taskRequest) shape() string {
	return `a JSON object {"kind": "` + strings.Join(TaskKinds, `"|"`) + `"}`
}

// handleTaskSubmit queues a task of the caller's and answers 202 with it and its Location,
// or 503 with Retry-After when the queue is full.
func (s *Server) handleTaskSubmit(w http.ResponseWriter, r *http.Request, uid int64) {
	var req taskRequest
	if !decodeJSON(w, r, &req) {
		return
	}
	if !slices.Contains(TaskKinds, req.Kind) {
		writeError(w, http.StatusBadRequest, fmt.Sprintf("kind: %q is not a task kind: want one of %s", req.Kind, strings.Join(TaskKinds, ", ")))
		return
	}
	t, err := s.tasks.queue.Submit(r.Context(), req.Kind, uid, time.Now())
	if errors.Is(err, errTaskQueueFull) {
		s.tasks.metrics.rejected.WithLabelValues(req.Kind).Inc()
		w.Header().Set("Retry-After", strconv.Itoa(s.tasks.retryAfterSeconds(req.Kind)))
		writeError(w, http.StatusServiceUnavailable, fmt.Sprintf("task queue full: %d tasks waiting, retry later", s.tasks.queueMax))
		return
	}
	if err != nil {
		s.internalError(w, "task queue", err)
		return
	}
	s.tasks.metrics.submitted.WithLabelValues(req.Kind).Inc()
	w.Header().Set("Location", "/api/tasks/"+t.ID)
	writeJSON(w, http.StatusAccepted, t.view(t.Submitted))
}

// handleTaskGet answers a task of the caller's; another user's task is not found, as an
// unknown or expired one.
func (s *Server) handleTaskGet(w http.ResponseWriter, r *http.Request, uid int64) {
	id := r.PathValue("id")
	t, ok, err := s.tasks.queue.Get(r.Context(), id)
	if err != nil {
		s.internalError(w, "task queue", err)
		return
	}
	if !ok || t.UID != uid {
		writeError(w, http.StatusNotFound, fmt.Sprintf("task %q not found (unknown, another user's, or expired)", id))
		return
	}
	writeJSON(w, http.StatusOK, t.view(time.Now()))
}
