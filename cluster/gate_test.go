package cluster

import (
	"reflect"
	"testing"

	"github.com/loadtestdev/loadtest/gate"
)

// TestGateResultLikeFull: the gate's rendering of the run's sum, which encodes only the
// histograms its thresholds read, gives every threshold the value, the verdict and the
// --abort-on-fail bounds of the full rendering; and it leaves out the histograms no threshold
// reads.
func TestGateResultLikeFull(t *testing.T) {
	run := newAccumulator(false)
	for i, f := range benchIntervals(t, 1000, 3) {
		var req IntervalRequest
		d, figuresErr, err := parseFrame(mustFrame(t, IntervalRequest{Index: 0, Seq: uint64(i + 1), Figures: f}), &req)
		if err != nil || figuresErr != nil {
			t.Fatalf("got errors %v, %v", err, figuresErr)
		}
		run.add(d)
		d.release()
	}
	tests := []struct {
		name       string
		thresholds []string
		encoded    int // histograms the gate's rendering holds
	}{
		{"none", nil, 0},
		{"errors and rate", []string{"errors<1%", "rps>10"}, 0},
		{"run p99", []string{"p99<10s"}, 1},
		{"run p97 and a request's service-time p99.5", []string{"p97<5ms", "swipe.service_time.p(99.5)<3ms"}, 2},
		{"a request's max, mean and min", []string{"feed.max<1s", "like.mean<2ms", "swipe.service_time.min>1us"}, 0},
		{"every request's p95", []string{"swipe.p95<9ms", "feed.p95<9ms", "like.p95<9ms", "profile.p95<9ms"}, 4},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var ths []gate.Threshold
			for _, expr := range tt.thresholds {
				th, err := gate.Parse(expr)
				if err != nil {
					t.Fatal(err)
				}
				ths = append(ths, th)
			}
			c := run.clone()
			c.gateNeeds = gateHistograms(ths)
			got, err := c.Result()
			if err != nil {
				t.Fatal(err)
			}
			full, err := c.result()
			if err != nil {
				t.Fatal(err)
			}
			for _, th := range ths {
				gv, gok := gate.Measure(got, th.Request, th.Metric)
				fv, fok := gate.Measure(full, th.Request, th.Metric)
				if gv != fv || gok != fok {
					t.Errorf("%s: got %v (%v), want the full rendering's %v (%v)", th, gv, gok, fv, fok)
				}
			}
			if g, w := gate.Evaluate(got, ths), gate.Evaluate(full, ths); !reflect.DeepEqual(g, w) {
				t.Errorf("got verdicts %+v, want %+v", g, w)
			}
			for _, planned := range []uint64{got.Requests, 2 * got.Requests, 100 * got.Requests} {
				if g, w := gate.Unrecoverable(got, ths, planned), gate.Unrecoverable(full, ths, planned); !reflect.DeepEqual(g, w) {
					t.Errorf("planned %d: got unrecoverable %+v, want %+v", planned, g, w)
				}
			}
			encoded := 0
			for _, h := range append([]string{got.Histograms.Latency, got.Histograms.ServiceTime}, func() (hs []string) {
				for _, rs := range got.ByRequest {
					hs = append(hs, rs.Histograms.Latency, rs.Histograms.ServiceTime)
				}
				return hs
			}()...) {
				if h != "" {
					encoded++
				}
			}
			if encoded != tt.encoded {
				t.Errorf("got %d histograms encoded, want %d", encoded, tt.encoded)
			}
		})
	}
}
