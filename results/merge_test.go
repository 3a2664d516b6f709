package results

import (
	"errors"
	"reflect"
	"testing"
	"time"

	hdrhistogram "github.com/HdrHistogram/hdrhistogram-go"
)

var mergeEpoch = time.Date(2026, 3, 4, 5, 6, 7, 0, time.UTC)

// knownResult builds a result of fully known content: per second rps requests whose
// latencies are base, base+1 ms, ..., recorded in the overall, per-request and per-second
// histograms; service time is latency minus 100 µs; every tenth request failed with a 500.
func knownResult(t testing.TB, scenario string, startOffset, seconds, rps int, base time.Duration) (*Result, []time.Duration) {
	t.Helper()
	start := mergeEpoch.Add(time.Duration(startOffset) * time.Second)
	r := &Result{Schema: Schema, Scenario: scenario, Target: "http://127.0.0.1:1", Started: start,
		Ended: start.Add(time.Duration(seconds) * time.Second), DurationS: float64(seconds), RateAsked: float64(rps),
		StatusCodes: map[string]uint64{}, ByRequest: map[string]*RequestStats{}, BytesIn: 10, BytesOut: 20}
	lat, svc := NewHistogram(), NewHistogram()
	reqLat, reqSvc := NewHistogram(), NewHistogram()
	var all []time.Duration
	for s := 0; s < seconds; s++ {
		sec := NewHistogram()
		var errs uint64
		for k := 0; k < rps; k++ {
			d := base + time.Duration(s*rps+k)*time.Millisecond
			all = append(all, d)
			for _, h := range []*hdrhistogram.Histogram{lat, sec, reqLat} {
				RecordDuration(h, d)
			}
			RecordDuration(svc, d-100*time.Microsecond)
			RecordDuration(reqSvc, d-100*time.Microsecond)
			if k%10 == 9 {
				errs++
			}
		}
		l := Summarize(sec)
		enc, err := EncodeHistogram(sec)
		if err != nil {
			t.Fatal(err)
		}
		r.Timeline = append(r.Timeline, Second{Unix: start.Unix() + int64(s), Requests: uint64(rps), Successes: uint64(rps) - errs,
			Errors: errs, P50MS: l.P50, P90MS: l.P90, P99MS: l.P99, MaxMS: l.Max, Latency: enc})
		r.Requests += uint64(rps)
		r.Successes += uint64(rps) - errs
		r.StatusCodes["200"] += uint64(rps) - errs
		r.StatusCodes["500"] += errs
	}
	r.Errors = []ErrorCount{{Class: "http 500", Message: "500 Internal Server Error", Count: r.StatusCodes["500"]}}
	r.SuccessRatio = Ratio(r.Successes, r.Requests)
	r.Rate, r.Throughput = PerSecond(r.Requests, r.DurationS), PerSecond(r.Successes, r.DurationS)
	r.LatencyMS, r.ServiceTimeMS = Summarize(lat), Summarize(svc)
	var err error
	if r.Histograms, err = encodeBoth(lat, svc); err != nil {
		t.Fatal(err)
	}
	rh, err := encodeBoth(reqLat, reqSvc)
	if err != nil {
		t.Fatal(err)
	}
	r.ByRequest["get"] = &RequestStats{Requests: r.Requests, Successes: r.Successes, StatusCodes: map[string]uint64{"200": r.StatusCodes["200"], "500": r.StatusCodes["500"]},
		LatencyMS: r.LatencyMS, ServiceTimeMS: r.ServiceTimeMS, Histograms: rh}
	r.Host = &Host{Generator: &HostSeries{Origin: "local"}}
	return r, all
}

func TestMergeIsTheSum(t *testing.T) {
	a, aLat := knownResult(t, "echo", 0, 3, 50, 1*time.Millisecond)   // seconds 0..2
	b, bLat := knownResult(t, "echo", 1, 3, 20, 200*time.Millisecond) // seconds 1..3
	m, err := MergeWith(MergeOptions{Names: []string{"a.json", "b.json"}}, a, b)
	if err != nil {
		t.Fatal(err)
	}
	// The merged summaries equal those of one histogram holding every value of both runs.
	lat := NewHistogram()
	for _, d := range append(aLat, bLat...) {
		RecordDuration(lat, d)
	}
	if got, want := m.LatencyMS, Summarize(lat); got != want {
		t.Errorf("latency: got %+v, want %+v", got, want)
	}
	checks := []struct {
		name      string
		got, want any
	}{
		{"requests", m.Requests, a.Requests + b.Requests},
		{"successes", m.Successes, a.Successes + b.Successes},
		{"bytes in", m.BytesIn, uint64(20)},
		{"status 500", m.StatusCodes["500"], a.StatusCodes["500"] + b.StatusCodes["500"]},
		{"error count", m.Errors[0].Count, a.Errors[0].Count + b.Errors[0].Count},
		{"duration (union of 0..3 and 1..4)", m.DurationS, 4.0},
		{"rate", m.Rate, float64(a.Requests+b.Requests) / 4},
		{"rate asked", m.RateAsked, (50.0*3 + 20*3) / 4},
		{"started", m.Started, a.Started},
		{"ended", m.Ended, b.Ended},
		{"sources", m.Sources, []string{"a.json", "b.json"}},
		{"host sections", len(m.SourceHosts), 2},
		{"host source", m.SourceHosts[1].Source, "b.json"},
		{"merged host", m.Host, (*Host)(nil)},
		{"request count", m.ByRequest["get"].Requests, a.Requests + b.Requests},
		{"request latency", m.ByRequest["get"].LatencyMS, m.LatencyMS},
		{"timeline seconds", len(m.Timeline), 4},
		{"second 0 requests", m.Timeline[0].Requests, uint64(50)},
		{"second 1 requests", m.Timeline[1].Requests, uint64(70)},
		{"second 3 requests", m.Timeline[3].Requests, uint64(20)},
		{"second 1 errors", m.Timeline[1].Errors, uint64(5 + 2)},
	}
	for _, c := range checks {
		if !reflect.DeepEqual(c.got, c.want) {
			t.Errorf("%s: got %v, want %v", c.name, c.got, c.want)
		}
	}
	// Second 1 holds a's second 1 (51..100 ms) and b's second 0 (200..219 ms).
	sec := NewHistogram()
	for _, d := range append(append([]time.Duration{}, aLat[50:100]...), bLat[:20]...) {
		RecordDuration(sec, d)
	}
	want := Summarize(sec)
	if got := m.Timeline[1]; got.P50MS != want.P50 || got.P99MS != want.P99 || got.MaxMS != want.Max {
		t.Errorf("second 1 percentiles: got p50 %v p99 %v max %v, want %v %v %v", got.P50MS, got.P99MS, got.MaxMS, want.P50, want.P99, want.Max)
	}
}

func TestMergeWithItselfDoublesCounts(t *testing.T) {
	a, _ := knownResult(t, "echo", 0, 4, 30, 5*time.Millisecond)
	m, err := Merge(a, a)
	if err != nil {
		t.Fatal(err)
	}
	if m.Requests != 2*a.Requests || m.Successes != 2*a.Successes || m.StatusCodes["200"] != 2*a.StatusCodes["200"] {
		t.Errorf("counts: got %d/%d, want %d/%d", m.Requests, m.Successes, 2*a.Requests, 2*a.Successes)
	}
	if m.LatencyMS != a.LatencyMS || m.ServiceTimeMS != a.ServiceTimeMS {
		t.Errorf("percentiles: got %+v / %+v, want %+v / %+v", m.LatencyMS, m.ServiceTimeMS, a.LatencyMS, a.ServiceTimeMS)
	}
	if m.DurationS != a.DurationS || m.Rate != 2*a.Rate || m.SuccessRatio != a.SuccessRatio {
		t.Errorf("duration %v rate %v ratio %v, want %v %v %v", m.DurationS, m.Rate, m.SuccessRatio, a.DurationS, 2*a.Rate, a.SuccessRatio)
	}
	for i, s := range m.Timeline {
		o := a.Timeline[i]
		if s.Requests != 2*o.Requests || s.P50MS != o.P50MS || s.P90MS != o.P90MS || s.P99MS != o.P99MS || s.MaxMS != o.MaxMS {
			t.Errorf("second %d: got %+v, want doubled counts of %+v", i, s, o)
		}
	}
	if got := m.ByRequest["get"]; got.Requests != 2*a.Requests || got.LatencyMS != a.LatencyMS {
		t.Errorf("by request: got %d requests %+v, want %d %+v", got.Requests, got.LatencyMS, 2*a.Requests, a.LatencyMS)
	}
	// The merged result merges again: its sources are flattened.
	mm, err := Merge(m, a)
	if err != nil {
		t.Fatal(err)
	}
	if mm.Requests != 3*a.Requests || len(mm.Sources) != 3 || len(mm.SourceHosts) != 3 {
		t.Errorf("merge of merged: got %d requests, %d sources, %d hosts, want %d, 3, 3", mm.Requests, len(mm.Sources), len(mm.SourceHosts), 3*a.Requests)
	}
}

func TestMergeSequentialRunsAddDurations(t *testing.T) {
	a, _ := knownResult(t, "echo", 0, 2, 10, time.Millisecond)
	b, _ := knownResult(t, "echo", 10, 3, 10, time.Millisecond)
	m, err := Merge(a, b)
	if err != nil {
		t.Fatal(err)
	}
	if m.DurationS != 5 || m.Rate != 10 || m.RateAsked != 10 {
		t.Errorf("got duration %v rate %v asked %v, want 5, 10, 10", m.DurationS, m.Rate, m.RateAsked)
	}
}

func TestMergeMismatch(t *testing.T) {
	a, _ := knownResult(t, "echo", 0, 1, 10, time.Millisecond)
	other, _ := knownResult(t, "cache", 0, 1, 10, time.Millisecond)
	oldSchema, _ := knownResult(t, "echo", 0, 1, 10, time.Millisecond)
	oldSchema.Schema = "loadtest.result/v0"
	noHist, _ := knownResult(t, "echo", 0, 1, 10, time.Millisecond)
	noHist.Histograms = Histograms{}
	tests := []struct {
		name string
		rs   []*Result
	}{
		{"scenario", []*Result{a, other}},
		{"schema", []*Result{a, oldSchema}},
		{"no histograms", []*Result{a, noHist}},
		{"nothing", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := Merge(tt.rs...); !errors.Is(err, ErrMismatch) {
				t.Errorf("got %v, want ErrMismatch", err)
			}
			if len(tt.rs) == 0 {
				return
			}
			m, err := MergeWith(MergeOptions{Force: true}, tt.rs...)
			if err != nil {
				t.Fatalf("forced: %v", err)
			}
			if m.Requests != 20 {
				t.Errorf("forced: got %d requests, want 20", m.Requests)
			}
		})
	}
}

func TestMergeSumsPlannedAndSent(t *testing.T) {
	// a sends 150 requests, b 60, over the same 3 s: the merged duration is 3 s.
	type src struct {
		planned, sent uint64
		warn          bool // the source carries its own not_sent warning
		interrupted   bool
	}
	tests := []struct {
		name          string
		a, b          src
		planned, sent uint64
		notSent       float64 // 0: no not_sent warning
	}{
		{"on schedule", src{150, 150, false, false}, src{60, 60, false, false}, 210, 210, 0},
		{"one behind", src{200, 150, true, false}, src{60, 60, false, false}, 260, 210, 50},
		{"both behind, one warning for the sum", src{200, 150, true, false}, src{100, 60, true, false}, 300, 210, 90},
		{"one unbounded: planned unknown", src{150, 150, false, false}, src{0, 60, false, false}, 0, 210, 0},
		{"one interrupted: its stop explains the shortfall", src{200, 150, false, true}, src{100, 60, true, false}, 300, 210, 0},
		{"one stopped early (aborted) without a warning", src{200, 150, false, false}, src{60, 60, false, false}, 260, 210, 0},
		{"one written before sent existed: both unknown", src{150, 150, false, false}, src{0, 0, false, false}, 0, 0, 0},
	}
	build := func(t *testing.T, s src, rps int) *Result {
		r, _ := knownResult(t, "echo", 0, 3, rps, time.Millisecond)
		r.Planned, r.Sent, r.Interrupted = s.planned, s.sent, s.interrupted
		if s.warn {
			w, ok := NotSentWarning(s.planned, s.sent, r.DurationS)
			if !ok {
				t.Fatalf("source %+v: no not_sent warning", s)
			}
			r.Warnings = append(r.Warnings, w)
		}
		return r
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m, err := Merge(build(t, tt.a, 50), build(t, tt.b, 20))
			if err != nil {
				t.Fatal(err)
			}
			if m.Planned != tt.planned || m.Sent != tt.sent {
				t.Errorf("planned %d sent %d, want %d and %d", m.Planned, m.Sent, tt.planned, tt.sent)
			}
			checkNotSent(t, m, tt.notSent)
		})
	}
}

// checkNotSent asserts that m has exactly one not_sent warning counting want requests and
// agreeing with its Planned and Sent, or none when want is 0.
func checkNotSent(t *testing.T, m *Result, want float64) {
	t.Helper()
	var got []Warning
	for _, w := range m.Warnings {
		if w.Code == WarnNotSent {
			got = append(got, w)
		}
	}
	if want == 0 {
		if len(got) != 0 {
			t.Errorf("not_sent warnings %+v, want none", got)
		}
		return
	}
	if len(got) != 1 {
		t.Fatalf("not_sent warnings %+v, want one", got)
	}
	v := got[0].Values
	if v["requests"] != want || v["planned"] != float64(m.Planned) || v["sent"] != float64(m.Sent) || float64(m.Planned-m.Sent) != want {
		t.Errorf("not_sent values %v with planned %d sent %d, want %v requests = planned - sent", v, m.Planned, m.Sent, want)
	}
	if w, _ := NotSentWarning(m.Planned, m.Sent, m.DurationS); got[0].Message != w.Message {
		t.Errorf("not_sent message %q, want %q", got[0].Message, w.Message)
	}
}

func TestMergeOfMergedKeepsNotSentConsistent(t *testing.T) {
	a, _ := knownResult(t, "echo", 0, 3, 50, time.Millisecond)
	a.Planned, a.Sent = 200, 150
	w, _ := NotSentWarning(a.Planned, a.Sent, a.DurationS)
	a.Warnings = []Warning{w}
	m, err := Merge(a, a)
	if err != nil {
		t.Fatal(err)
	}
	mm, err := Merge(m, a)
	if err != nil {
		t.Fatal(err)
	}
	if mm.Planned != 600 || mm.Sent != 450 {
		t.Errorf("planned %d sent %d, want 600 and 450", mm.Planned, mm.Sent)
	}
	checkNotSent(t, mm, 150)
}
