package cli

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/loadtestdev/loadtest/cluster/kube"
	"github.com/loadtestdev/loadtest/internal/golden"
)

// TestClusterManifestGoldenN4 is the manifest docs/kubernetes.md shows whole.
func TestClusterManifestGoldenN4(t *testing.T) {
	code, out, errOut := runCLI(t, "cluster", "manifest", "echo", "--shards", "4", "--image", "registry.example/loadtest:v1",
		"--namespace", "perf", "--target", "http://192.0.2.1:8080", "--rate", "2000/s", "--duration", "5m",
		"--threshold", "p99<250ms", "--threshold", "errors<0.1%", "--cpu", "1", "--memory", "512Mi",
		"--node-selector", "pool=loadgen", "--cluster-token", "change-me")
	if code != 0 {
		t.Fatalf("exit code %d: %s", code, errOut)
	}
	golden.Assert(t, "testdata/cluster-manifest-n4.yaml", []byte(out))
}

func TestClusterManifestScenarioFileAndFeeder(t *testing.T) {
	dir := t.TempDir()
	os.MkdirAll(filepath.Join(dir, "data"), 0o755)
	os.WriteFile(filepath.Join(dir, "data", "users.csv"), []byte("uid\n1\n"), 0o644)
	sc := "name: shop\ntarget: http://192.0.2.1:8080\nfeeder: data/users.csv\nrequests:\n  - name: user\n    path: /echo?u={{ csv.uid }}\n"
	os.WriteFile(filepath.Join(dir, "Shop.yaml"), []byte(sc), 0o644)
	code, out, errOut := runCLI(t, "cluster", "manifest", filepath.Join(dir, "Shop.yaml"), "--shards", "2", "--image", "i:v1", "--cluster-token", "x")
	if code != 0 {
		t.Fatalf("exit code %d: %s", code, errOut)
	}
	for _, want := range []string{"name: loadtest-shop\n", "path: data/users.csv", "path: Shop.yaml", "- /etc/loadtest/Shop.yaml", "uid\n"} {
		if !strings.Contains(out, want) {
			t.Errorf("manifest lacks %q:\n%s", want, out)
		}
	}
}

func TestClusterBadInput(t *testing.T) {
	t.Setenv("KUBECONFIG", filepath.Join(t.TempDir(), "none"))
	tests := []struct {
		name string
		args []string
		want string
	}{
		{"no shards", []string{"cluster", "manifest", "echo", "--image", "i:v1", "--target", "http://127.0.0.1:1"}, "--shards"},
		{"no image", []string{"cluster", "run", "echo", "--shards", "2", "--target", "http://127.0.0.1:1"}, "--image"},
		{"no target", []string{"cluster", "manifest", "echo", "--shards", "2", "--image", "i:v1"}, "give --target URL"},
		{"bad selector", []string{"cluster", "manifest", "echo", "--shards", "2", "--image", "i:v1", "--target", "http://127.0.0.1:1", "--node-selector", "pool"}, "KEY=VALUE"},
		{"bad pull policy", []string{"cluster", "run", "echo", "--shards", "2", "--image", "i:v1", "--target", "http://127.0.0.1:1", "--image-pull-policy", "Sometimes"}, "Always, IfNotPresent or Never"},
		{"bad cpu", []string{"cluster", "manifest", "echo", "--shards", "2", "--image", "i:v1", "--target", "http://127.0.0.1:1", "--cpu", "lots"}, `cpu: "lots"`},
		{"unknown scenario", []string{"cluster", "manifest", "nope", "--shards", "2", "--image", "i:v1"}, "unknown scenario"},
		{"bad rate", []string{"cluster", "manifest", "echo", "--shards", "2", "--image", "i:v1", "--target", "http://127.0.0.1:1", "--rate", "fast"}, ""},
		{"tls file flag", []string{"cluster", "manifest", "echo", "--shards", "2", "--image", "i:v1", "--target", "https://127.0.0.1:1", "--ca-cert", "ca.pem"}, "unknown flag: --ca-cert"},
		{"relative tls file", []string{"cluster", "manifest", tlsScenario(t), "--shards", "2", "--image", "i:v1"}, "tls.ca_cert certs/ca.pem: the pods have none"},
		{"image without output", []string{"cluster", "image"}, "--output"},
		{"image bad platform", []string{"cluster", "image", "--output", "x.tar", "--platform", "windows/amd64"}, "only linux"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, _, errOut := runCLI(t, tt.args...)
			if code != ExitUsage || !strings.Contains(errOut, tt.want) {
				t.Errorf("exit code %d, stderr %q; want 2 and %q", code, errOut, tt.want)
			}
		})
	}
}

func TestClusterRunDryRunNeedsNoCluster(t *testing.T) {
	t.Setenv("KUBECONFIG", filepath.Join(t.TempDir(), "none"))
	code, out, errOut := runCLI(t, "cluster", "run", "echo", "--shards", "3", "--image", "i:v1", "--target", "http://192.0.2.1:8080", "--dry-run")
	if code != 0 {
		t.Fatalf("exit code %d: %s", code, errOut)
	}
	if !strings.Contains(errOut, "would create in namespace default: configmap/loadtest-echo, secret/loadtest-echo, service/loadtest-echo, job.batch/loadtest-echo (3 shards)") {
		t.Errorf("stderr %q", errOut)
	}
	if !strings.Contains(out, "completionMode: Indexed") {
		t.Errorf("no manifests on stdout:\n%s", out)
	}
}

func TestClusterRunNoKubeconfig(t *testing.T) {
	t.Setenv("KUBECONFIG", "")
	t.Setenv("HOME", t.TempDir())
	t.Setenv("KUBERNETES_SERVICE_HOST", "")
	code, _, errOut := runCLI(t, "cluster", "run", "echo", "--shards", "3", "--image", "i:v1", "--target", "http://192.0.2.1:8080")
	if code != ExitFailure || !strings.Contains(errOut, "no kubeconfig: give --kubeconfig FILE, set KUBECONFIG") {
		t.Errorf("exit code %d, stderr %q; want 1 and the no-kubeconfig message", code, errOut)
	}
	code, _, errOut = runCLI(t, "cluster", "run", "echo", "--shards", "3", "--image", "i:v1", "--target", "http://192.0.2.1:8080",
		"--kubeconfig", filepath.Join(t.TempDir(), "missing"))
	if code != ExitFailure || !strings.Contains(errOut, "--kubeconfig") {
		t.Errorf("exit code %d, stderr %q; want 1 naming --kubeconfig", code, errOut)
	}
}

// TestClusterPodShard0PrintsResult runs the pods' command as shard 0 of a run without a
// coordinator against a local server: its log carries the result between markers, then the
// summary.
func TestClusterPodShard0PrintsResult(t *testing.T) {
	srv, n := countingServer(t)
	sc := filepath.Join(t.TempDir(), "a.yaml")
	os.WriteFile(sc, []byte("name: a\nrequests:\n  - name: a\n    path: /a\n"), 0o644)
	code, out, errOut := runCLI(t, "cluster", "pod", "--index", "0", "--", "run", sc, "--target", srv.URL,
		"--rate", "20/s", "--duration", "500ms", "--no-thresholds")
	if code != 0 {
		t.Fatalf("exit code %d: %s", code, errOut)
	}
	var summary []string
	res, err := kube.ReadResult(strings.NewReader(out), func(l string) { summary = append(summary, l) }, nil)
	if err != nil {
		t.Fatal(err)
	}
	if res.ExitCode != 0 || !strings.Contains(string(res.Result), `"requests": `+strconv.FormatUint(n.Load(), 10)) {
		t.Errorf("result exit %d, %s; want 0 and %d requests", res.ExitCode, res.Result, n.Load())
	}
	if !strings.Contains(strings.Join(summary, "\n"), "Requests") {
		t.Errorf("no summary after the block:\n%s", out)
	}
}

// TestClusterPodOtherShardLeavesVerdictToShard0: a shard other than 0 whose own share breaches
// a threshold exits 0 (the podFailurePolicy would otherwise fail the Job before shard 0 has
// printed the merged result), saying so.
func TestClusterPodOtherShardLeavesVerdictToShard0(t *testing.T) {
	srv, _ := countingServer(t)
	sc := filepath.Join(t.TempDir(), "a.yaml")
	os.WriteFile(sc, []byte("name: a\nrequests:\n  - name: a\n    path: /a\n"), 0o644)
	code, out, errOut := runCLI(t, "cluster", "pod", "--index", "2", "--", "run", sc, "--target", srv.URL,
		"--rate", "20/s", "--duration", "300ms", "--no-thresholds", "--threshold", "max<1ns")
	if code != 0 || !strings.Contains(errOut, "the verdict is shard 0's") {
		t.Errorf("exit code %d, stderr %q; want 0 and the verdict note", code, errOut)
	}
	if strings.Contains(out, "loadtest-result-begin") {
		t.Errorf("shard 2 printed a result block")
	}
	code, _, _ = runCLI(t, "cluster", "pod", "--index", "x", "--", "run", sc)
	if code != ExitUsage {
		t.Errorf("--index x: exit code %d, want 2", code)
	}
}

// tlsScenario writes a scenario whose tls field names a file relative to it.
func tlsScenario(t *testing.T) string {
	return writeScenario(t, "target: https://127.0.0.1:1\nrequests: [{path: /x}]\ntls: {ca_cert: certs/ca.pem}\n")
}
