package cli

import (
	"context"
	"errors"
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
	self, _ := os.Executable()
	wd, _ := os.Getwd()
	err := image.Make(ctx, image.MakeOptions{Output: o.Output, Push: o.Push, Tag: o.Tag, Platforms: o.Platforms, Binary: o.Binary,
		Self: self, WorkDir: wd, Module: modulePath, Version: version(), Log: ios.ErrOut})
	var ie *image.InputError
	if errors.As(err, &ie) {
		return usageError(err)
	}
	return err
}
