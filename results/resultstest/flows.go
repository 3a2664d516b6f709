// Package resultstest builds result files of known content for the tests of the packages that
// read results (results, gate, reports, cli): a run of a scenario with flows whose every count
// and histogram is fabricated deterministically, so that merges, thresholds and renderers can
// be checked against figures the test knows. Only tests import it.
package resultstest

import (
	"fmt"
	"testing"
	"time"

	hdrhistogram "github.com/HdrHistogram/hdrhistogram-go"

	"github.com/loadtestdev/loadtest/results"
)

// Start is the fixed start time of every fabricated run.
var Start = time.Date(2026, 5, 6, 7, 8, 9, 0, time.UTC)

// Flow describes one fabricated flow: Iterations started, of which the last Failed ones fail
// at their last step's check (a 200 whose body lacks $.matched), Dropped starts, and the
// request steps in order. Step k of iteration i takes Base + (i%17)·(k+1) ms; a think time of
// Think sits between the first and the second step.
type Flow struct {
	Name       string
	Steps      []string
	Iterations int
	Failed     int
	Dropped    int
	Base       time.Duration
	Think      time.Duration
}

// SignupFlows are the two flows of the "signup" scenario, with a few failed and
// dropped iterations.
func SignupFlows() []Flow {
	return []Flow{
		{Name: "login-and-swipe", Steps: []string{"vcode", "login", "rcmd", "like"}, Iterations: 60, Failed: 4, Dropped: 3,
			Base: 20 * time.Millisecond, Think: 300 * time.Millisecond},
		{Name: "browse", Steps: []string{"rcmd", "profile"}, Iterations: 140, Failed: 0, Dropped: 5, Base: 5 * time.Millisecond},
	}
}

// FlowResult fabricates a run of scenario "signup" with flows over seconds seconds (iterations
// spread evenly), with every field of the flows contract filled in and consistent: by_request
// holds "FLOW/STEP", the overall and per-second histograms hold every request, checks count a
// status check on every step and a json check on each flow's last step.
func FlowResult(t testing.TB, flows []Flow, seconds int) *results.Result {
	t.Helper()
	b := newBuilder(seconds)
	for _, f := range flows {
		b.flow(t, f)
	}
	return b.finish(t)
}

// builder accumulates the fabricated run.
type builder struct {
	r        *results.Result
	lat, svc *hdrhistogram.Histogram
	reqs     map[string][2]*hdrhistogram.Histogram
	secs     []*hdrhistogram.Histogram
}

func newBuilder(seconds int) *builder {
	r := &results.Result{Schema: results.Schema, Version: "v0.1.0-test", Scenario: "signup", Target: "http://127.0.0.1:8080",
		Started: Start, Ended: Start.Add(time.Duration(seconds) * time.Second), DurationS: float64(seconds), RateAsked: 40, Seed: 7,
		StatusCodes: map[string]uint64{}, ByRequest: map[string]*results.RequestStats{}, Flows: map[string]*results.FlowStats{},
		Checks: &results.Checks{}}
	b := &builder{r: r, lat: results.NewHistogram(), svc: results.NewHistogram(), reqs: map[string][2]*hdrhistogram.Histogram{}}
	for s := 0; s < seconds; s++ {
		r.Timeline = append(r.Timeline, results.Second{Unix: Start.Unix() + int64(s)})
		b.secs = append(b.secs, results.NewHistogram())
	}
	return b
}

// flow records every iteration of f.
func (b *builder) flow(t testing.TB, f Flow) {
	fs := &results.FlowStats{Iterations: uint64(f.Iterations), Dropped: uint64(f.Dropped), Steps: f.Steps}
	last := f.Steps[len(f.Steps)-1]
	checks := make([]results.CheckStats, 0, len(f.Steps)+1)
	for _, s := range f.Steps {
		checks = append(checks, results.CheckStats{Name: "status 200", Step: s})
	}
	checks = append(checks, results.CheckStats{Name: "json $.matched exists", Step: last})
	done, failed := results.NewHistogram(), results.NewHistogram()
	for i := 0; i < f.Iterations; i++ {
		fails := i >= f.Iterations-f.Failed
		sec := i * len(b.secs) / f.Iterations
		b.r.Timeline[sec].Iterations++
		total := time.Duration(0)
		for k, step := range f.Steps {
			d := f.Base + time.Duration((i%17)*(k+1))*time.Millisecond
			ok := !(fails && step == last)
			b.request(f.Name+"/"+step, d, ok, sec)
			checks[k].Passes++
			total += d
			if k == 0 {
				total += f.Think
			}
		}
		if fails {
			checks[len(checks)-1].Fails++
			checks[len(checks)-1].Sample = `json $.matched exists: no value at $.matched in {"ok":true}`
			results.RecordDuration(failed, total)
			fs.Failed++
		} else {
			checks[len(checks)-1].Passes++
			results.RecordDuration(done, total)
			fs.Completed++
		}
	}
	for i := 0; i < f.Dropped; i++ {
		b.r.Timeline[i*len(b.secs)/max(f.Dropped, 1)].DroppedIterations++
	}
	fs.Checks = checks
	for _, c := range checks {
		b.r.Checks.Passes += c.Passes
		b.r.Checks.Fails += c.Fails
	}
	fs.IterationMS, fs.FailedIterationMS = results.Summarize(done), results.Summarize(failed)
	fs.Histograms.Iteration = encode(t, done)
	if failed.TotalCount() > 0 {
		fs.Histograms.FailedIteration = encode(t, failed)
	}
	b.r.Flows[f.Name] = fs
	b.r.Iterations += fs.Iterations
	b.r.IterationsCompleted += fs.Completed
	b.r.IterationsFailed += fs.Failed
	b.r.DroppedIterations += fs.Dropped
}

// request records one request of step name (FLOW/STEP) in second sec; a failed one is a 200
// failed by its check.
func (b *builder) request(name string, d time.Duration, ok bool, sec int) {
	svc := d - 200*time.Microsecond
	rs := b.r.ByRequest[name]
	if rs == nil {
		rs = &results.RequestStats{StatusCodes: map[string]uint64{}}
		b.r.ByRequest[name] = rs
		b.reqs[name] = [2]*hdrhistogram.Histogram{results.NewHistogram(), results.NewHistogram()}
	}
	for _, h := range []*hdrhistogram.Histogram{b.lat, b.secs[sec], b.reqs[name][0]} {
		results.RecordDuration(h, d)
	}
	results.RecordDuration(b.svc, svc)
	results.RecordDuration(b.reqs[name][1], svc)
	rs.Requests++
	rs.StatusCodes["200"]++
	b.r.StatusCodes["200"]++
	b.r.Requests++
	b.r.Timeline[sec].Requests++
	b.r.BytesIn += 120
	b.r.BytesOut += 80
	if !ok {
		b.r.Timeline[sec].Errors++
		rs.Errors = addCheckError(rs.Errors)
		b.r.Errors = addCheckError(b.r.Errors)
		return
	}
	rs.Successes++
	b.r.Successes++
	b.r.Timeline[sec].Successes++
}

func addCheckError(es []results.ErrorCount) []results.ErrorCount {
	if len(es) == 0 {
		return []results.ErrorCount{{Class: results.ErrorClassCheck, Message: `json $.matched exists: no value at $.matched in {"ok":true}`, Count: 1}}
	}
	es[0].Count++
	return es
}

// finish computes the summaries, rates and encodings from the counts and histograms.
func (b *builder) finish(t testing.TB) *results.Result {
	r := b.r
	r.Planned, r.Sent = r.Requests, r.Requests
	r.SuccessRatio = results.Ratio(r.Successes, r.Requests)
	r.Rate, r.Throughput = results.PerSecond(r.Requests, r.DurationS), results.PerSecond(r.Successes, r.DurationS)
	r.LatencyMS, r.ServiceTimeMS = results.Summarize(b.lat), results.Summarize(b.svc)
	r.Histograms = results.Histograms{Latency: encode(t, b.lat), ServiceTime: encode(t, b.svc)}
	for name, rs := range r.ByRequest {
		h := b.reqs[name]
		rs.SuccessRatio = results.Ratio(rs.Successes, rs.Requests)
		rs.Rate, rs.Throughput = results.PerSecond(rs.Requests, r.DurationS), results.PerSecond(rs.Successes, r.DurationS)
		rs.LatencyMS, rs.ServiceTimeMS = results.Summarize(h[0]), results.Summarize(h[1])
		rs.Histograms = results.Histograms{Latency: encode(t, h[0]), ServiceTime: encode(t, h[1])}
	}
	for i := range r.Timeline {
		s := &r.Timeline[i]
		l := results.Summarize(b.secs[i])
		s.P50MS, s.P90MS, s.P99MS, s.MaxMS = l.P50, l.P90, l.P99, l.Max
		s.Latency = encode(t, b.secs[i])
	}
	r.Checks.Ratio = results.ChecksRatio(r.Checks.Passes, r.Checks.Fails)
	return r
}

func encode(t testing.TB, h *hdrhistogram.Histogram) string {
	t.Helper()
	s, err := results.EncodeHistogram(h)
	if err != nil {
		t.Fatal(fmt.Errorf("resultstest: %w", err))
	}
	return s
}
