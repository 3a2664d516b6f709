// Package image builds the OCI image that runs loadtest on Kubernetes: one layer on an empty
// base holding a static linux binary at /loadtest (the entrypoint) and an empty /tmp, written
// as a tarball or pushed to a registry, for one platform or several (an index). It needs no
// Docker daemon: github.com/google/go-containerregistry builds and writes everything.
package image

import (
	"archive/tar"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/google/go-containerregistry/pkg/authn"
	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/layout"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/google/go-containerregistry/pkg/v1/tarball"
	"github.com/google/go-containerregistry/pkg/v1/types"
)

// BinaryPath is where the binary lies in the image; the image's entrypoint is [BinaryPath].
const BinaryPath = "/loadtest"

// User is the numeric user the image runs as (not root; /tmp is writable by it).
const User = "65532:65532"

// Platform is an OS/architecture pair such as linux/amd64.
type Platform struct {
	OS, Arch string
}

func (p Platform) String() string { return p.OS + "/" + p.Arch }

// ParsePlatforms parses a comma-separated list such as "linux/amd64,linux/arm64". Only linux
// platforms are allowed (the image's binary is a static linux one).
func ParsePlatforms(s string) ([]Platform, error) {
	var out []Platform
	seen := map[Platform]bool{}
	for _, part := range strings.Split(s, ",") {
		part = strings.TrimSpace(part)
		osName, arch, ok := strings.Cut(part, "/")
		if !ok || osName == "" || arch == "" || strings.Contains(arch, "/") {
			return nil, fmt.Errorf("platform %q: want OS/ARCH such as linux/amd64", part)
		}
		if osName != "linux" {
			return nil, fmt.Errorf("platform %q: only linux is allowed", part)
		}
		if _, ok := elfMachines[arch]; !ok {
			return nil, fmt.Errorf("platform %q: architecture %q is not allowed, want one of %s", part, arch, strings.Join(knownArches(), ", "))
		}
		p := Platform{OS: osName, Arch: arch}
		if seen[p] {
			return nil, fmt.Errorf("platform %q is given twice", part)
		}
		seen[p] = true
		out = append(out, p)
	}
	return out, nil
}

// Binary is the static binary of one platform that goes into the image.
type Binary struct {
	Platform Platform
	Path     string
}

// Options say what to build.
type Options struct {
	// Binaries, one per platform; more than one makes an index.
	Binaries []Binary
	// Entrypoint overrides [BinaryPath] (e.g. the harness's pause image); the binary is
	// always put at BinaryPath.
	Entrypoint []string
	// Created is the image's creation time (zero: the Unix epoch, so that builds of one
	// binary give one digest).
	Created time.Time
}

// Build returns the image of opts: a v1.Image for one binary, a v1.ImageIndex for several.
func Build(opts Options) (v1.Image, v1.ImageIndex, error) {
	if len(opts.Binaries) == 0 {
		return nil, nil, errors.New("image: no binary to put in the image")
	}
	var imgs []v1.Image
	for _, b := range opts.Binaries {
		img, err := buildOne(b, opts)
		if err != nil {
			return nil, nil, err
		}
		imgs = append(imgs, img)
	}
	if len(imgs) == 1 {
		return imgs[0], nil, nil
	}
	var idx v1.ImageIndex = mutate.IndexMediaType(empty.Index, types.OCIImageIndex)
	for i, img := range imgs {
		p := opts.Binaries[i].Platform
		idx = mutate.AppendManifests(idx, mutate.IndexAddendum{
			Add:        img,
			Descriptor: v1.Descriptor{Platform: &v1.Platform{OS: p.OS, Architecture: p.Arch}},
		})
	}
	return nil, idx, nil
}

func buildOne(b Binary, opts Options) (v1.Image, error) {
	data, err := os.ReadFile(b.Path)
	if err != nil {
		return nil, fmt.Errorf("image: binary for %s: %w", b.Platform, err)
	}
	layerTar, err := layerTar(data, opts.Created)
	if err != nil {
		return nil, err
	}
	layer, err := tarball.LayerFromOpener(func() (io.ReadCloser, error) {
		return io.NopCloser(bytes.NewReader(layerTar)), nil
	}, tarball.WithMediaType(types.OCILayer))
	if err != nil {
		return nil, fmt.Errorf("image: layer for %s: %w", b.Platform, err)
	}
	base := mutate.MediaType(empty.Image, types.OCIManifestSchema1)
	base = mutate.ConfigMediaType(base, types.OCIConfigJSON)
	img, err := mutate.AppendLayers(base, layer)
	if err != nil {
		return nil, fmt.Errorf("image: %w", err)
	}
	cf, err := img.ConfigFile()
	if err != nil {
		return nil, fmt.Errorf("image: %w", err)
	}
	cf = cf.DeepCopy()
	cf.OS, cf.Architecture = b.Platform.OS, b.Platform.Arch
	cf.Created = v1.Time{Time: opts.Created}
	cf.Config.Entrypoint = []string{BinaryPath}
	if len(opts.Entrypoint) > 0 {
		cf.Config.Entrypoint = opts.Entrypoint
	}
	cf.Config.Env = []string{"PATH=/", "TMPDIR=/tmp"}
	cf.Config.User = User
	cf.Config.WorkingDir = "/tmp"
	img, err = mutate.ConfigFile(img, cf)
	if err != nil {
		return nil, fmt.Errorf("image: %w", err)
	}
	return img, nil
}

// layerTar is the one layer: /tmp (mode 1777) and the binary at BinaryPath (mode 0755).
func layerTar(binary []byte, created time.Time) ([]byte, error) {
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	entries := []struct {
		hdr  tar.Header
		data []byte
	}{
		{tar.Header{Typeflag: tar.TypeDir, Name: "tmp/", Mode: 0o1777, ModTime: created}, nil},
		{tar.Header{Typeflag: tar.TypeReg, Name: strings.TrimPrefix(BinaryPath, "/"), Mode: 0o755, Size: int64(len(binary)), ModTime: created}, binary},
	}
	for _, e := range entries {
		h := e.hdr
		if err := tw.WriteHeader(&h); err != nil {
			return nil, fmt.Errorf("image: layer: %w", err)
		}
		if _, err := tw.Write(e.data); err != nil {
			return nil, fmt.Errorf("image: layer: %w", err)
		}
	}
	if err := tw.Close(); err != nil {
		return nil, fmt.Errorf("image: layer: %w", err)
	}
	return buf.Bytes(), nil
}

// WriteTarball writes the image as a tarball at path, tagged ref. One image is written in
// the docker-save format that `ctr images import` and `docker load` read; an index is written
// as an OCI image layout in a tar (index.json naming ref), which `ctr images import` reads.
func WriteTarball(path, ref string, img v1.Image, idx v1.ImageIndex) error {
	tag, err := name.NewTag(ref)
	if err != nil {
		return fmt.Errorf("image: reference %q: %w", ref, err)
	}
	if img != nil {
		if err := tarball.WriteToFile(path, tag, img); err != nil {
			return fmt.Errorf("image: write %s: %w", path, err)
		}
		return nil
	}
	dir, err := os.MkdirTemp("", "loadtest-image-*")
	if err != nil {
		return fmt.Errorf("image: %w", err)
	}
	defer os.RemoveAll(dir)
	lp, err := layout.Write(dir, empty.Index)
	if err != nil {
		return fmt.Errorf("image: layout: %w", err)
	}
	if err := lp.AppendIndex(idx, layout.WithAnnotations(map[string]string{
		"org.opencontainers.image.ref.name": tag.String(),
		"io.containerd.image.name":          tag.String(),
	})); err != nil {
		return fmt.Errorf("image: layout: %w", err)
	}
	return tarDir(dir, path)
}

// tarDir writes the files under dir into a tar at path.
func tarDir(dir, path string) (err error) {
	f, err := os.Create(path)
	if err != nil {
		return fmt.Errorf("image: %w", err)
	}
	defer func() {
		if cerr := f.Close(); err == nil && cerr != nil {
			err = fmt.Errorf("image: write %s: %w", path, cerr)
		}
	}()
	tw := tar.NewWriter(f)
	walkErr := filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err != nil || p == dir {
			return err
		}
		rel, err := filepath.Rel(dir, p)
		if err != nil {
			return err
		}
		info, err := d.Info()
		if err != nil {
			return err
		}
		hdr, err := tar.FileInfoHeader(info, "")
		if err != nil {
			return err
		}
		hdr.Name = filepath.ToSlash(rel)
		if d.IsDir() {
			hdr.Name += "/"
		}
		if err := tw.WriteHeader(hdr); err != nil {
			return err
		}
		if d.IsDir() {
			return nil
		}
		src, err := os.Open(p)
		if err != nil {
			return err
		}
		defer src.Close()
		_, err = io.Copy(tw, src)
		return err
	})
	if walkErr != nil {
		return fmt.Errorf("image: write %s: %w", path, walkErr)
	}
	if err := tw.Close(); err != nil {
		return fmt.Errorf("image: write %s: %w", path, err)
	}
	return nil
}

// Push pushes the image or index to ref with the credentials of keychain (nil:
// authn.DefaultKeychain, the user's docker config). Extra remote options (e.g. a transport in
// tests) are passed on.
func Push(ctx context.Context, ref string, img v1.Image, idx v1.ImageIndex, keychain authn.Keychain, extra ...remote.Option) error {
	r, err := name.ParseReference(ref)
	if err != nil {
		return fmt.Errorf("image: --push %q: %w (want REGISTRY/REPOSITORY:TAG)", ref, err)
	}
	if keychain == nil {
		keychain = authn.DefaultKeychain
	}
	opts := append([]remote.Option{remote.WithContext(ctx), remote.WithAuthFromKeychain(keychain)}, extra...)
	if img != nil {
		err = remote.Write(r, img, opts...)
	} else {
		err = remote.WriteIndex(r, idx, opts...)
	}
	if err != nil {
		return fmt.Errorf("image: push %s: %w", r, err)
	}
	return nil
}
