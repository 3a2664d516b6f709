package server

import (
	"net/http"
	"net/http/pprof"

	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/loadtestdev/loadtest/collector"
	"github.com/loadtestdev/loadtest/results"
)

// routes is the server's whole route table. Patterns are the route labels of the metrics.
func (s *Server) routes() {
	s.handle("GET /echo", s.handleEchoGet)
	s.handle("POST /echo", s.handleEchoPost)
	s.handle("GET /delay/{duration}", s.handleDelay)
	s.handle("GET /status/{code}", s.handleStatus)
	s.handle("GET /cache/users/{uid}", s.handleCacheUser)
	s.handle("GET /db/users/{uid}", s.handleDBUser)
	s.handle("GET /healthz", s.handleHealthz)
	s.handle("GET /metrics", promhttp.HandlerFor(s.reg, promhttp.HandlerOpts{}).ServeHTTP)
	s.handle("GET /stats", collector.StatsHandler(results.RoleServer).ServeHTTP)
	s.handle("GET /app", s.handleApp)

	s.handle("POST /api/user/vcode", s.handleVcode)
	s.handle("POST /api/user/login", s.handleLogin)
	s.handle("GET /api/user/profile", s.authed(s.handleProfileGet))
	s.handle("PUT /api/user/profile", s.authed(s.handleProfilePut))
	s.handle("GET /api/social/rcmd", s.authed(s.handleRcmd))
	s.handle("POST /api/social/like", s.authed(s.swipeHandler(KindLike)))
	s.handle("POST /api/social/dislike", s.authed(s.swipeHandler(KindDislike)))
	s.handle("POST /api/social/superlike", s.authed(s.swipeHandler(KindSuperlike)))
	s.handle("GET /api/social/friends", s.authed(s.handleFriends))
	s.handle("GET /api/social/rank", s.authed(s.handleRank))
	s.handle("GET /api/social/feed", s.authed(s.handleFeed))
	s.handle("POST /api/tasks", s.authed(s.handleTaskSubmit))
	s.handle("GET /api/tasks/{id}", s.authed(s.handleTaskGet))

	if s.opts.Pprof {
		s.handle("GET /debug/pprof/", pprof.Index)
		s.handle("GET /debug/pprof/cmdline", pprof.Cmdline)
		s.handle("GET /debug/pprof/profile", pprof.Profile)
		s.handle("GET /debug/pprof/symbol", pprof.Symbol)
		s.handle("POST /debug/pprof/symbol", pprof.Symbol)
		s.handle("GET /debug/pprof/trace", pprof.Trace)
	}
}

// handle registers a route and its metrics.
func (s *Server) handle(pattern string, h http.HandlerFunc) {
	s.metrics.route(pattern)
	s.mux.HandleFunc(pattern, h)
}
