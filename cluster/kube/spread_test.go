package kube

import (
	"bytes"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/loadtestdev/loadtest/cluster"
	"github.com/loadtestdev/loadtest/internal/golden"
)

// TestManifestSpreadAndPullSecretsGolden: --spread hard (required pod anti-affinity on the
// hostname), none (no constraint) and soft (the default, a spread constraint with
// ScheduleAnyway; TestManifestGoldenN4), and
// --image-pull-secret, as whole manifests.
func TestManifestSpreadAndPullSecretsGolden(t *testing.T) {
	tests := []struct {
		name, golden string
		spread       string
		secrets      []string
	}{
		{"hard with pull secrets", "testdata/manifest-spread-hard-pull-secrets.yaml", SpreadHard, []string{"regcred", "mirror-cred"}},
		{"none", "testdata/manifest-spread-none.yaml", SpreadNone, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := Spec{Name: "lt", Namespace: "perf", Image: "registry.example/loadtest:v1", Shards: 2, Scenario: "echo",
				RunArgs: []string{"--target=http://swiper.perf.svc:8080"}, Token: "tok", Spread: tt.spread, ImagePullSecrets: tt.secrets}
			objs, err := Build(s)
			if err != nil {
				t.Fatal(err)
			}
			var buf bytes.Buffer
			if err := objs.WriteYAML(&buf); err != nil {
				t.Fatal(err)
			}
			golden.Assert(t, tt.golden, buf.Bytes())
		})
	}
}

func TestSpecRejectsBadSpreadAndSecret(t *testing.T) {
	tests := []struct {
		name string
		edit func(*Spec)
		want string
	}{
		{"spread", func(s *Spec) { s.Spread = "wide" }, `spread "wide": want hard, soft or none`},
		{"pull secret", func(s *Spec) { s.ImagePullSecrets = []string{"Reg Cred"} }, `image pull secret "Reg Cred"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := Spec{Name: "lt", Image: "i:v1", Shards: 2, Scenario: "echo"}
			tt.edit(&s)
			if _, err := Build(s); err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("got %v, want an error with %q", err, tt.want)
			}
		})
	}
}

// TestNodeNameEnvIsTheShards: the variable the pod sets is the one the shard reads.
func TestNodeNameEnvIsTheShards(t *testing.T) {
	if NodeNameEnv != cluster.NodeNameEnv {
		t.Errorf("got %q, want cluster's %q", NodeNameEnv, cluster.NodeNameEnv)
	}
}

// TestServiceName: cluster run's own Service name (RunServiceName) names the Service, the
// pods' subdomain and shard 0's address; without one, the run's name does.
func TestServiceName(t *testing.T) {
	name := RunServiceName("lt")
	if !regexp.MustCompile(`^lt-[a-z0-9]{5}$`).MatchString(name) || name == RunServiceName("lt") {
		t.Errorf("got %q (and again the same?), want lt-xxxxx, new each time", name)
	}
	for _, tt := range []struct{ service, want string }{{"", "lt"}, {"lt-b7x2k", "lt-b7x2k"}} {
		objs, err := Build(Spec{Name: "lt", ServiceName: tt.service, Image: "i:v1", Shards: 2, Scenario: "echo", Token: "t"})
		if err != nil {
			t.Fatal(err)
		}
		ps := objs.Job.Spec.Template.Spec
		if objs.Service.Name != tt.want || ps.Subdomain != tt.want || !slices.Contains(ps.Containers[0].Args, "lt-0."+tt.want+":7946") {
			t.Errorf("service %q: got service %s, subdomain %s, args %v; want %s and lt-0.%s:7946",
				tt.service, objs.Service.Name, ps.Subdomain, ps.Containers[0].Args, tt.want, tt.want)
		}
	}
}
