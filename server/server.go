// Package server is loadtest's reference Swiper server: a small dating-app API with an echo
// tier, a cache tier and a database tier, so that load tests have a realistic, controllable
// target on any machine. The database is SQLite, MySQL/MariaDB or PostgreSQL and the cache is
// in-process or Redis, each behind a small interface (Store, Cache). The server exposes
// Prometheus metrics and sheds load instead of collapsing.
//
// Use New to open the backends, seed and warm them, then Serve on a listener; Handler gives
// the http.Handler for in-process tests. Run is a server process's whole life (loadtest
// server): open, listen, say where, serve until the context ends or stdin closes, shut down.
package server

import (
	"context"
	"crypto/rand"
	"crypto/tls"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"sync"
	"sync/atomic"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
)

// Server is the reference Swiper server. It is safe for concurrent use.
type Server struct {
	opts    Options
	secret  []byte
	store   Store
	cache   Cache
	reg     *prometheus.Registry
	metrics *metrics
	mux     *http.ServeMux
	handler http.Handler
	tls     *tls.Config // nil: plain http
	tasks   *taskTier

	inflight  atomic.Int64 // requests being served
	limited   atomic.Int64 // requests in flight that count against MaxInflight
	logMu     sync.Mutex
	closeOnce sync.Once
	closeErr  error
}

// New opens the database and cache named in opts, creates the schema, seeds the bot users
// that are missing and warms the cache with them. Close releases what New opened.
func New(ctx context.Context, opts Options) (*Server, error) {
	o, err := opts.withDefaults()
	if err != nil {
		return nil, err
	}
	s := &Server{opts: o, secret: o.Secret, reg: prometheus.NewRegistry()}
	if s.tls, err = loadTLS(o); err != nil {
		return nil, err
	}
	if len(s.secret) == 0 {
		s.secret = make([]byte, 32)
		rand.Read(s.secret)
	}
	if s.store, err = openStore(ctx, o.DB, o.TablePrefix, o.DBMaxConns); err != nil {
		return nil, err
	}
	if o.Cache == "memory" {
		s.cache = newMemoryCache(o.CacheSize, o.CodeTTL)
	} else if s.cache, err = openRedisCache(ctx, o.Cache, "loadtest:"+o.TablePrefix, o.CodeTTL, o.DBMaxConns*4, o.Log); err != nil {
		s.store.Close()
		return nil, err
	}
	if err := s.store.Seed(ctx, o.Users); err != nil {
		s.Close()
		return nil, fmt.Errorf("server: %w", err)
	}
	if err := s.warm(ctx); err != nil {
		s.Close()
		return nil, fmt.Errorf("server: warm the cache: %w", err)
	}
	s.metrics = newMetrics(s.reg, func() float64 { return float64(s.inflight.Load()) })
	for name, db := range s.store.Pools() {
		s.reg.MustRegister(collectors.NewDBStatsCollector(db, name))
	}
	s.tasks = newTaskTier(s.reg, s.openTaskQueue(), o)
	s.mux = http.NewServeMux()
	s.routes()
	s.handler = s.instrument(s.mux)
	s.tasks.start()
	return s, nil
}

// warm loads users 1..Users from the database into the cache in batches.
func (s *Server) warm(ctx context.Context) error {
	const batch = 1000
	for from := int64(1); from <= int64(s.opts.Users); from += batch {
		users, err := s.store.Users(ctx, from, min(int64(s.opts.Users), from+batch-1))
		if err != nil {
			return err
		}
		entries := make(map[int64][]byte, len(users))
		for _, p := range users {
			data, err := json.Marshal(p)
			if err != nil {
				return err
			}
			entries[p.UID] = data
		}
		if err := s.cache.SetProfiles(ctx, entries); err != nil {
			return err
		}
	}
	return nil
}

// Handler returns the server's HTTP handler with all its middleware.
func (s *Server) Handler() http.Handler { return s.handler }

// Secret returns the HMAC key the server verifies session tokens with.
func (s *Server) Secret() []byte { return s.secret }

// Registry returns the server's Prometheus registry (the one GET /metrics exposes).
func (s *Server) Registry() *prometheus.Registry { return s.reg }

// Backends names the database and cache in use, e.g. "sqlite" and "memory".
func (s *Server) Backends() (db, cache string) { return s.store.Kind(), s.cache.Kind() }

// Serve accepts connections on ln until ctx is done, then shuts down gracefully: it stops
// accepting, lets in-flight requests finish for up to ShutdownTimeout, and closes the rest.
// It returns nil after a graceful shutdown. It does not close the Server's backends.
func (s *Server) Serve(ctx context.Context, ln net.Listener) error {
	hs := &http.Server{
		Handler:           s.handler,
		ReadHeaderTimeout: s.opts.ReadHeaderTimeout,
		ReadTimeout:       s.opts.ReadTimeout,
		WriteTimeout:      s.opts.WriteTimeout,
		IdleTimeout:       s.opts.IdleTimeout,
		MaxHeaderBytes:    64 << 10,
		Protocols:         protocols(),
		TLSConfig:         s.tls,
	}
	errc := make(chan error, 1)
	go func() {
		if s.tls != nil {
			errc <- hs.ServeTLS(ln, "", "")
			return
		}
		errc <- hs.Serve(ln)
	}()
	select {
	case err := <-errc:
		return fmt.Errorf("server: %w", err)
	case <-ctx.Done():
	}
	sctx, cancel := context.WithTimeout(context.Background(), s.opts.ShutdownTimeout)
	defer cancel()
	if err := hs.Shutdown(sctx); err != nil {
		hs.Close()
		<-errc
		return fmt.Errorf("server: shutdown after %v: %w", s.opts.ShutdownTimeout, err)
	}
	if err := <-errc; err != nil && !errors.Is(err, http.ErrServerClosed) {
		return fmt.Errorf("server: %w", err)
	}
	return nil
}

// openTaskQueue is the memory queue, or with a Redis cache a Redis list on the cache's
// client and key prefix, shared by the servers on that Redis.
func (s *Server) openTaskQueue() taskQueue {
	if rc, ok := s.cache.(*redisCache); ok {
		return newRedisTaskQueue(rc.rdb, rc.prefix, s.opts.TaskQueueMax, s.opts.TaskResultTTL)
	}
	return newMemoryTaskQueue(s.opts.TaskQueueMax, s.opts.TaskResultTTL)
}

// Close stops the task workers (a task one was running goes back to the head of the queue),
// then closes the database and the cache. It is safe to call more than once.
func (s *Server) Close() error {
	s.closeOnce.Do(func() {
		if s.tasks != nil {
			s.tasks.stop()
		}
		if s.cache != nil {
			s.closeErr = s.cache.Close()
		}
		if s.store != nil {
			s.closeErr = errors.Join(s.closeErr, s.store.Close())
		}
	})
	return s.closeErr
}

// Ping checks the database and the cache, naming the one that fails.
func (s *Server) Ping(ctx context.Context) error {
	if err := s.store.Ping(ctx); err != nil {
		return fmt.Errorf("database (%s): %w", s.store.Kind(), err)
	}
	if err := s.cache.Ping(ctx); err != nil {
		return fmt.Errorf("cache (%s): %w", s.cache.Kind(), err)
	}
	return nil
}
