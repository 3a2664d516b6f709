package gate

import (
	"testing"
	"time"

	"github.com/loadtestdev/loadtest/results"
)

// fabricate builds a result of n requests over durS seconds, the first `failed` of them
// failures, whose latencies are latency(i) and whose service times are half that.
func fabricate(t testing.TB, n, failed int, durS float64, latency func(i int) time.Duration) *results.Result {
	t.Helper()
	lat, svc := results.NewHistogram(), results.NewHistogram()
	for i := range n {
		results.RecordDuration(lat, latency(i))
		results.RecordDuration(svc, latency(i)/2)
	}
	latEnc, err := results.EncodeHistogram(lat)
	if err != nil {
		t.Fatal(err)
	}
	svcEnc, err := results.EncodeHistogram(svc)
	if err != nil {
		t.Fatal(err)
	}
	r := &results.Result{
		Schema:        results.Schema,
		Scenario:      "echo",
		Target:        "http://127.0.0.1:8080",
		DurationS:     durS,
		RateAsked:     float64(n) / durS,
		Requests:      uint64(n),
		Successes:     uint64(n - failed),
		LatencyMS:     results.Summarize(lat),
		ServiceTimeMS: results.Summarize(svc),
		Histograms:    results.Histograms{Latency: latEnc, ServiceTime: svcEnc},
	}
	if n > 0 {
		r.SuccessRatio = float64(n-failed) / float64(n)
	}
	r.Rate = float64(n) / durS
	r.Throughput = float64(n-failed) / durS
	return r
}

// linear gives request i a latency of (i+1) ms: 1..n ms, so pQ is about Q% of n ms.
func linear(i int) time.Duration { return time.Duration(i+1) * time.Millisecond }

// withRequest adds r's figures as the by-request stats of name.
func withRequest(r *results.Result, name string, s *results.Result) *results.Result {
	if r.ByRequest == nil {
		r.ByRequest = map[string]*results.RequestStats{}
	}
	r.ByRequest[name] = &results.RequestStats{
		Requests: s.Requests, Successes: s.Successes, SuccessRatio: s.SuccessRatio,
		Rate: s.Rate, Throughput: s.Throughput,
		LatencyMS: s.LatencyMS, ServiceTimeMS: s.ServiceTimeMS, Histograms: s.Histograms,
	}
	return r
}
