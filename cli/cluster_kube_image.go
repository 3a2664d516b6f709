package cli

import (
	"context"
	"errors"
	"fmt"
	"os"
	"runtime"

	"github.com/spf13/cobra"

	"github.com/loadtestdev/loadtest/cluster/image"
)

// modulePath is loadtest's Go module, built from source when this binary cannot go into the
// image itself.
const modulePath = "github.com/loadtestdev/loadtest"

type clusterImageOptions struct {
	Output    string
	Push      string
	Tag       string
	Platforms string
	Binary    string
}

func newClusterImageCmd(ios *IOStreams, runF func(context.Context, *clusterImageOptions) error) *cobra.Command {
	o := &clusterImageOptions{}
	cmd := &cobra.Command{
		Use:   "image (--output FILE.tar | --push REGISTRY/loadtest:TAG) [--platform linux/amd64,linux/arm64]",
		Short: "Build the OCI image of loadtest that the Kubernetes shards run",
		Long: `Build an OCI image of loadtest: a static linux binary at /loadtest on an empty base (its
entrypoint; root CAs are compiled in, so https targets work), running as user 65532. No
Docker daemon is needed.

The binary is this loadtest when it is a static linux binary of the platform (the binary you
tested, no toolchain needed; release builds are); otherwise, and for other platforms, it is
built with "go build" (CGO_ENABLED=0) from loadtest's module source in the working directory.
--binary names one explicitly.

--output writes a tarball: one platform in the docker-save format (ctr images import, docker
load, kind load image-archive), several as an OCI image layout with an index. --push pushes
to a registry with your docker credentials (~/.docker/config.json and its helpers).`,
		Example: `  loadtest cluster image --output loadtest.tar
  loadtest cluster image --push registry.example/loadtest:v1 --platform linux/amd64,linux/arm64`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if o.Output == "" && o.Push == "" {
				return usageError(errors.New("cluster image: give --output FILE.tar, --push REGISTRY/loadtest:TAG, or both"))
			}
			if runF != nil {
				return runF(cmd.Context(), o)
			}
			return runClusterImage(cmd.Context(), ios, o)
		},
	}
	f := cmd.Flags()
	f.StringVar(&o.Output, "output", "", "write the image as a tarball here")
	f.StringVar(&o.Push, "push", "", "push the image to REGISTRY/REPOSITORY:TAG")
	f.StringVar(&o.Tag, "tag", "", "the name the tarball's image is tagged with (default the --push reference, else loadtest:VERSION)")
	f.StringVar(&o.Platforms, "platform", "linux/"+runtime.GOARCH, "platforms, comma-separated; more than one makes an index")
	f.StringVar(&o.Binary, "binary", "", "static linux binary to put in the image (one platform only)")
	return cmd
}

func runClusterImage(ctx context.Context, ios *IOStreams, o *clusterImageOptions) error {
	plats, err := image.ParsePlatforms(o.Platforms)
	if err != nil {
		return usageError(fmt.Errorf("cluster image: --platform: %w", err))
	}
	if o.Binary != "" && len(plats) > 1 {
		return usageError(errors.New("cluster image: --binary: one binary is for one platform; leave it out to build each"))
	}
	tmp, err := os.MkdirTemp("", "loadtest-image-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(tmp)
	var bins []image.Binary
	for _, p := range plats {
		path, err := imageBinary(ctx, ios, o.Binary, p, tmp)
		if err != nil {
			return err
		}
		bins = append(bins, image.Binary{Platform: p, Path: path})
	}
	img, idx, err := image.Build(image.Options{Binaries: bins})
	if err != nil {
		return err
	}
	tag := o.Tag
	if tag == "" {
		tag = o.Push
	}
	if tag == "" {
		tag = "loadtest:" + imageTag(version())
	}
	if o.Output != "" {
		if err := image.WriteTarball(o.Output, tag, img, idx); err != nil {
			return err
		}
		fmt.Fprintf(ios.ErrOut, "wrote image %s (%d platform(s)) to %s\n", tag, len(plats), o.Output)
	}
	if o.Push != "" {
		if err := image.Push(ctx, o.Push, img, idx, nil); err != nil {
			return err
		}
		fmt.Fprintf(ios.ErrOut, "pushed image %s\n", o.Push)
	}
	return nil
}

// imageBinary chooses the binary of platform p: --binary, else this executable when it is
// a static linux binary of p, else one built from the module source in the working directory.
func imageBinary(ctx context.Context, ios *IOStreams, given string, p image.Platform, tmp string) (string, error) {
	if given != "" {
		if err := image.CheckStatic(given, p); err != nil {
			return "", usageError(fmt.Errorf("cluster image: --binary: %w", err))
		}
		return given, nil
	}
	self, err := os.Executable()
	var why error = err
	if err == nil {
		if why = image.CheckStatic(self, p); why == nil {
			return self, nil
		}
	}
	wd, _ := os.Getwd()
	dir := image.ModuleDir(wd, modulePath)
	if dir == "" {
		return "", fmt.Errorf("cluster image: this loadtest cannot go into a %s image (%v), and %s is not in loadtest's module source to build one: run it from a checkout, or give --binary", p, why, wd)
	}
	fmt.Fprintf(ios.ErrOut, "building loadtest for %s from %s\n", p, dir)
	return image.BuildBinary(ctx, p, image.BuildOptions{ModuleDir: dir, OutDir: tmp, Log: ios.ErrOut})
}

// imageTag makes a version a valid tag ("v1.2.3+dirty" → "v1.2.3-dirty").
func imageTag(v string) string {
	b := []byte(v)
	for i, c := range b {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '.' || c == '-' || c == '_') {
			b[i] = '-'
		}
	}
	if len(b) > 128 {
		b = b[:128]
	}
	return string(b)
}
