package server

import (
	"context"
	"io"
	"net"
	"net/http"
	"path/filepath"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// echoLoad sends n GET requests to url from workers goroutines sharing a keep-alive client
// and returns how long they took.
func echoLoad(b *testing.B, client *http.Client, url string, n, workers int) time.Duration {
	var next atomic.Int64
	var failed atomic.Int64
	var wg sync.WaitGroup
	start := time.Now()
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for next.Add(1) <= int64(n) {
				resp, err := client.Get(url)
				if err != nil {
					failed.Add(1)
					continue
				}
				io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				if resp.StatusCode != 200 {
					failed.Add(1)
				}
			}
		}()
	}
	wg.Wait()
	took := time.Since(start)
	if f := failed.Load(); f > 0 {
		b.Fatalf("%d of %d requests to %s failed", f, n, url)
	}
	return took
}

// serveBench serves h on a loopback port with a plain http.Server (only ReadHeaderTimeout, as
// linters ask) or, with hardened, the same timeouts as the reference server.
func serveBench(b *testing.B, h http.Handler, hardened bool) (string, func()) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	hs := &http.Server{Handler: h, ReadHeaderTimeout: 5 * time.Second}
	if hardened {
		hs.ReadTimeout, hs.WriteTimeout, hs.IdleTimeout = 30*time.Second, 30*time.Second, 120*time.Second
	}
	go hs.Serve(ln)
	return "http://" + ln.Addr().String() + "/echo", func() { hs.Close() }
}

// BenchmarkEcho compares GET /echo through the whole server (routing, metrics, in-flight
// accounting and shedding check, body limit, read/write/idle timeouts) with a bare net/http
// handler that writes "ok", all over loopback TCP, driven by the same in-process load
// generator in the same run. The targets are measured in rotating slices so that drift on a
// shared machine hits them alike. It reports req/s of each and the median ratio of the
// server's throughput to the bare handler's on a plain http.Server ("ratio", the target is
// ≥ 0.9) and on an http.Server with the same timeouts ("ratio_same_timeouts", the cost of the
// middleware alone).
func BenchmarkEcho(b *testing.B) {
	srv, err := New(context.Background(), Options{DB: "sqlite://" + filepath.Join(b.TempDir(), "bench.db"), MaxInflight: 100000})
	if err != nil {
		b.Fatal(err)
	}
	defer srv.Close()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	served := make(chan error, 1)
	go func() { served <- srv.Serve(ctx, ln) }()
	defer func() { cancel(); <-served }()
	bare := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.Write([]byte("ok")) })
	plainURL, stopPlain := serveBench(b, bare, false)
	defer stopPlain()
	hardURL, stopHard := serveBench(b, bare, true)
	defer stopHard()
	urls := []string{"http://" + ln.Addr().String() + "/echo", plainURL, hardURL}

	const workers, rounds = 16, 12
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 2 * workers, DisableCompression: true}}
	defer client.CloseIdleConnections()
	for _, u := range urls {
		echoLoad(b, client, u, 500, workers) // open the connections
	}
	per := max(b.N/rounds, workers)
	var total [3]time.Duration
	var ratioPlain, ratioHard []float64
	b.ResetTimer()
	for i := range rounds {
		var took [3]time.Duration
		for j := range urls {
			k := (i + j) % len(urls) // rotate the order
			took[k] = echoLoad(b, client, urls[k], per, workers)
			total[k] += took[k]
		}
		ratioPlain = append(ratioPlain, took[1].Seconds()/took[0].Seconds())
		ratioHard = append(ratioHard, took[2].Seconds()/took[0].Seconds())
	}
	b.StopTimer()
	n := float64(per * rounds)
	b.ReportMetric(n/total[0].Seconds(), "server_req/s")
	b.ReportMetric(n/total[1].Seconds(), "bare_req/s")
	b.ReportMetric(n/total[2].Seconds(), "bare_same_timeouts_req/s")
	b.ReportMetric(median(ratioPlain), "ratio")
	b.ReportMetric(median(ratioHard), "ratio_same_timeouts")
}

// median of the per-round ratios: a burst of load from another process spoils one round, not
// the figure.
func median(xs []float64) float64 {
	slices.Sort(xs)
	return xs[len(xs)/2]
}
