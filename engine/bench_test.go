package engine

import (
	"context"
	"net/http"
	"net/http/httptest"
	"os"
	"testing"
	"time"

	vegeta "github.com/tsenart/vegeta/v12/lib"
)

// BenchmarkAggregatorAdd measures the per-result cost of the aggregation goroutine, which
// must keep up with vegeta's workers.
func BenchmarkAggregatorAdd(b *testing.B) {
	p, err := newPlan(Options{Targeter: newFake("http://127.0.0.1:1", "/a", "/b"), RatePerSec: 1e6})
	if err != nil {
		b.Fatal(err)
	}
	began := time.Now()
	a := newAggregator(p, began)
	res := &vegeta.Result{Code: 200, URL: "http://127.0.0.1:1/a#1"}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		res.Seq = uint64(i)
		res.Timestamp = began.Add(time.Duration(i) * time.Microsecond)
		res.Latency = time.Duration(500+i%1000) * time.Microsecond
		a.add(res)
	}
}

// BenchmarkRunMaxRate measures whole runs at max rate against a loopback server: ns/op is the
// generator's and the server's time per request together (they share the machine). With
// LOADTEST_BENCH_TARGET=http://HOST:PORT (e.g. a `loadtest server`) it loads that server's
// /echo instead, so that a CPU profile shows the generator alone.
func BenchmarkRunMaxRate(b *testing.B) {
	target := os.Getenv("LOADTEST_BENCH_TARGET")
	if target == "" {
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			_, _ = w.Write([]byte("ok"))
		}))
		defer srv.Close()
		target = srv.URL
	}
	b.ReportAllocs()
	b.ResetTimer()
	r, err := Run(context.Background(), Options{
		Targeter: newFake(target, "/echo"), MaxRequests: uint64(b.N), Connections: 50,
	})
	b.StopTimer()
	if err != nil {
		b.Fatal(err)
	}
	if r.Requests != uint64(b.N) || r.Successes != r.Requests {
		b.Fatalf("requests %d successes %d, want %d", r.Requests, r.Successes, b.N)
	}
	b.ReportMetric(r.Rate, "req/s")
}

// BenchmarkRunFixedRate is BenchmarkRunMaxRate at a constant 10,000 requests per second: the
// cost per request of pacing (vegeta's ticks and sleeps), for a CPU profile of the generator.
func BenchmarkRunFixedRate(b *testing.B) {
	target := os.Getenv("LOADTEST_BENCH_TARGET")
	if target == "" {
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			_, _ = w.Write([]byte("ok"))
		}))
		defer srv.Close()
		target = srv.URL
	}
	b.ReportAllocs()
	b.ResetTimer()
	r, err := Run(context.Background(), Options{
		Targeter: newFake(target, "/echo"), MaxRequests: uint64(b.N), Connections: 50, RatePerSec: 10000,
	})
	b.StopTimer()
	if err != nil {
		b.Fatal(err)
	}
	if r.Requests != uint64(b.N) || r.Successes != r.Requests {
		b.Fatalf("requests %d successes %d, want %d", r.Requests, r.Successes, b.N)
	}
	b.ReportMetric(r.Rate, "req/s")
}
