package kube

import (
	"errors"
	"io"
	"slices"
	"strings"
	"testing"
)

func TestPrepareRejectsBadFlags(t *testing.T) {
	errRun := errors.New("--rate: bad")
	tests := []struct {
		name     string
		edit     func(*Request, *PrepareOptions)
		want     string
		checkRan bool
	}{
		{"no shards", func(r *Request, _ *PrepareOptions) { r.Shards = 0 }, "--shards: give the number of shards, 1 or more", false},
		{"no image", func(r *Request, _ *PrepareOptions) { r.Image = "" }, "--image: name the image", false},
		{"pull policy", func(r *Request, _ *PrepareOptions) { r.PullPolicy = "Sometimes" }, `--image-pull-policy: "Sometimes" is not allowed, want Always, IfNotPresent or Never`, false},
		{"selector without =", func(r *Request, _ *PrepareOptions) { r.NodeSelector = []string{"pool"} }, `--node-selector "pool": want KEY=VALUE`, false},
		{"selector without key", func(r *Request, _ *PrepareOptions) { r.NodeSelector = []string{"=x"} }, `--node-selector "=x": want KEY=VALUE`, false},
		{"run flags", func(_ *Request, o *PrepareOptions) { o.RunArgs = []string{"--rate=fast"} }, "--rate: bad", true},
		{"no target", func(_ *Request, o *PrepareOptions) { o.TargetGiven = false }, "echo has no target and the bundled server does not run in the cluster: give --target URL", true},
		{"unknown scenario", func(r *Request, _ *PrepareOptions) { r.ScenarioArg = "nope" }, "unknown scenario", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := &Request{ScenarioArg: "echo", Shards: 2, Image: "i:v1", PullPolicy: "IfNotPresent"}
			ran := false
			o := PrepareOptions{TargetGiven: true, CheckRun: func(sc string, args []string) error {
				ran = true
				if slices.Contains(args, "--rate=fast") {
					return errRun
				}
				return nil
			}}
			tt.edit(r, &o)
			err := r.Prepare(o)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("Prepare: %v, want %q", err, tt.want)
			}
			if ran != tt.checkRan {
				t.Errorf("run flags checked: %v, want %v", ran, tt.checkRan)
			}
		})
	}
}

func TestPrepareCompletesTheRequest(t *testing.T) {
	t.Setenv(TokenEnv, "from-env")
	r := &Request{ScenarioArg: "echo", Shards: 2, Image: "i:v1", PullPolicy: "Never"}
	var checked []string
	o := PrepareOptions{RunArgs: []string{"--rate=100", "--target=http://127.0.0.1:1"}, TargetGiven: true, JoinTimeout: "2m",
		CheckRun: func(sc string, args []string) error { checked = append([]string{sc}, args...); return nil }}
	if err := r.Prepare(o); err != nil {
		t.Fatal(err)
	}
	if want := []string{"echo", "--rate=100", "--target=http://127.0.0.1:1"}; !slices.Equal(checked, want) {
		t.Errorf("checked %q, want %q (without --join-timeout: run has no such flag)", checked, want)
	}
	if want := []string{"--rate=100", "--target=http://127.0.0.1:1", "--join-timeout=2m"}; !slices.Equal(r.RunArgs, want) {
		t.Errorf("RunArgs %q, want %q", r.RunArgs, want)
	}
	if r.Scenario == nil || r.Scenario.Name != "echo" || r.Token != "from-env" {
		t.Errorf("scenario %v, token %q; want echo and the $%s token", r.Scenario, r.Token, TokenEnv)
	}
	t.Setenv(TokenEnv, "")
	r2 := &Request{ScenarioArg: "echo", Shards: 1, Image: "i:v1", PullPolicy: "Always", Token: "given"}
	if err := r2.Prepare(o); err != nil || r2.Token != "given" {
		t.Errorf("Prepare: %v, token %q; want the given token kept", err, r2.Token)
	}
	r3 := &Request{ScenarioArg: "echo", Shards: 1, Image: "i:v1", PullPolicy: "Always"}
	if err := r3.Prepare(o); err != nil || len(r3.Token) < 16 {
		t.Errorf("Prepare: %v, token %q; want a random token", err, r3.Token)
	}
}

func TestWriteManifestDefaultNamespace(t *testing.T) {
	r := &Request{ScenarioArg: "echo", Shards: 2, Image: "i:v1", PullPolicy: "IfNotPresent", Token: "tok"}
	if err := r.Prepare(PrepareOptions{TargetGiven: true, CheckRun: func(string, []string) error { return nil }}); err != nil {
		t.Fatal(err)
	}
	for ns, want := range map[string]string{"": "namespace: default\n", "perf": "namespace: perf\n"} {
		var b strings.Builder
		if err := r.WriteManifest(&b, ns); err != nil || !strings.Contains(b.String(), want) || !strings.Contains(b.String(), "- loadtest-echo-0.loadtest-echo:7946\n") {
			t.Errorf("WriteManifest(%q): %v; want %q and the Service named loadtest-echo, not per run:\n%s", ns, err, want, b.String())
		}
	}
	r.Shards = 0
	var ie *InputError
	if err := r.WriteManifest(io.Discard, ""); !errors.As(err, &ie) {
		t.Errorf("0 shards: %v, want an *InputError", err)
	}
}
