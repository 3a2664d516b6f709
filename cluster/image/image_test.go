package image

import (
	"archive/tar"
	"context"
	"debug/elf"
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

	"github.com/google/go-containerregistry/pkg/authn"
	"github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/registry"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/layout"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/google/go-containerregistry/pkg/v1/tarball"
)

func writeFile(t *testing.T, name, content string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, []byte(content), 0o755); err != nil {
		t.Fatal(err)
	}
	return p
}

// layerFiles reads the image's single layer back: file name → content (directories "").
func layerFiles(t *testing.T, img v1.Image) map[string]string {
	t.Helper()
	layers, err := img.Layers()
	if err != nil || len(layers) != 1 {
		t.Fatalf("layers: %d, %v; want 1", len(layers), err)
	}
	rc, err := layers[0].Uncompressed()
	if err != nil {
		t.Fatal(err)
	}
	defer rc.Close()
	files := map[string]string{}
	tr := tar.NewReader(rc)
	for {
		h, err := tr.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(tr)
		if h.Typeflag == tar.TypeDir {
			files[h.Name] = "dir|" + fmtMode(h.Mode)
		} else {
			files[h.Name] = string(b) + "|" + fmtMode(h.Mode)
		}
	}
	return files
}

func fmtMode(m int64) string {
	return strings.TrimPrefix(os.FileMode(m&0o777).String(), "-") + map[bool]string{true: "+sticky"}[m&0o1000 != 0]
}

func TestWriteTarballReadBack(t *testing.T) {
	bin := writeFile(t, "bin", "ELF-ish binary bytes")
	img, idx, err := Build(Options{Binaries: []Binary{{Platform: Platform{"linux", "amd64"}, Path: bin}}})
	if err != nil || idx != nil {
		t.Fatalf("Build: %v, index %v; want one image", err, idx)
	}
	out := filepath.Join(t.TempDir(), "loadtest.tar")
	if err := WriteTarball(out, "local.test/loadtest:v1", img, nil); err != nil {
		t.Fatal(err)
	}
	tag, _ := name.NewTag("local.test/loadtest:v1")
	back, err := tarball.ImageFromPath(out, &tag)
	if err != nil {
		t.Fatalf("read back: %v", err)
	}
	cf, err := back.ConfigFile()
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(cf.Config.Entrypoint, " "); got != "/loadtest" {
		t.Errorf("entrypoint %q, want /loadtest", got)
	}
	if cf.OS != "linux" || cf.Architecture != "amd64" || cf.Config.User != User {
		t.Errorf("os/arch/user %s/%s/%s, want linux/amd64/%s", cf.OS, cf.Architecture, cf.Config.User, User)
	}
	files := layerFiles(t, back)
	want := map[string]string{"loadtest": "ELF-ish binary bytes|rwxr-xr-x", "tmp/": "dir|rwxrwxrwx+sticky"}
	if len(files) != len(want) {
		t.Errorf("layer files %v, want %v", files, want)
	}
	for k, v := range want {
		if files[k] != v {
			t.Errorf("layer file %s: got %q, want %q", k, files[k], v)
		}
	}
	// One binary gives one digest: the build is reproducible.
	img2, _, _ := Build(Options{Binaries: []Binary{{Platform: Platform{"linux", "amd64"}, Path: bin}}})
	d1, _ := img.Digest()
	d2, _ := img2.Digest()
	if d1 != d2 {
		t.Errorf("two builds of one binary: digests %s and %s, want equal", d1, d2)
	}
}

func TestIndexTarballAndPush(t *testing.T) {
	amd := writeFile(t, "amd", "amd64 bytes")
	arm := writeFile(t, "arm", "arm64 bytes")
	plats, err := ParsePlatforms("linux/amd64,linux/arm64")
	if err != nil {
		t.Fatal(err)
	}
	img, idx, err := Build(Options{Binaries: []Binary{{plats[0], amd}, {plats[1], arm}}})
	if err != nil || img != nil || idx == nil {
		t.Fatalf("Build: %v; want an index", err)
	}
	checkIndex := func(t *testing.T, idx v1.ImageIndex) {
		t.Helper()
		im, err := idx.IndexManifest()
		if err != nil {
			t.Fatal(err)
		}
		if len(im.Manifests) != 2 {
			t.Fatalf("index has %d manifests, want 2", len(im.Manifests))
		}
		for i, want := range []string{"amd64 bytes|rwxr-xr-x", "arm64 bytes|rwxr-xr-x"} {
			d := im.Manifests[i]
			if d.Platform == nil || d.Platform.Architecture != plats[i].Arch {
				t.Errorf("manifest %d platform %v, want %s", i, d.Platform, plats[i])
			}
			sub, err := idx.Image(d.Digest)
			if err != nil {
				t.Fatal(err)
			}
			if got := layerFiles(t, sub)["loadtest"]; got != want {
				t.Errorf("manifest %d binary %q, want %q", i, got, want)
			}
		}
	}

	t.Run("tarball", func(t *testing.T) {
		out := filepath.Join(t.TempDir(), "multi.tar")
		if err := WriteTarball(out, "local.test/loadtest:v1", nil, idx); err != nil {
			t.Fatal(err)
		}
		dir := t.TempDir()
		if err := exec.Command("tar", "-xf", out, "-C", dir).Run(); err != nil {
			t.Fatalf("untar: %v", err)
		}
		top, err := layout.ImageIndexFromPath(dir)
		if err != nil {
			t.Fatal(err)
		}
		tm, _ := top.IndexManifest()
		if len(tm.Manifests) != 1 || tm.Manifests[0].Annotations["org.opencontainers.image.ref.name"] != "local.test/loadtest:v1" {
			t.Fatalf("index.json %+v, want one entry named local.test/loadtest:v1", tm.Manifests)
		}
		inner, err := top.ImageIndex(tm.Manifests[0].Digest)
		if err != nil {
			t.Fatal(err)
		}
		checkIndex(t, inner)
	})

	t.Run("push", func(t *testing.T) {
		srv := httptest.NewServer(registry.New(registry.Logger(log.New(io.Discard, "", 0))))
		defer srv.Close()
		u, _ := url.Parse(srv.URL)
		ref := u.Host + "/loadtest:v1"
		if err := Push(context.Background(), ref, nil, idx, authn.NewMultiKeychain()); err != nil {
			t.Fatal(err)
		}
		r, _ := name.ParseReference(ref)
		got, err := remote.Index(r)
		if err != nil {
			t.Fatal(err)
		}
		checkIndex(t, got)
		if err := Push(context.Background(), u.Host+"/single:v1", mustImage(t, amd), nil, authn.NewMultiKeychain()); err != nil {
			t.Fatal(err)
		}
		r2, _ := name.ParseReference(u.Host + "/single:v1")
		single, err := remote.Image(r2)
		if err != nil {
			t.Fatal(err)
		}
		if got := layerFiles(t, single)["loadtest"]; got != "amd64 bytes|rwxr-xr-x" {
			t.Errorf("pushed binary %q", got)
		}
	})
}

func mustImage(t *testing.T, bin string) v1.Image {
	img, _, err := Build(Options{Binaries: []Binary{{Platform{"linux", "amd64"}, bin}}})
	if err != nil {
		t.Fatal(err)
	}
	return img
}

func TestParsePlatforms(t *testing.T) {
	tests := []struct {
		name, in, want, err string
	}{
		{"one", "linux/amd64", "linux/amd64", ""},
		{"two", "linux/amd64, linux/arm64", "linux/amd64 linux/arm64", ""},
		{"not linux", "darwin/arm64", "", "only linux"},
		{"no arch", "linux", "", "want OS/ARCH"},
		{"unknown arch", "linux/vax", "", "not allowed"},
		{"twice", "linux/amd64,linux/amd64", "", "twice"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ps, err := ParsePlatforms(tt.in)
			if tt.err != "" {
				if err == nil || !strings.Contains(err.Error(), tt.err) {
					t.Fatalf("got %v, want error containing %q", err, tt.err)
				}
				return
			}
			var got []string
			for _, p := range ps {
				got = append(got, p.String())
			}
			if err != nil || strings.Join(got, " ") != tt.want {
				t.Fatalf("got %v %v, want %s", got, err, tt.want)
			}
		})
	}
}

func TestCheckStaticAndBuildBinary(t *testing.T) {
	if testing.Short() {
		t.Skip("builds a binary with the go command")
	}
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "go.mod"), []byte("module example.test/tiny\n\ngo 1.22\n"), 0o644)
	os.WriteFile(filepath.Join(dir, "main.go"), []byte("package main\nfunc main() {}\n"), 0o644)
	if got := ModuleDir(filepath.Join(dir), "example.test/tiny"); got != dir {
		t.Fatalf("ModuleDir = %q, want %q", got, dir)
	}
	if got := ModuleDir(dir, "example.test/other"); got != "" {
		t.Fatalf("ModuleDir of another module = %q, want empty", got)
	}
	p := Platform{"linux", runtime.GOARCH}
	bin, err := BuildBinary(context.Background(), p, BuildOptions{ModuleDir: dir, Package: ".", OutDir: t.TempDir(), Log: io.Discard})
	if err != nil {
		t.Fatal(err)
	}
	if err := CheckStatic(bin, p); err != nil {
		t.Errorf("CheckStatic of a CGO_ENABLED=0 build: %v", err)
	}
	if f, err := elf.Open(bin); err != nil {
		t.Error(err)
	} else {
		for _, sec := range f.Sections {
			if sec.Name == ".symtab" || strings.HasPrefix(sec.Name, ".debug_") || strings.HasPrefix(sec.Name, ".zdebug_") {
				t.Errorf("the built binary has section %s: want it stripped (-ldflags \"-s -w\")", sec.Name)
			}
		}
		f.Close()
	}
	other := Platform{"linux", "arm64"}
	if runtime.GOARCH == "arm64" {
		other.Arch = "amd64"
	}
	if err := CheckStatic(bin, other); err == nil || !strings.Contains(err.Error(), "not "+other.String()) {
		t.Errorf("CheckStatic for %s: %v, want a wrong-architecture error", other, err)
	}
	if err := CheckStatic(writeFile(t, "script", "#!/bin/sh\n"), p); err == nil || !strings.Contains(err.Error(), "not a linux binary") {
		t.Errorf("CheckStatic of a script: %v", err)
	}
}
