package kube

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/loadtestdev/loadtest/scenarios"
)

func TestDefaultName(t *testing.T) {
	tests := []struct{ in, want string }{
		{"echo", "loadtest-echo"},
		{"dir/Shop_Checkout.yaml", "loadtest-shop-checkout"},
		{"x.yml", "loadtest-x"},
		{strings.Repeat("a", 39) + "-b.yaml", "loadtest-" + strings.Repeat("a", 39)},
	}
	for _, tt := range tests {
		if got := DefaultName(tt.in); got != tt.want {
			t.Errorf("DefaultName(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func loadScenario(t *testing.T, yaml string) (string, *scenarios.Scenario) {
	t.Helper()
	dir := t.TempDir()
	os.MkdirAll(filepath.Join(dir, "data"), 0o755)
	os.WriteFile(filepath.Join(dir, "data", "u.csv"), []byte("uid\n1\n"), 0o644)
	path := filepath.Join(dir, "Shop.yaml")
	os.WriteFile(path, []byte(yaml), 0o644)
	sc, err := scenarios.Load(path)
	if err != nil {
		t.Fatal(err)
	}
	return path, sc
}

func TestRequestSpec(t *testing.T) {
	path, sc := loadScenario(t, "name: shop\ntarget: http://192.0.2.1:8080\nfeeder: data/u.csv\nrequests:\n  - name: u\n    path: /echo?u={{ csv.uid }}\n")
	s, err := Request{Scenario: sc, ScenarioArg: path, Image: "i:v1", Shards: 2, NodeSelector: []string{"pool=gen"}, RunArgs: []string{"--rate=5/s"}}.Spec("perf")
	if err != nil {
		t.Fatal(err)
	}
	if s.Name != "loadtest-shop" || s.Scenario != "Shop.yaml" || s.ScenarioFile == nil || s.ScenarioFile.Path != "Shop.yaml" ||
		len(s.Feeders) != 1 || s.Feeders[0].Path != "data/u.csv" || string(s.Feeders[0].Content) != "uid\n1\n" ||
		s.NodeSelector["pool"] != "gen" || s.TTLSeconds != -1 || s.Namespace != "perf" || s.RunArgs[0] != "--rate=5/s" {
		t.Errorf("got %+v", s)
	}
}

func TestRequestObjectsRefusals(t *testing.T) {
	tests := []struct{ name, yaml, want string }{
		{"absolute feeder", "name: s\ntarget: http://192.0.2.1\nfeeder: /etc/u.csv\nrequests:\n  - path: /a\n", "give a relative path"},
		{"relative tls file", "name: s\ntarget: https://192.0.2.1\ntls:\n  ca_cert: certs/ca.pem\nrequests:\n  - path: /a\n", "tls.ca_cert certs/ca.pem: the pods have none"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path, sc := loadScenarioLenient(t, tt.yaml)
			_, _, err := Request{Scenario: sc, ScenarioArg: path, Image: "i:v1", Shards: 2}.Objects("default", false)
			var ie *InputError
			if !errors.As(err, &ie) || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("got %v, want an InputError saying %q", err, tt.want)
			}
		})
	}
	sc, _ := scenarios.Load("echo")
	if _, _, err := (Request{Scenario: sc, ScenarioArg: "echo", Image: "i:v1", Shards: 0}).Objects("default", false); err == nil {
		t.Error("0 shards: got no error")
	}
}

// loadScenarioLenient writes a scenario whose files need not exist (a feeder or TLS file
// named, not read).
func loadScenarioLenient(t *testing.T, yaml string) (string, *scenarios.Scenario) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "s.yaml")
	os.WriteFile(path, []byte(yaml), 0o644)
	sc, err := scenarios.Load(path)
	if err != nil {
		t.Fatal(err)
	}
	return path, sc
}

func TestRunClusterDryRun(t *testing.T) {
	t.Setenv("KUBECONFIG", filepath.Join(t.TempDir(), "none"))
	sc, _ := scenarios.Load("echo")
	var out, log bytes.Buffer
	run, err := RunCluster(context.Background(), ClusterRunOptions{Request: Request{Scenario: sc, ScenarioArg: "echo", Image: "i:v1", Shards: 3, Token: "t"},
		DryRun: true, Out: &out, Log: &log})
	if err != nil {
		t.Fatal(err)
	}
	want := "dry run: would create in namespace default: configmap/loadtest-echo, secret/loadtest-echo, service/loadtest-echo, job.batch/loadtest-echo (3 shards)\n"
	if log.String() != want || run.Outcome != nil || !strings.Contains(out.String(), "kind: Job") {
		t.Errorf("log %q, want %q; yaml %d bytes", log.String(), want, out.Len())
	}
}
