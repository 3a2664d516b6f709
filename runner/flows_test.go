package runner

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/loadtestdev/loadtest/engine"
	"github.com/loadtestdev/loadtest/gate"
	"github.com/loadtestdev/loadtest/scenarios"
)

// TestRunFlowsAbortsOnFail runs a scenario of flows through the session: --abort-on-fail
// reads the flow figures from the partial result, and stops a run whose every step fails its
// check long before the end.
func TestRunFlowsAbortsOnFail(t *testing.T) {
	t.Parallel()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { _, _ = w.Write([]byte("ok")) }))
	defer srv.Close()
	sc, err := scenarios.Parse("f.yaml", []byte("flows:\n  - name: f\n    steps: [{name: s, path: /, check: [{body_contains: nope}]}]\n"))
	if err != nil {
		t.Fatal(err)
	}
	fp, err := sc.FlowPlan(scenarios.PlanOptions{Target: srv.URL, Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	ths, err := gate.LoadThresholds(gate.ThresholdSet{Flags: []string{"errors<1%"}, Requests: sc.RequestNames()})
	if err != nil {
		t.Fatal(err)
	}
	began := time.Now()
	oc, err := Attack(context.Background(), AttackOptions{
		Engine:     engine.Options{FlowPlan: fp, Target: srv.URL, RatePerSec: 20, Duration: 15 * time.Second},
		Thresholds: ths, AbortOnFail: true,
	})
	if err != nil {
		t.Fatal(err)
	}
	r := oc.Result
	if oc.Aborted == nil || time.Since(began) > 10*time.Second || r.Iterations == 0 || r.IterationsFailed != r.Iterations {
		t.Fatalf("aborted %+v after %s with %d iterations (%d failed), want an early stop of failed iterations", oc.Aborted, time.Since(began), r.Iterations, r.IterationsFailed)
	}
	var be *gate.BreachError
	if !errors.As(oc.Verdict, &be) {
		t.Errorf("verdict %v, want a BreachError", oc.Verdict)
	}
}

func TestConnectionCapOfFlows(t *testing.T) {
	tests := []struct {
		name string
		eo   engine.Options
		want int
	}{
		{"requests default", engine.Options{}, engine.DefaultConnections},
		{"requests", engine.Options{Connections: 7}, 7},
		{"flows default", engine.Options{FlowPlan: &scenarios.FlowPlan{}, Connections: 7}, scenarios.DefaultMaxSessions},
		{"flows", engine.Options{FlowPlan: &scenarios.FlowPlan{}, MaxSessions: 9}, 9},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := connectionCap(tt.eo); got != tt.want {
				t.Errorf("got %d, want %d", got, tt.want)
			}
		})
	}
}
