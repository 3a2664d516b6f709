package cli

import (
	"io"
	"log"
	"net/http/httptest"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/registry"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/google/go-containerregistry/pkg/v1/tarball"
)

// staticBinary builds a tiny static linux binary for the image tests.
func staticBinary(t *testing.T) string {
	t.Helper()
	if runtime.GOOS != "linux" {
		t.Skip("builds a linux binary of this machine's architecture")
	}
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "go.mod"), []byte("module example.test/tiny\n\ngo 1.22\n"), 0o644)
	os.WriteFile(filepath.Join(dir, "main.go"), []byte("package main\nfunc main() {}\n"), 0o644)
	bin := filepath.Join(dir, "tiny")
	cmd := exec.Command("go", "build", "-o", bin, ".")
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0", "GOOS=linux")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

func TestClusterImageOutputAndPush(t *testing.T) {
	bin := staticBinary(t)
	srv := httptest.NewServer(registry.New(registry.Logger(log.New(io.Discard, "", 0))))
	defer srv.Close()
	u, _ := url.Parse(srv.URL)
	ref := u.Host + "/loadtest:v1"
	tarPath := filepath.Join(t.TempDir(), "loadtest.tar")
	code, _, errOut := runCLI(t, "cluster", "image", "--binary", bin, "--output", tarPath, "--push", ref)
	if code != 0 {
		t.Fatalf("exit code %d: %s", code, errOut)
	}
	if !strings.Contains(errOut, "wrote image "+ref) || !strings.Contains(errOut, "pushed image "+ref) {
		t.Errorf("stderr %q", errOut)
	}
	tag, _ := name.NewTag(ref)
	img, err := tarball.ImageFromPath(tarPath, &tag)
	if err != nil {
		t.Fatal(err)
	}
	// The docker-save tarball keeps the config, not the OCI manifest: compare configs.
	local, _ := img.ConfigName()
	r, _ := name.ParseReference(ref)
	pushed, err := remote.Image(r)
	if err != nil {
		t.Fatal(err)
	}
	remoteDigest, _ := pushed.ConfigName()
	if local != remoteDigest {
		t.Errorf("tarball config %s, pushed %s: want one image", local, remoteDigest)
	}
	cf, _ := pushed.ConfigFile()
	if cf.Config.Entrypoint[0] != "/loadtest" || cf.Architecture != runtime.GOARCH {
		t.Errorf("entrypoint %v arch %s", cf.Config.Entrypoint, cf.Architecture)
	}
}

func TestClusterImageRefusesADynamicBinary(t *testing.T) {
	code, _, errOut := runCLI(t, "cluster", "image", "--binary", "/bin/sh", "--output", filepath.Join(t.TempDir(), "x.tar"))
	if code != ExitUsage || !strings.Contains(errOut, "--binary") {
		t.Errorf("exit code %d, stderr %q; want 2 naming --binary", code, errOut)
	}
}
