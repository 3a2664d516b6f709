package server

import (
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
)

// routeUnmatched is the route label of requests that matched no route (404, 405).
const routeUnmatched = "unmatched"

// metrics are one Server's Prometheus collectors, in its own registry.
type metrics struct {
	requests    *prometheus.CounterVec
	duration    *prometheus.HistogramVec
	cacheHits   prometheus.Counter
	cacheMisses prometheus.Counter
	routes      map[string]*routeMetrics // by pattern, fixed after routes()
	unmatched   *routeMetrics
}

// routeMetrics holds a route's pre-curried histogram and its counters by (method, code),
// found through a copy-on-write map so the hot path takes no lock and allocates nothing.
type routeMetrics struct {
	route    string
	requests *prometheus.CounterVec
	duration prometheus.Observer
	mu       sync.Mutex
	counters atomic.Pointer[map[counterKey]prometheus.Counter]
}

type counterKey struct {
	method string
	code   int
}

func newMetrics(reg *prometheus.Registry, inflight func() float64) *metrics {
	m := &metrics{
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "loadtest_server_requests_total",
			Help: "HTTP requests served, by method, route pattern and status code.",
		}, []string{"method", "route", "code"}),
		duration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "loadtest_server_request_duration_seconds",
			Help:    "Time from receiving a request to finishing its response, by route pattern.",
			Buckets: prometheus.ExponentialBuckets(0.0001, 2, 18), // 100µs .. 13s
		}, []string{"route"}),
		cacheHits: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "loadtest_server_cache_hits_total", Help: "Profile lookups answered by the cache.",
		}),
		cacheMisses: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "loadtest_server_cache_misses_total", Help: "Profile lookups the cache could not answer.",
		}),
		routes: make(map[string]*routeMetrics),
	}
	reg.MustRegister(m.requests, m.duration, m.cacheHits, m.cacheMisses,
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{
			Name: "loadtest_server_inflight_requests", Help: "Requests being served now.",
		}, inflight),
		collectors.NewGoCollector(),
		collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
	)
	m.unmatched = m.route(routeUnmatched)
	return m
}

// route returns the metrics of a route pattern, creating them on first use.
func (m *metrics) route(pattern string) *routeMetrics {
	if rm, ok := m.routes[pattern]; ok {
		return rm
	}
	rm := &routeMetrics{
		route:    pattern,
		requests: m.requests.MustCurryWith(prometheus.Labels{"route": pattern}),
		duration: m.duration.WithLabelValues(pattern),
	}
	empty := map[counterKey]prometheus.Counter{}
	rm.counters.Store(&empty)
	m.routes[pattern] = rm
	return rm
}

func (rm *routeMetrics) observe(method string, code int, elapsed time.Duration) {
	rm.duration.Observe(elapsed.Seconds())
	rm.counter(method, code).Inc()
}

func (rm *routeMetrics) counter(method string, code int) prometheus.Counter {
	key := counterKey{method, code}
	if c, ok := (*rm.counters.Load())[key]; ok {
		return c
	}
	rm.mu.Lock()
	defer rm.mu.Unlock()
	old := *rm.counters.Load()
	if c, ok := old[key]; ok {
		return c
	}
	c := rm.requests.WithLabelValues(method, strconv.Itoa(code))
	next := make(map[counterKey]prometheus.Counter, len(old)+1)
	for k, v := range old {
		next[k] = v
	}
	next[key] = c
	rm.counters.Store(&next)
	return c
}
