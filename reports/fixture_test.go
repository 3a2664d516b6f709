package reports

import (
	"math"
	"testing"

	hdrhistogram "github.com/HdrHistogram/hdrhistogram-go"
	"time"

	"github.com/loadtestdev/loadtest/results"
)

// fixtureStart is the fixed start time of the fabricated result.
var fixtureStart = time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)

// fabricatedLatency returns the i-th latency of the fabricated run: a deterministic spread
// from about 1 ms to 200 ms with a tail, so that every percentile differs.
func fabricatedLatency(i int) time.Duration {
	x := uint64(i)*2654435761%1000 + 1 // 1..1000, evenly spread
	us := 800 + x*x/8                  // 0.8 ms .. 125.8 ms, quadratic tail
	if i%97 == 0 {
		us += 250_000 // a slow request now and then
	}
	return time.Duration(us) * time.Microsecond
}

// fixtureResult builds the fixed result every golden file is rendered from: 5 seconds at
// 100 req/s, two named requests, a few errors, host samples on both sides, a warning and two
// thresholds (one failed).
func fixtureResult(t testing.TB) *results.Result {
	t.Helper()
	const seconds, perSecond = 5, 100
	lat, svc := results.NewHistogram(), results.NewHistogram()
	named := map[string][2]*hdrhistogram.Histogram{"home": {results.NewHistogram(), results.NewHistogram()}, "search": {results.NewHistogram(), results.NewHistogram()}}
	r := &results.Result{
		Schema: results.Schema, Version: "v0.1.0-test", Scenario: "echo", Target: "http://127.0.0.1:8080",
		Started: fixtureStart, Ended: fixtureStart.Add(seconds * time.Second), DurationS: seconds,
		RateAsked: perSecond, Seed: 42,
		StatusCodes: map[string]uint64{"200": 490, "500": 7, "0": 3},
		Errors: []results.ErrorCount{
			{Class: "http 500", Message: "500 Internal Server Error", Body: "{\"error\":\"database is locked\",\n \"retry\":true}", Count: 7},
			{Class: "timeout", Message: "Get \"http://127.0.0.1:8080/search\": context deadline exceeded (Client.Timeout exceeded while awaiting headers)", Count: 3},
		},
		ByRequest: map[string]*results.RequestStats{},
		BytesIn:   1_234_567, BytesOut: 45_600,
	}
	i := 0
	for s := 0; s < seconds; s++ {
		sec := results.NewHistogram()
		for k := 0; k < perSecond; k++ {
			d := fabricatedLatency(i)
			service := d - time.Duration(i%5)*100*time.Microsecond
			results.RecordDuration(lat, d)
			results.RecordDuration(svc, service)
			results.RecordDuration(sec, d)
			name := "home"
			if i%3 == 0 {
				name = "search"
			}
			results.RecordDuration(named[name][0], d)
			results.RecordDuration(named[name][1], service)
			i++
		}
		errs := uint64(s % 3) // 0, 1, 2, 0, 1; the last second is set below so that errors total 10
		p := results.Summarize(sec)
		enc, err := results.EncodeHistogram(sec)
		if err != nil {
			t.Fatal(err)
		}
		r.Timeline = append(r.Timeline, results.Second{
			Unix: fixtureStart.Unix() + int64(s), Requests: perSecond, Successes: perSecond - errs, Errors: errs,
			P50MS: p.P50, P90MS: p.P90, P99MS: p.P99, MaxMS: p.Max, Latency: enc,
		})
	}
	r.Timeline[4].Errors, r.Timeline[4].Successes = 7, 93 // 0+1+2+0+7 = 10 errors in all
	r.Requests, r.Successes = seconds*perSecond, seconds*perSecond-10
	r.SuccessRatio = float64(r.Successes) / float64(r.Requests)
	r.Rate, r.Throughput = float64(r.Requests)/seconds, float64(r.Successes)/seconds
	r.LatencyMS, r.ServiceTimeMS = results.Summarize(lat), results.Summarize(svc)
	r.Histograms = encodeBoth(t, lat, svc)
	for name, hs := range named {
		n := uint64(hs[0].TotalCount())
		st := &results.RequestStats{Requests: n, Successes: n, SuccessRatio: 1, Rate: float64(n) / seconds, Throughput: float64(n) / seconds,
			LatencyMS: results.Summarize(hs[0]), ServiceTimeMS: results.Summarize(hs[1]),
			StatusCodes: map[string]uint64{"200": n}, Histograms: encodeBoth(t, hs[0], hs[1])}
		if name == "search" {
			st.Successes -= 10
			st.SuccessRatio = float64(st.Successes) / float64(n)
			st.Throughput = float64(st.Successes) / seconds
			st.StatusCodes = map[string]uint64{"200": n - 10, "500": 7, "0": 3}
			st.Errors = r.Errors
		}
		r.ByRequest[name] = st
	}
	// The usual case: the run started the bundled server, so both sides sampled this one host
	// (the same host figures) and each side's own process.
	r.Host = &results.Host{
		Generator: fixtureSeries("local", true, 1.0, results.Process{PID: 4141, Role: "generator", CPUPercent: 35, RSSBytes: 30 << 20}),
		Server:    fixtureSeries("pid 4242", true, 1.0, results.Process{PID: 4242, Role: "server", CPUPercent: 55, RSSBytes: 40 << 20}),
	}
	r.Warnings = []results.Warning{{Code: "generator_saturated", Message: "the load generator's CPU was above 90 % for 2 s; latencies include its queueing",
		Values: map[string]float64{"cpu_busy_percent": 93.5, "seconds": 2}}}
	r.Thresholds = []results.ThresholdResult{
		{Expression: "p99 < 300ms", Measured: r.LatencyMS.P99, Unit: "ms", Passed: true, Source: "flag"},
		{Expression: "errors < 1%", Measured: 2, Unit: "%", Passed: false, Source: "scenario"},
	}
	return r
}

// fixtureSeries is one side's host samples, one a second, load rising by scale, with the side's
// own process: proc's CPUPercent is the process's share (in percent) of the host's busy CPU
// time, so that the two sides' processes fit in their common host; its RSS grows by 1 MiB a
// second. In the last sample, after the run, the process is nearly idle and has given some
// memory back.
func fixtureSeries(origin string, sameHost bool, scale float64, proc results.Process) *results.HostSeries {
	const cores = 2
	s := &results.HostSeries{Origin: origin, SameHost: sameHost, Summary: map[string]results.SeriesStat{}}
	for k := 0; k <= 5; k++ {
		f := float64(k)
		peak := 0.0
		if k == 3 {
			peak = 20
		}
		cpu := results.CPUPercent{User: 20*scale + f + peak, System: 5*scale + f/2, Idle: 100 - 25*scale - f*1.5 - peak}
		p := proc
		p.CPUPercent = math.Round(proc.CPUPercent/100*busy(cpu)*cores*10) / 10 // of one core
		p.RSSBytes = proc.RSSBytes + uint64(k)<<20
		if k == 5 {
			p.CPUPercent, p.RSSBytes = 1.5, proc.RSSBytes+3<<20
		}
		s.Samples = append(s.Samples, results.Snapshot{
			Time: fixtureStart.Add(time.Duration(k) * time.Second), Hostname: "fixture", NumCPU: cores,
			Load:      results.LoadAvg{Load1: scale * (0.5 + f*0.1 + peak/20), Load5: scale * (0.4 + f*0.05), Load15: scale * 0.3},
			CPU:       cpu,
			Processes: []results.Process{p},
		})
	}
	s.Summary["load1"] = results.SeriesStat{Min: scale * 0.5, Mean: scale * 0.8, Max: scale * 1.2}
	return s
}

func encodeBoth(t testing.TB, lat, svc *hdrhistogram.Histogram) results.Histograms {
	t.Helper()
	l, err := results.EncodeHistogram(lat)
	if err != nil {
		t.Fatal(err)
	}
	s, err := results.EncodeHistogram(svc)
	if err != nil {
		t.Fatal(err)
	}
	return results.Histograms{Latency: l, ServiceTime: s}
}
