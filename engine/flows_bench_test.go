package engine

import (
	"context"
	"net/http"
	"net/http/httptest"
	"os"
	"runtime"
	"runtime/pprof"
	"syscall"
	"testing"
	"time"

	"github.com/loadtestdev/loadtest/scenarios"
)

// cpuTime is the process's user and system CPU time so far.
func cpuTime(b *testing.B) time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		b.Fatal(err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// BenchmarkFlowCPUPerRequest compares, in one run, the CPU per request of the same GET /echo
// sent as a plain requests: scenario and as a one-step flow, b.N hits or iterations at 10,000
// per second, and as a four-step flow, b.N/4 iterations at 2,500 per second (the same request
// rate). It reports cpu-µs/req of each and the ratios
// flow1/plain (the bound: at most 1.25) and flow4/plain. Against the in-process test
// server the figures include the server's CPU; with LOADTEST_BENCH_TARGET=http://HOST:PORT
// (e.g. a `loadtest server` in another process) they are the generator's alone.
func BenchmarkFlowCPUPerRequest(b *testing.B) {
	target := os.Getenv("LOADTEST_BENCH_TARGET")
	if target == "" {
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			_, _ = w.Write([]byte("ok"))
		}))
		defer srv.Close()
		target = srv.URL
	}
	plain := "requests: [{name: echo, path: /echo}]\n"
	flow1 := "flows: [{name: f, steps: [{name: echo, path: /echo}]}]\n"
	flow4 := "flows: [{name: f, steps: [{name: a, path: /echo, check: [{status: 200}]}, {name: b, path: /echo, check: [{status: 200}]}, " +
		"{name: c, path: /echo, check: [{status: 200}]}, {name: d, path: /echo, check: [{status: 200}]}]}]\n"
	n := uint64(b.N)
	perRequest := func(src string, iterations uint64, rate float64) float64 {
		sc, err := scenarios.Parse("bench.yaml", []byte(src))
		if err != nil {
			b.Fatal(err)
		}
		o := Options{Target: target, RatePerSec: rate, MaxRequests: iterations, Connections: 50, MaxSessions: 50}
		po := scenarios.PlanOptions{Target: target, Seed: 1}
		if len(sc.Flows) > 0 {
			if o.FlowPlan, err = sc.FlowPlan(po); err != nil {
				b.Fatal(err)
			}
		} else if o.Targeter, err = sc.Plan(po); err != nil {
			b.Fatal(err)
		}
		before := cpuTime(b)
		r, err := Run(context.Background(), o)
		cpu := cpuTime(b) - before
		if err != nil {
			b.Fatal(err)
		}
		if r.Requests == 0 || r.Successes != r.Requests {
			b.Fatalf("requests %d successes %d (dropped %d)", r.Requests, r.Successes, r.DroppedIterations)
		}
		return float64(cpu.Microseconds()) / float64(r.Requests)
	}
	b.ResetTimer()
	p := perRequest(plain, n, 10000)
	f1 := perRequest(flow1, n, 10000)
	f4 := perRequest(flow4, max(n/4, 1), 2500) // the same 10,000 requests per second
	b.StopTimer()
	b.ReportMetric(p, "cpu-µs/req-plain")
	b.ReportMetric(f1, "cpu-µs/req-flow1")
	b.ReportMetric(f4, "cpu-µs/req-flow4")
	b.ReportMetric(f1/p, "flow1/plain")
	b.ReportMetric(f4/p, "flow4/plain")
}

// BenchmarkFlowSessionMemory measures what a session costs while it thinks: it starts 10,000
// iterations of a flow whose one request is followed by a long think time, at 1,000 per
// second against an in-process server (max_sessions 10,000: later starts are dropped), and
// once every session has started (all of them
// parked in the think time) reads the heap and the goroutine stacks in use. It reports the
// bytes per session (heap and stacks in use, less before the run) and the goroutines per
// session; the run then stops and the grace cuts the sessions short.
// writeHeapProfile writes the heap profile to path, for go tool pprof -sample_index=inuse_space.
func writeHeapProfile(b *testing.B, path string) {
	f, err := os.Create(path)
	if err != nil {
		b.Fatal(err)
	}
	defer f.Close()
	if err := pprof.WriteHeapProfile(f); err != nil {
		b.Fatal(err)
	}
}

func BenchmarkFlowSessionMemory(b *testing.B) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = w.Write([]byte(`{"user": "42"}`))
	}))
	defer srv.Close()
	const sessions = 10000
	src := "flows: [{name: f, steps: [{name: a, path: /echo, check: [{status: 200}], extract: {u: {json: $.user}}}, " +
		"{think: 1h}, {name: b, path: '/echo?u={{ u }}'}]}]\n"
	_, fp := flowPlanOf(b, src, srv.URL)
	inUse := func() (uint64, int) {
		runtime.GC()
		var m runtime.MemStats
		runtime.ReadMemStats(&m)
		return m.HeapInuse + m.StackInuse, runtime.NumGoroutine()
	}
	fds := func() int { e, _ := os.ReadDir("/proc/self/fd"); return len(e) }
	var fdSum float64
	var perSession, goroutines float64
	for range b.N {
		before, g0 := inUse()
		var at uint64
		var g int
		ctx, cancel := context.WithCancel(context.Background())
		o := Options{FlowPlan: fp, RatePerSec: 1000, Duration: time.Minute, MaxSessions: sessions,
			Grace: 100 * time.Millisecond, Connections: 50,
			OnSecond: func(p Progress) error {
				if p.Iterations >= sessions && p.Requests >= sessions && at == 0 {
					at, g = inUse()
					fdSum += float64(fds())
					if path := os.Getenv("LOADTEST_BENCH_HEAPPROFILE"); path != "" {
						writeHeapProfile(b, path)
					}
					cancel()
				}
				return nil
			}}
		if _, err := Run(ctx, o); err != nil {
			b.Fatal(err)
		}
		cancel()
		if at == 0 {
			b.Fatal("the iterations never all started")
		}
		perSession += (float64(at) - float64(before)) / sessions
		goroutines += float64(g-g0) / sessions
	}
	b.ReportMetric(perSession/float64(b.N), "B/session")
	b.ReportMetric(goroutines/float64(b.N), "goroutines/session")
	b.ReportMetric(fdSum/float64(b.N), "fds")
}
