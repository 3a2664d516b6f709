package runner

import (
	"context"
	"errors"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/loadtestdev/loadtest/engine"
	"github.com/loadtestdev/loadtest/gate"
)

// countingTarget is a test server answering every request with status, counting them.
func countingTarget(t *testing.T, status int) (*httptest.Server, *atomic.Int64) {
	t.Helper()
	var n atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/stats" {
			n.Add(1)
		}
		w.WriteHeader(status)
	}))
	t.Cleanup(srv.Close)
	return srv, &n
}

// echoAt is the built-in echo scenario at url, 20 requests a second for a second.
func echoAt(url string) *ScenarioOptions {
	return &ScenarioOptions{Scenario: "echo", Target: url, Rate: "20/s", Duration: time.Second, Seed: 1,
		Set: map[string]bool{"target": true, "rate": true, "duration": true, "seed": true}}
}

// runOptions loads src and its thresholds into Options.
func runOptions(t *testing.T, src *ScenarioOptions, thresholds ...string) Options {
	t.Helper()
	sc, err := LoadScenario(src)
	if err != nil {
		t.Fatal(err)
	}
	ths, err := LoadThresholds(sc, thresholds, false, false)
	if err != nil {
		t.Fatal(err)
	}
	return Options{Scenario: sc, Source: src, Thresholds: ths, SampleInterval: 100 * time.Millisecond, NoServerStats: true, Version: "test"}
}

func TestRunSingle(t *testing.T) {
	tests := []struct {
		name        string
		status      int
		wantVerdict bool
	}{
		{"thresholds pass", http.StatusOK, false},
		{"errors breach errors<1%", http.StatusInternalServerError, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv, served := countingTarget(t, tt.status)
			o := runOptions(t, echoAt(srv.URL), "errors<1%")
			reported := false
			o.Report = func(_ *Outcome, err error) error { reported = true; return err }
			got, err := Run(context.Background(), o)
			if err != nil || !reported {
				t.Fatalf("error %v, reported %v; want nil, reported", err, reported)
			}
			r := got.Result
			if r == nil || r.Requests != 20 || int64(r.Requests) != served.Load() {
				t.Fatalf("result %+v, server saw %d; want 20 requests, all served", r, served.Load())
			}
			var breach *gate.BreachError
			if gotVerdict := errors.As(got.Verdict, &breach); gotVerdict != tt.wantVerdict {
				t.Errorf("verdict %v, want a breach: %v", got.Verdict, tt.wantVerdict)
			}
			if got.Role != RoleSingle || r.Version != "test" || len(r.Thresholds) != len(o.Thresholds) || r.Host == nil {
				t.Errorf("role %v, version %q, %d thresholds, host %v; want single, test, %d (the scenario's and errors<1%%), sampled", got.Role, r.Version, len(r.Thresholds), r.Host, len(o.Thresholds))
			}
		})
	}
}

// TestRunBadInput: what the run cannot use is an *InputError, found before any load.
func TestRunBadInput(t *testing.T) {
	srv, served := countingTarget(t, http.StatusOK)
	src := echoAt(srv.URL)
	src.Connections, src.Set["connections"], src.Shard = 2, true, engine.Shard{Index: 2, Count: 3}
	got, err := Run(context.Background(), runOptions(t, src))
	var ie *InputError
	if !errors.As(err, &ie) || !strings.Contains(err.Error(), "has no connection of its own") {
		t.Errorf("got %v, want an InputError saying the shard has no connection", err)
	}
	if served.Load() != 0 || got != nil {
		t.Errorf("%d requests sent, outcome %v; want none", served.Load(), got)
	}
}

// TestRunMetricsAddressInUse: an address in use fails the run at once, and is not bad input.
func TestRunMetricsAddressInUse(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	srv, served := countingTarget(t, http.StatusOK)
	o := runOptions(t, echoAt(srv.URL))
	o.Metrics = MetricsOptions{Listen: ln.Addr().String()}
	_, err = Run(context.Background(), o)
	var ie *InputError
	if err == nil || !strings.Contains(err.Error(), "the address is in use") || errors.As(err, &ie) {
		t.Errorf("got %v, want a failure (not bad input) saying the address is in use", err)
	}
	if served.Load() != 0 {
		t.Errorf("%d requests sent, want none", served.Load())
	}
}

// TestRunCoordinated: a coordinator and a shard that joins it, both runner.Run in this
// process, send one run between them; the coordinator reports the merged result.
func TestRunCoordinated(t *testing.T) {
	srv, served := countingTarget(t, http.StatusOK)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	outcomes := make([]*Outcome, 2)
	errs := make([]error, 2)
	var wg sync.WaitGroup
	for i := range 2 {
		src := echoAt(srv.URL)
		src.Shard = engine.Shard{Index: i, Count: 2}
		o := runOptions(t, src, "errors<1%")
		o.Cluster = ClusterOptions{Token: "secret", JoinTimeout: time.Minute}
		if i == 0 {
			o.Cluster.Coordinate = addr
		} else {
			o.Cluster.Coordinator = addr
		}
		if err := o.Cluster.Bind(src.Shard); err != nil {
			t.Fatal(err)
		}
		wg.Go(func() { outcomes[i], errs[i] = Run(ctx, o) })
	}
	wg.Wait()
	if errs[0] != nil || errs[1] != nil {
		t.Fatalf("errors: coordinator %v, shard %v", errs[0], errs[1])
	}
	merged, shard := outcomes[0], outcomes[1]
	if merged.Role != RoleCoordinator || merged.Result.Requests != 20 || served.Load() != 20 || merged.Verdict != nil || len(merged.Lost) != 0 {
		t.Errorf("coordinator: role %v, %d requests (server %d), verdict %v, lost %v; want the merged 20, passed, none lost",
			merged.Role, merged.Result.Requests, served.Load(), merged.Verdict, merged.Lost)
	}
	if shard.Role != RoleShard || shard.Undelivered != nil || shard.Coordinator != addr || shard.Result.Shard == nil || shard.Result.Shard.Index != 1 {
		t.Errorf("shard: role %v, undelivered %v, coordinator %q, shard %+v; want delivered to %s as shard 1", shard.Role, shard.Undelivered, shard.Coordinator, shard.Result.Shard, addr)
	}
}

func TestWatchInterrupts(t *testing.T) {
	sigs := make(chan os.Signal, 2)
	again := make(chan os.Signal, 1)
	ctx, stop := WatchInterrupts(context.Background(), sigs, func(s os.Signal) { again <- s })
	defer stop()
	sigs <- syscall.SIGTERM
	select {
	case <-ctx.Done():
	case <-time.After(10 * time.Second):
		t.Fatal("the first signal did not cancel the context")
	}
	select {
	case s := <-again:
		t.Fatalf("again called with %v after one signal", s)
	default:
	}
	sigs <- os.Interrupt
	select {
	case s := <-again:
		if s != os.Interrupt {
			t.Errorf("again got %v, want %v", s, os.Interrupt)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("the second signal did not call again")
	}
}
