package runner

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/loadtestdev/loadtest/collector"
	"github.com/loadtestdev/loadtest/engine"
	"github.com/loadtestdev/loadtest/gate"
	"github.com/loadtestdev/loadtest/results"
	vegeta "github.com/tsenart/vegeta/v12/lib"
)

func TestWithoutAbort(t *testing.T) {
	other := errors.New("engine: targeter: boom")
	tests := []struct {
		name string
		err  error
		want error
	}{
		{"nil", nil, nil},
		{"the abort alone", gate.ErrAbortOnFail, nil},
		{"the abort joined alone", errors.Join(nil, gate.ErrAbortOnFail, nil), nil},
		{"another error", other, other},
		{"both", errors.Join(gate.ErrAbortOnFail, other), other},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := withoutAbort(tt.err)
			if (got == nil) != (tt.want == nil) || got != nil && (!errors.Is(got, tt.want) || errors.Is(got, gate.ErrAbortOnFail)) {
				t.Errorf("got %v, want %v", got, tt.want)
			}
		})
	}
}

// oneURL is a targeter of one GET request.
type oneURL string

func (u oneURL) Names() []string { return []string{"hit"} }
func (u oneURL) Next(tgt *vegeta.Target) (int, error) {
	tgt.Method, tgt.URL = "GET", string(u)
	return 0, nil
}

func mustThresholds(t *testing.T, exprs ...string) []gate.Threshold {
	t.Helper()
	ths, err := gate.LoadThresholds(gate.ThresholdSet{Flags: exprs, Requests: []string{"hit"}})
	if err != nil {
		t.Fatal(err)
	}
	return ths
}

func TestRunAbortsOnFail(t *testing.T) {
	t.Parallel()
	// every answer is a 500: errors<1% is lost at the first check, and the run stops at the
	// next second, long before its 300 planned requests
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(500) }))
	defer srv.Close()
	var seen atomic.Int64
	oc, err := Attack(context.Background(), AttackOptions{
		Engine:     engine.Options{Targeter: oneURL(srv.URL), Target: srv.URL, RatePerSec: 20, Duration: 15 * time.Second},
		Thresholds: mustThresholds(t, "errors<1%"), AbortOnFail: true,
		Observers: []Observer{func(engine.Progress) error { seen.Add(1); return nil }},
	})
	if err != nil {
		t.Fatal(err)
	}
	r := oc.Result
	if oc.Aborted == nil || r.Requests >= r.Planned/2 || r.Planned != 300 {
		t.Fatalf("aborted %+v after %d of %d planned requests, want an early stop", oc.Aborted, r.Requests, r.Planned)
	}
	var be *gate.BreachError
	if !errors.As(oc.Verdict, &be) || be.Aborted == nil {
		t.Errorf("verdict %v, want a BreachError of the abort", oc.Verdict)
	}
	var w *results.Warning
	for i := range r.Warnings {
		if r.Warnings[i].Code == gate.WarningAborted {
			w = &r.Warnings[i]
		}
	}
	if w == nil || w.Values["planned_requests"] != 300 || !strings.Contains(w.Message, "errors<1% (measured 100 %)") {
		t.Errorf("warnings %+v, want %s with the planned count", r.Warnings, gate.WarningAborted)
	}
	if len(r.Thresholds) != 1 || r.Thresholds[0].Passed {
		t.Errorf("thresholds %+v, want errors<1%% failed", r.Thresholds)
	}
	if seen.Load() == 0 {
		t.Error("the observer saw no progress")
	}
}

func TestRunNeedsThresholdsToAbort(t *testing.T) {
	if _, err := Attack(context.Background(), AttackOptions{Engine: engine.Options{Targeter: oneURL("http://127.0.0.1:1")}, AbortOnFail: true}); !errors.Is(err, ErrAbortNeedsThresholds) {
		t.Errorf("err = %v, want ErrAbortNeedsThresholds", err)
	}
}

func TestRunSamplesHostsAndConnectionCap(t *testing.T) {
	t.Parallel()
	// one connection against a server that holds every request 50 ms: the only worker is
	// always busy, so the connection cap is reached and generator_connection_cap fires
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { time.Sleep(50 * time.Millisecond) }))
	defer srv.Close()
	oc, err := Attack(context.Background(), AttackOptions{
		Engine:   engine.Options{Targeter: oneURL(srv.URL), Target: srv.URL, RatePerSec: 50, Duration: time.Second, Connections: 1},
		Sampling: &Sampling{Interval: 100 * time.Millisecond},
	})
	if err != nil {
		t.Fatal(err)
	}
	r := oc.Result
	if r.Host == nil || r.Host.Generator == nil || len(r.Host.Generator.Samples) == 0 {
		t.Fatalf("host %+v, want generator samples", r.Host)
	}
	codes := map[string]bool{}
	for _, w := range r.Warnings {
		codes[w.Code] = true
	}
	for _, want := range []string{collector.WarnConnectionCap, "behind_schedule", "not_sent"} {
		if !codes[want] {
			t.Errorf("warnings %v, want %s", codes, want)
		}
	}
	if oc.Verdict != nil {
		t.Errorf("verdict %v, want none without thresholds", oc.Verdict)
	}
}

func TestExplainBehindSchedule(t *testing.T) {
	tests := []struct {
		name  string
		cause float64
		host  []results.Warning
		want  string
		cpu   float64
	}{
		{"cpu saturated", engine.BehindGenerator, []results.Warning{{Code: collector.WarnGeneratorHostIdle}}, "CPU was saturated (generator_host_cpu_saturated)", 1},
		{"neither", engine.BehindGenerator, nil, "CPU was not saturated, so its timer", 0},
		{"connections and cpu", engine.BehindConnections, []results.Warning{{Code: collector.WarnGeneratorCPU}}, "saturated too (generator_cpu_saturated)", 1},
		{"connections alone: left as it is", engine.BehindConnections, nil, "base", -1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := &results.Result{Warnings: []results.Warning{{Code: "behind_schedule", Message: "base", Values: map[string]float64{"cause": tt.cause}}}}
			explainBehindSchedule(r, tt.host)
			w := r.Warnings[0]
			if !strings.Contains(w.Message, tt.want) {
				t.Errorf("message %q, want %q", w.Message, tt.want)
			}
			if got, ok := w.Values["cpu_saturated"]; tt.cpu >= 0 && (!ok || got != tt.cpu) || tt.cpu < 0 && ok {
				t.Errorf("cpu_saturated = %v (%v), want %v", got, ok, tt.cpu)
			}
		})
	}
}

func TestConnectionCapOfAShard(t *testing.T) {
	tests := []struct {
		name string
		eo   engine.Options
		want int
	}{
		{"whole run", engine.Options{Connections: 10}, 10},
		{"default", engine.Options{}, engine.DefaultConnections},
		{"shard 0 of 3", engine.Options{Connections: 10, Shard: engine.Shard{Index: 0, Count: 3}}, 4},
		{"shard 2 of 3", engine.Options{Connections: 10, Shard: engine.Shard{Index: 2, Count: 3}}, 3},
		{"shard of the default", engine.Options{Shard: engine.Shard{Index: 1, Count: 4}}, 13}, // 50 = 13+13+12+12
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := connectionCap(tt.eo); got != tt.want {
				t.Errorf("got %d, want %d", got, tt.want)
			}
		})
	}
}
