package layers

import (
	"os/exec"
	"strings"
	"testing"
)

// heavyDeps are packages the binary once compiled for little use, each with what replaced it
// (issue 21: a fresh `go run ./cmd/loadtest` compiles every package the binary imports, so a
// heavy dependency must earn its place). The test fails when one comes back.
var heavyDeps = []struct{ prefix, instead string }{
	{"k8s.io/client-go/kubernetes", "cluster/kube's REST clients for core/v1 and batch/v1 with a scheme of those two groups (the clientset and its scheme register every API group)"},
	{"gonum.org/v1/plot", "reports' charts drawn directly (one font, parsed on first use; plot's init embeds and parses 12)"},
	{"gonum.org/v1/gonum/lapack", "capacity's Levenberg-Marquardt fit of the USL's three parameters"},
	{"github.com/redis/go-redis", "github.com/gomodule/redigo in server (11 MB less binary)"},
}

// TestBinaryLeavesHeavyDepsOut lists the packages ./cmd/loadtest is built from and checks none
// of heavyDeps is among them.
func TestBinaryLeavesHeavyDepsOut(t *testing.T) {
	cmd := exec.Command("go", "list", "-deps", "./cmd/loadtest")
	cmd.Dir = "../.."
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("go list -deps: %v", err)
	}
	deps := strings.Fields(string(out))
	for _, h := range heavyDeps {
		for _, d := range deps {
			if d == h.prefix || strings.HasPrefix(d, h.prefix+"/") {
				t.Errorf("the binary imports %s again; it was left out for %s", d, h.instead)
				break
			}
		}
	}
	if len(deps) < 100 {
		t.Fatalf("go list -deps listed %d packages; want the binary's whole list", len(deps))
	}
}
