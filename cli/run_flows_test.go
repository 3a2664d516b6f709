package cli

import (
	"path/filepath"
	"testing"
	"time"
)

// TestRunFlowsStartsBundledDevServer runs the built-in swiper-flow with the real binary and no
// target: the bundled server must start with --dev (its vcode returns the code the flow logs in
// with), and every iteration must complete with every check passed.
func TestRunFlowsStartsBundledDevServer(t *testing.T) {
	t.Parallel()
	out := filepath.Join(t.TempDir(), "r.json")
	runBinary(t, 90*time.Second, "run", "swiper-flow", "--rate", "5/s", "--duration", "1s", "--seed", "3", "--out", out, "--no-thresholds")
	r := readResult(t, out)
	f := r.Flows["swipe"]
	if r.Iterations != 5 || r.IterationsCompleted != 5 || f == nil || f.Completed != 5 {
		t.Fatalf("got %d iterations, %d completed (flow %+v), want 5 completed; errors %+v", r.Iterations, r.IterationsCompleted, f, r.Errors)
	}
	if r.Checks == nil || r.Checks.Fails != 0 || r.Requests != 5*8 || r.Successes != r.Requests {
		t.Errorf("got checks %+v, %d requests %d successes; want no check failed and 40 successful requests", r.Checks, r.Requests, r.Successes)
	}
	if rs := r.ByRequest["swipe/login"]; rs == nil || rs.Requests != 5 {
		t.Errorf("got by_request %v, want swipe/login with 5 requests", r.ByRequest)
	}
}
