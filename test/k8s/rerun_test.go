package k8s_test

import (
	"fmt"
	"strings"
	"testing"
	"time"
)

// TestClusterRunRerunAfterFailure is the rerun bug of issue 25: a run whose image cannot be
// pulled, then at once a good run under the same name. The first run's pods linger for a
// second or so while they are deleted; the second run must judge only its own Job's pods
// (selected by the Job's UID) and complete, its counts equal to the server's.
func TestClusterRunRerunAfterFailure(t *testing.T) {
	e := cluster(t)
	url, count := inClusterServer(t, e)
	name := fmt.Sprintf("e2e-rerun-%d", time.Now().UnixNano()%1e6)
	bad := startClusterRunN(t, e, url, "2", "--duration", "2s", "--rate", "20/s", "--name", name, "--image", "local.test/loadtest:typo")
	if code := bad.wait(t); code != 1 {
		t.Fatalf("the run with a missing image: exit code %d, want 1", code)
	}
	if !strings.Contains(bad.stderr.String(), "ErrImageNeverPull") {
		t.Fatalf("the run with a missing image does not say why:\n%s", bad.stderr.String())
	}
	good := startClusterRunN(t, e, url, "2", "--duration", "2s", "--rate", "20/s", "--name", name)
	code := good.wait(t)
	if code != 0 {
		t.Fatalf("the good run under the same name: exit code %d, want 0", code)
	}
	if msg := good.stderr.String(); strings.Contains(msg, "cannot be pulled") {
		t.Errorf("the good run reported the earlier run's error:\n%s", msg)
	}
	// Every request on the wire is in the result. All 40 planned are sent, unless a shard held
	// its hits back (it does while it has not heard the coordinator for LostAfter/2, so as not
	// to send load nobody counts), and answered, unless the pod network lost them: then the
	// result must say so (not_sent, in_flight_abandoned), never fall short silently.
	m := readMerged(t, good.out)
	got := count()
	switch {
	case got != m.Requests:
		t.Errorf("server counted %d echo requests, the merged result has %d; want them equal", got, m.Requests)
	case m.Requests == 40:
	case m.Planned == 40 && m.Sent == m.Requests && m.warning("not_sent") != "":
		t.Logf("a shard held hits back, and the result says so: %s", m.warning("not_sent"))
	case m.Planned == 40 && m.Sent == 40 && m.warning("in_flight_abandoned") != "":
		// Seen once in CI (1 of 9 runs): one new shard's requests got no answer from the
		// in-cluster server within the grace (the server counted none of them), while the
		// other shard's and the coordinator's traffic went through. The result declares them.
		t.Logf("requests sent but unanswered within the grace, and the result says so: %s", m.warning("in_flight_abandoned"))
	default:
		t.Errorf("the merged result has %d requests (planned %d, sent %d, warnings %+v); want 40 = 20/s × 2 s, or a not_sent warning for the shortfall",
			m.Requests, m.Planned, m.Sent, m.Warnings)
	}
	objectsGone(t, e, name)
}
