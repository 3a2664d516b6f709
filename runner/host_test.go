package runner

import (
	"reflect"
	"testing"

	"github.com/loadtestdev/loadtest/engine"
	"github.com/loadtestdev/loadtest/scenarios"
)

// TestOtherHosts: the sampling session learns the run's hosts besides its target, from the
// compiled plan (named hosts and absolute URLs), for requests and for flows.
func TestOtherHosts(t *testing.T) {
	const target = "http://127.0.0.1:9999"
	tests := []struct {
		name, src string
		want      []string
	}{
		{"one host", "requests: [{path: /a}]\n", nil},
		{"absolute URL", "requests: [{path: /a}, {path: 'https://api.example.com/x'}]\n", []string{"https://api.example.com"}},
		{"named hosts", "hosts: {auth: 'http://127.0.0.1:7001', self: '" + target + "'}\nflows:\n  - name: f\n    steps: [{path: '{{ hosts.auth }}/t'}, {path: /b}]\n",
			[]string{"http://127.0.0.1:7001"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sc, err := scenarios.Parse("h.yaml", []byte(tt.src))
			if err != nil {
				t.Fatal(err)
			}
			eo := engine.Options{Target: target + "/"}
			po := scenarios.PlanOptions{Target: target}
			if len(sc.Flows) > 0 {
				eo.FlowPlan, err = sc.FlowPlan(po)
			} else {
				eo.Targeter, err = sc.Plan(po)
			}
			if err != nil {
				t.Fatal(err)
			}
			if got := otherHosts(eo); !reflect.DeepEqual(got, tt.want) {
				t.Errorf("got %v, want %v", got, tt.want)
			}
		})
	}
}
