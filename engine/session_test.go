package engine

import (
	"context"
	"net/http"
	"net/http/httptest"
	"runtime"
	"runtime/debug"
	"strings"
	"sync"
	"testing"
	"time"

	vegeta "github.com/tsenart/vegeta/v12/lib"
)

func TestRunStopsAtDurationWhenBehind(t *testing.T) {
	t.Parallel()
	// one worker against a server that takes 50 ms an answer cannot send 100/s: before the fix
	// the run went on until all ceil(rate × duration) hits were sent (5 s here)
	cs := newCountingServer(t, func(w http.ResponseWriter, r *http.Request) { time.Sleep(50 * time.Millisecond) })
	r, err := Run(context.Background(), Options{Targeter: newFake(cs.URL, "/slow"), RatePerSec: 100, Duration: time.Second, Connections: 1})
	if err != nil {
		t.Fatal(err)
	}
	if r.Planned != 100 || r.Sent == 0 || r.Sent >= r.Planned/2 {
		t.Fatalf("planned %d sent %d, want 100 planned and fewer than 50 sent (one worker, 50 ms each)", r.Planned, r.Sent)
	}
	if r.Requests != r.Sent || cs.count.Load() != r.Sent {
		t.Errorf("requests %d, server %d, sent %d, want equal (in-flight requests are awaited)", r.Requests, cs.count.Load(), r.Sent)
	}
	var notSent float64
	for _, w := range r.Warnings {
		if w.Code == "not_sent" {
			notSent = w.Values["requests"]
		}
	}
	if want := float64(r.Planned - r.Sent); notSent != want {
		t.Errorf("not_sent warning counts %v, want %v (warnings %+v)", notSent, want, r.Warnings)
	}
	if r.LatencyMS.Max <= r.ServiceTimeMS.Max {
		t.Errorf("latency max %.1f ms ≤ service time max %.1f ms, want the late hits' wait counted", r.LatencyMS.Max, r.ServiceTimeMS.Max)
	}
	checkConsistent(t, r)
}

// headerTargeter sends one request with the given headers.
type headerTargeter struct {
	url    string
	header http.Header
}

func (h headerTargeter) Names() []string { return []string{"GET /"} }

func (h headerTargeter) Next(tgt *vegeta.Target) (int, error) {
	tgt.Method, tgt.URL, tgt.Header = "GET", h.url, h.header
	return 0, nil
}

func TestRunUserAgent(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name      string
		userAgent string
		header    http.Header
		http2     bool
		want      string
	}{
		{"engine's", "loadtest/v1.2.3", nil, false, "loadtest/v1.2.3"},
		{"engine's over HTTP/2 transport", "loadtest/v1.2.3", nil, true, "loadtest/v1.2.3"},
		{"scenario header wins", "loadtest/v1.2.3", http.Header{"user-agent": {"mine/1"}}, false, "mine/1"},
		{"none asked: Go's", "", nil, false, "Go-http-client/1.1"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var mu sync.Mutex
			seen := map[string]int{}
			srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				mu.Lock()
				seen[r.UserAgent()]++
				mu.Unlock()
			}))
			srv.Config.Protocols = new(http.Protocols)
			srv.Config.Protocols.SetHTTP1(true)
			srv.Config.Protocols.SetUnencryptedHTTP2(true)
			srv.Start()
			defer srv.Close()
			_, err := Run(context.Background(), Options{Targeter: headerTargeter{url: srv.URL, header: tt.header},
				MaxRequests: 5, Connections: 1, UserAgent: tt.userAgent, HTTP2: tt.http2})
			if err != nil {
				t.Fatal(err)
			}
			mu.Lock()
			defer mu.Unlock()
			if tt.http2 && seen["Go-http-client/2.0"] > 0 {
				t.Fatalf("user agents %v, want %q", seen, tt.want)
			}
			if seen[tt.want] != 5 {
				t.Errorf("user agents %v, want %q × 5", seen, tt.want)
			}
		})
	}
}

func TestRunStartsWorkersOnDemand(t *testing.T) {
	t.Parallel()
	// a cap of a million workers must cost nothing while a few suffice: before, vegeta started
	// every one of them at once (gigabytes of stacks)
	cs := newCountingServer(t, nil)
	before := runtime.NumGoroutine()
	var during int
	r, err := Run(context.Background(), Options{
		Targeter: newFake(cs.URL, "/"), RatePerSec: 50, Duration: 30 * time.Second, MaxRequests: 60, Connections: MaxConnections,
		OnSecond: func(Progress) error {
			during = max(during, runtime.NumGoroutine())
			return nil
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	if r.Requests != 60 || r.Connections != MaxConnections {
		t.Errorf("requests %d connections %d, want 60 and %d", r.Requests, r.Connections, MaxConnections)
	}
	if during == 0 || during-before > 10_000 {
		t.Errorf("%d goroutines during the run, %d before, want fewer than 10,000 more", during, before)
	}
}

func TestRunLeavesProcessUntunedUnlessAsked(t *testing.T) {
	// not parallel: it reads process-wide settings
	if testing.Short() {
		t.Skip("runs a second of load")
	}
	procs := runtime.GOMAXPROCS(0)
	gc := debug.SetGCPercent(100)
	debug.SetGCPercent(gc)
	cs := newCountingServer(t, nil)
	tests := []struct {
		name string
		tune bool
	}{{"untuned", false}, {"tuned", true}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var gotGC, gotProcs int
			_, err := Run(context.Background(), Options{
				Targeter: newFake(cs.URL, "/"), RatePerSec: 20, Duration: 30 * time.Second, MaxRequests: 30, TuneProcess: tt.tune,
				OnSecond: func(Progress) error {
					gotGC = debug.SetGCPercent(-1)
					debug.SetGCPercent(gotGC)
					gotProcs = runtime.GOMAXPROCS(0)
					return nil
				},
			})
			if err != nil {
				t.Fatal(err)
			}
			changed := gotGC != gc || gotProcs != procs
			if changed != tt.tune && (tt.tune == false || gc == 100) {
				t.Errorf("during the run GOGC %d GOMAXPROCS %d (before %d, %d); want changed = %v", gotGC, gotProcs, gc, procs, tt.tune)
			}
			if after := runtime.GOMAXPROCS(0); after != procs {
				t.Errorf("GOMAXPROCS %d after the run, want %d restored", after, procs)
			}
			if after := debug.SetGCPercent(gc); after != gc {
				t.Errorf("GOGC %d after the run, want %d restored", after, gc)
			}
		})
	}
}

func TestLateWarningCause(t *testing.T) {
	tests := []struct {
		name         string
		late, total  uint64
		peakInFlight uint64
		want         float64 // cause; 0 = no warning
		wantText     string
	}{
		{"on time", 1, 1000, 50, 0, ""},
		{"all connections busy", 100, 1000, 50, BehindConnections, "raise --connections"},
		{"connections to spare", 100, 1000, 7, BehindGenerator, "more connections will not help"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := newPlan(Options{Targeter: newFake("http://127.0.0.1:1", "/"), RatePerSec: 100, Connections: 50})
			if err != nil {
				t.Fatal(err)
			}
			a := newAggregator(p, time.Now())
			a.total.requests, a.late, a.peakInFlight, a.maxLag = tt.total, tt.late, tt.peakInFlight, 30*time.Millisecond
			w, ok := a.lateWarning()
			if ok != (tt.want != 0) || w.Values["cause"] != tt.want {
				t.Fatalf("lateWarning = %+v, %v; want cause %v", w, ok, tt.want)
			}
			if !strings.Contains(w.Message, tt.wantText) {
				t.Errorf("message %q, want it to contain %q", w.Message, tt.wantText)
			}
		})
	}
}
