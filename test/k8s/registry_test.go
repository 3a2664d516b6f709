package k8s_test

import (
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/google/go-containerregistry/pkg/registry"
)

// localRegistry serves an OCI distribution registry (go-containerregistry's, in memory) on
// 127.0.0.1 and tells the node's containerd to pull from it over plain http (a hosts.toml
// below the harness's containerd config_path). It returns the registry's host:port and the
// number of manifest GETs it answered (the pulls).
func localRegistry(t *testing.T) (string, *atomic.Int64) {
	t.Helper()
	run := os.Getenv("LOADTEST_TEST_K8S_RUN")
	if run == "" {
		t.Skip("LOADTEST_TEST_K8S_RUN is not set (test/k8s/cluster.sh up writes it)")
	}
	var pulls atomic.Int64
	reg := registry.New(registry.Logger(log.New(io.Discard, "", 0)))
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodGet && strings.Contains(r.URL.Path, "/manifests/") {
			pulls.Add(1)
		}
		reg.ServeHTTP(w, r)
	}))
	t.Cleanup(srv.Close)
	host := strings.TrimPrefix(srv.URL, "http://")
	dir := filepath.Join(run, "containerd", "certs.d", host)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	hosts := "server = \"http://" + host + "\"\n\n[host.\"http://" + host + "\"]\n  capabilities = [\"pull\", \"resolve\"]\n"
	if err := os.WriteFile(filepath.Join(dir, "hosts.toml"), []byte(hosts), 0o644); err != nil {
		t.Fatal(err)
	}
	return host, &pulls
}

// TestClusterRunPushedImage is the path of a user with a registry: `loadtest cluster image
// --push 127.0.0.1:PORT/loadtest:TAG`, then `cluster run --image` that reference with
// IfNotPresent: the node's containerd pulls it from the registry (the image is new to the
// node), and the sharded run completes with counts equal to the server's.
func TestClusterRunPushedImage(t *testing.T) {
	e := cluster(t)
	host, pulls := localRegistry(t)
	ref := host + "/loadtest:" + strings.TrimPrefix(e.image, "local.test/loadtest:")
	if out, err := exec.Command(e.binary, "cluster", "image", "--push", ref).CombinedOutput(); err != nil {
		t.Fatalf("cluster image --push %s: %v\n%s", ref, err, out)
	}
	url, count := inClusterServer(t, e)
	r := startClusterRunN(t, e, url, "2", "--duration", "2s", "--rate", "20/s", "--image", ref, "--image-pull-policy", "IfNotPresent")
	if code := r.wait(t); code != 0 {
		t.Fatalf("exit code %d, want 0", code)
	}
	if pulls.Load() == 0 {
		t.Errorf("the registry answered no manifest GET: the node did not pull %s from it", ref)
	}
	m := readMerged(t, r.out)
	if got := count(); m.Requests != 40 || got != m.Requests {
		t.Errorf("server counted %d echo requests, the merged result has %d; want 40", got, m.Requests)
	}
	objectsGone(t, e, r.name)
}
