package cli

import (
	"bufio"
	"bytes"
	"net/http"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"

	"github.com/loadtestdev/loadtest/scenarios"
)

// startReferenceServer starts `loadtest server` on 127.0.0.1:0 with a temporary SQLite
// database and more flags (e.g. --dev), and returns its base URL; the server is stopped
// when the test ends.
func startReferenceServer(t *testing.T, secret string, flags ...string) string {
	t.Helper()
	db := "sqlite://" + filepath.Join(t.TempDir(), "ref.db")
	args := append([]string{"server", "--addr", "127.0.0.1:0", "--secret", secret, "--db", db}, flags...)
	cmd := exec.Command(loadtestBinary(t), args...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = cmd.Process.Signal(syscall.SIGTERM)
		_ = cmd.Wait()
	})
	line, err := bufio.NewReader(stdout).ReadString('\n')
	base, ok := strings.CutPrefix(strings.TrimSpace(line), "listening on ")
	if err != nil || !ok {
		t.Fatalf("server said %q (%v), want \"listening on URL\"; stderr: %s", line, err, stderr.String())
	}
	return base
}

// servedRequests sums the server's loadtest_server_requests_total over the routes the
// scenarios use (not /healthz, /metrics nor the host sampler's /stats).
func servedRequests(t *testing.T, base string) uint64 {
	t.Helper()
	var total float64
	for route, n := range routeCounts(t, base) {
		if strings.HasSuffix(route, "/healthz") || strings.HasSuffix(route, "/metrics") || strings.HasSuffix(route, "/stats") {
			continue
		}
		total += n
	}
	return uint64(total)
}

// routeCounts is the reference server's loadtest_server_requests_total by route ("POST
// /api/user/login"), from its /metrics.
func routeCounts(t *testing.T, base string) map[string]float64 {
	t.Helper()
	counts := map[string]float64{}
	for _, m := range metricFamilies(t, base+"/metrics")["loadtest_server_requests_total"].GetMetric() {
		for _, l := range m.GetLabel() {
			if l.GetName() == "route" {
				counts[l.GetValue()] += m.GetCounter().GetValue()
			}
		}
	}
	return counts
}

// metricFamilies reads the Prometheus text exposition at url.
func metricFamilies(t *testing.T, url string) map[string]*dto.MetricFamily {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	parser := expfmt.NewTextParser(model.UTF8Validation)
	families, err := parser.TextToMetricFamilies(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return families
}

// TestRunBuiltinsAgainstReferenceServer runs every built-in scenario for 1 s against the
// reference server and checks that the requests the runs report are the requests it served.
func TestRunBuiltinsAgainstReferenceServer(t *testing.T) {
	t.Parallel()
	const secret = "test-secret"
	base := startReferenceServer(t, secret)
	var sent uint64
	for _, name := range scenarios.Builtins() {
		if sc, err := scenarios.Load(name); err != nil || len(sc.Flows) > 0 {
			continue // flows log in with a code only a --dev server returns: TestRunFlowsStartsBundledDevServer
		}
		t.Run(name, func(t *testing.T) {
			out := filepath.Join(t.TempDir(), "r.json")
			code, _, errOut := runCLI(t, "run", name, "--target", base, "--secret", secret, "--no-thresholds", // not a speed test
				"--rate", "40/s", "--duration", "1s", "--seed", "1", "--out", out)
			if code != ExitOK {
				t.Fatalf("exit code = %d, want 0; stderr %q", code, errOut)
			}
			r := readResult(t, out)
			sent += r.Requests
			if r.Requests != 40 || r.SuccessRatio < 1 {
				t.Errorf("requests %d success ratio %v (errors %+v), want 40 all successful", r.Requests, r.SuccessRatio, r.Errors)
			}
		})
	}
	if got := servedRequests(t, base); got != sent {
		t.Errorf("server counted %d requests, the runs reported %d, want equal", got, sent)
	}
}

// TestRunStartsBundledServer runs the real binary with no target: it must start the bundled
// server, load it, stop it and exit 0.
func TestRunStartsBundledServer(t *testing.T) {
	t.Parallel()
	out := filepath.Join(t.TempDir(), "r.json")
	runBinary(t, 90*time.Second, "run", "swiper", "--rate", "50/s", "--duration", "1s", "--out", out, "--no-thresholds") // not a speed test
	r := readResult(t, out)
	if r.Requests != 50 || r.Successes != 50 || !strings.HasPrefix(r.Target, "http://127.0.0.1:") {
		t.Errorf("requests %d successes %d target %q, want 50 successful against the bundled server (errors %+v)",
			r.Requests, r.Successes, r.Target, r.Errors)
	}
}
