package cli

import (
	"encoding/json"
	"fmt"
	"math"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/loadtestdev/loadtest/metrics"
)

// envPrometheus names the Prometheus server binary of the end-to-end metrics test (Debian's
// prometheus package: /usr/bin/prometheus).
const envPrometheus = "LOADTEST_TEST_PROMETHEUS"

// TestRunMetricsScrapedByPrometheus runs a 5 s run with --metrics-listen while two real
// Prometheus servers scrape it every second, one of classic histograms (the text format) and
// one with native histograms (protobuf), and checks what they stored after the linger's scrape
// against the result file: loadtest_requests_total equals its requests, and the p99 of
// histogram_quantile is within one bucket of its latency p99.
func TestRunMetricsScrapedByPrometheus(t *testing.T) {
	bin := os.Getenv(envPrometheus)
	if bin == "" {
		t.Skipf("set %s to a Prometheus server binary (e.g. /usr/bin/prometheus from Debian's prometheus package) to run this test", envPrometheus)
	}
	var n atomic.Uint64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		// a spread of latencies, 0 to 6 ms, so that the p99 is not in the first bucket
		time.Sleep(time.Duration(n.Add(1)%7) * time.Millisecond)
		_, _ = w.Write([]byte("ok"))
	}))
	t.Cleanup(srv.Close)
	out := filepath.Join(t.TempDir(), "r.json")
	mr := startMetricsRun(t, "run", writeScenario(t, twoRequests), "--target", srv.URL, "-q",
		"--rate", "100/s", "--duration", "5s", "--out", out, "--metrics-linger", "5m")
	target := strings.TrimSuffix(strings.TrimPrefix(mr.url, "http://"), metrics.Path)
	classic := startPrometheus(t, bin, target, false)
	native := startPrometheus(t, bin, target, true)

	waitFor(t, 2*time.Minute, "the end of the run", func() bool { return strings.Contains(mr.errOut.String(), "serving the final figures") })
	r := readResult(t, out)
	if r.Requests == 0 {
		t.Fatal("the run made no request")
	}
	for _, p := range []*prometheusServer{classic, native} {
		waitFor(t, time.Minute, p.name+" scraping the final figures", func() bool {
			v, ok := p.query(t, "sum(loadtest_requests_total)")
			return ok && v == float64(r.Requests)
		})
	}
	p99 := r.LatencyMS.P99 / 1000
	t.Run("classic", func(t *testing.T) {
		q, ok := classic.query(t, `histogram_quantile(0.99, sum by (le) (loadtest_request_duration_seconds_bucket{kind="latency"}))`)
		if !ok {
			t.Fatal("no quantile")
		}
		if d := classicBucket(q) - classicBucket(p99); d < -1 || d > 1 {
			t.Errorf("histogram_quantile(0.99) = %v s is %d classic buckets from the result's p99 %v s, want at most one", q, d, p99)
		}
		t.Logf("p99: Prometheus %.6f s (classic buckets), result %.6f s", q, p99)
	})
	t.Run("native", func(t *testing.T) {
		q, ok := native.query(t, `histogram_quantile(0.99, sum(loadtest_request_duration_seconds{kind="latency"}))`)
		if !ok {
			t.Fatal("no quantile")
		}
		if d := nativeBucket(q) - nativeBucket(p99); d < -1 || d > 1 {
			t.Errorf("histogram_quantile(0.99) = %v s is %d native buckets from the result's p99 %v s, want at most one", q, d, p99)
		}
		t.Logf("p99: Prometheus %.6f s (native buckets), result %.6f s", q, p99)
	})
	mr.signals.send(t, syscall.SIGINT)
}

// classicBucket is the index of the classic bucket (metrics.BucketBoundsMicros) holding v s.
func classicBucket(v float64) int {
	for i, b := range metrics.BucketBoundsMicros {
		if v <= float64(b)/1e6 {
			return i
		}
	}
	return len(metrics.BucketBoundsMicros)
}

// nativeBucket is the index of the native bucket (metrics.NativeSchema) holding v s.
func nativeBucket(v float64) int {
	return int(math.Ceil(math.Log2(v) * (1 << metrics.NativeSchema)))
}

type prometheusServer struct {
	name, base string
}

// startPrometheus starts a Prometheus server on a free port of 127.0.0.1, with its own
// storage, scraping target's /metrics every second, and waits until it is ready.
func startPrometheus(t *testing.T, bin, target string, native bool) *prometheusServer {
	t.Helper()
	dir := t.TempDir()
	cfg := fmt.Sprintf("global:\n  scrape_interval: 1s\n  scrape_timeout: 1s\nscrape_configs:\n  - job_name: loadtest\n    static_configs:\n      - targets: [%q]\n", target)
	if err := os.WriteFile(filepath.Join(dir, "prometheus.yml"), []byte(cfg), 0o644); err != nil {
		t.Fatal(err)
	}
	addr, err := freeLoopbackAddr()
	if err != nil {
		t.Fatal(err)
	}
	args := []string{"--config.file=" + filepath.Join(dir, "prometheus.yml"), "--storage.tsdb.path=" + filepath.Join(dir, "data"),
		"--web.listen-address=" + addr, "--log.level=warn"}
	name := "prometheus (classic histograms)"
	if native {
		args = append(args, "--enable-feature=native-histograms")
		name = "prometheus (native histograms)"
	}
	cmd := exec.Command(bin, args...)
	var logs syncBuffer
	cmd.Stdout, cmd.Stderr = &logs, &logs
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = cmd.Process.Signal(syscall.SIGTERM)
		_ = cmd.Wait()
		if t.Failed() {
			t.Logf("%s log:\n%s", name, logs.String())
		}
	})
	p := &prometheusServer{name: name, base: "http://" + addr}
	waitFor(t, time.Minute, name+" ready", func() bool {
		resp, err := http.Get(p.base + "/-/ready")
		if err != nil {
			return false
		}
		resp.Body.Close()
		return resp.StatusCode == http.StatusOK
	})
	return p
}

// query evaluates an instant PromQL query that returns one sample and returns its value;
// ok is false when the answer is empty.
func (p *prometheusServer) query(t *testing.T, q string) (float64, bool) {
	t.Helper()
	resp, err := http.Get(p.base + "/api/v1/query?query=" + url.QueryEscape(q))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var body struct {
		Status string `json:"status"`
		Error  string `json:"error"`
		Data   struct {
			Result []struct {
				Value [2]any `json:"value"`
			} `json:"result"`
		} `json:"data"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&body); err != nil {
		t.Fatalf("%s: query %s: %v", p.name, q, err)
	}
	if body.Status != "success" {
		t.Fatalf("%s: query %s: %s", p.name, q, body.Error)
	}
	if len(body.Data.Result) != 1 {
		return 0, false
	}
	s, _ := body.Data.Result[0].Value[1].(string)
	v, err := strconv.ParseFloat(s, 64)
	if err != nil || math.IsNaN(v) {
		return 0, false
	}
	return v, true
}
