package cli

import (
	"math"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/loadtestdev/loadtest/capacity"
)

// TestCapacityPlanFromBundledEchoRun is issue 19's case: a 50/s run of the bundled echo
// server shows the load it offered, not what one server holds, so plan --from it exits 2 with
// the probe hint; the utilization law's bound it prints is throughput ÷ the server's busy
// CPU share as the result file records them.
func TestCapacityPlanFromBundledEchoRun(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the binary for 3 s")
	}
	t.Parallel()
	slow := filepath.Join(t.TempDir(), "slow.json")
	runBinary(t, 90*time.Second, "run", "echo", "--rate", "50/s", "--duration", "3s", "--out", slow, "--no-thresholds")
	r := readResult(t, slow)
	code, out, errOut := capRun(t, "plan", "--dau", "200000", "--from", slow)
	if code != ExitUsage || out != "" {
		t.Fatalf("exit code %d, stdout %q; want 2 and no plan\nstderr:\n%s", code, out, errOut)
	}
	for _, want := range []string{"--from " + slow, "does not show where the server saturates", "loadtest probe echo", "--server-rps"} {
		if !strings.Contains(errOut, want) {
			t.Errorf("stderr lacks %q:\n%s", want, errOut)
		}
	}
	busy, sampled := r.ServerCPUBusy()
	if r.Host == nil || r.Host.Server == nil || !sampled {
		t.Errorf("the run started the bundled server, yet its CPU was not sampled during the run (host %+v)", r.Host)
	}
	t.Logf("stderr: %s", errOut)
	bound := capacity.UtilizationLawMax(r.Throughput, busy.Share)
	m := regexp.MustCompile(`by the utilization law it might hold about ([0-9,]+) req/s`).FindStringSubmatch(errOut)
	switch {
	case !sampled || bound == 0:
		if m != nil {
			t.Errorf("an estimate without a sampled server CPU:\n%s", errOut)
		}
	case m == nil:
		t.Errorf("the server's CPU was sampled (%.4f busy), but stderr has no utilization-law estimate:\n%s", busy.Share, errOut)
	default:
		got, _ := strconv.ParseFloat(strings.ReplaceAll(m[1], ",", ""), 64)
		if math.Abs(got-bound) > 0.005*bound {
			t.Errorf("estimate %v req/s, want throughput %v ÷ busy %v = %v (to 3 digits)", got, r.Throughput, busy.Share, bound)
		}
	}
}
