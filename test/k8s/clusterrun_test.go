package k8s_test

import (
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestClusterRunOneShard runs `loadtest cluster run` itself (the binary, as a user would) with
// one shard, which needs no coordinator: the merged result is written here, the server counted
// exactly its requests, and the objects are gone.
func TestClusterRunOneShard(t *testing.T) {
	e := cluster(t)
	url, count := inClusterServer(t, e)
	r := startClusterRunN(t, e, url, "1", "--duration", "2s", "--rate", "40/s")
	if code := r.wait(t); code != 0 {
		t.Fatalf("exit code %d, want 0", code)
	}
	m := readMerged(t, r.out)
	if got := count(); m.Requests == 0 || got != m.Requests {
		t.Errorf("server counted %d echo requests, the result has %d", got, m.Requests)
	}
	if !strings.Contains(r.stdout.String(), "Requests") {
		t.Errorf("no summary on stdout:\n%s", r.stdout.String())
	}
	objectsGone(t, e, r.name)
}

// TestClusterRunInterrupted: SIGINT deletes the Job and still writes the partial result
// (exit code 130).
func TestClusterRunInterrupted(t *testing.T) {
	e := cluster(t)
	url, _ := inClusterServer(t, e)
	r := startClusterRunN(t, e, url, "1", "--duration", "60s", "--rate", "20/s")
	for i := 0; i < 240 && !strings.Contains(r.stderr.String(), "shards started"); i++ {
		time.Sleep(500 * time.Millisecond)
	}
	time.Sleep(3 * time.Second) // some requests are sent
	r.cmd.Process.Signal(syscall.SIGINT)
	if code := r.wait(t); code != 130 {
		t.Fatalf("exit code %d, want 130", code)
	}
	if m := readMerged(t, r.out); m.Requests == 0 {
		t.Errorf("partial result has no requests")
	}
	objectsGone(t, e, r.name)
}

// TestClusterRunImageCannotBePulled: an image that is not on the node (and may not be
// pulled) fails at once with the reason, and nothing is left.
func TestClusterRunImageCannotBePulled(t *testing.T) {
	e := cluster(t)
	r := startClusterRunN(t, e, "http://swiper.default.svc:8080", "1", "--duration", "2s", "--image", "local.test/loadtest:absent")
	if code := r.wait(t); code != 1 {
		t.Fatalf("exit code %d, want 1", code)
	}
	if msg := r.stderr.String(); !strings.Contains(msg, "cannot be pulled") || !strings.Contains(msg, "ErrImageNeverPull") {
		t.Errorf("stderr does not explain the image: %s", msg)
	}
	objectsGone(t, e, r.name)
}

// TestClusterRunSpreadHardOnOneNode: --spread hard puts every shard on a node of its own;
// on the harness's one node the second shard stays Pending, and cluster run says why and
// gives up after --pending-timeout (exit 1), leaving nothing behind.
func TestClusterRunSpreadHardOnOneNode(t *testing.T) {
	e := cluster(t)
	r := startClusterRunN(t, e, "http://swiper.default.svc:8080", "2", "--duration", "2s", "--spread", "hard", "--pending-timeout", "15s")
	if code := r.wait(t); code != 1 {
		t.Fatalf("exit code %d, want 1", code)
	}
	msg := r.stderr.String()
	for _, want := range []string{"didn't match pod anti-affinity rules", "--spread hard puts every shard on a node of its own", "(--pending-timeout)"} {
		if !strings.Contains(msg, want) {
			t.Errorf("stderr does not say %q:\n%s", want, msg)
		}
	}
	objectsGone(t, e, r.name)
}
