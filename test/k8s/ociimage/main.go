// Command ociimage writes an OCI image tarball of one static binary with cluster/image, for
// the test cluster's images that are not loadtest (the pause image):
//
//	go run ./test/k8s/ociimage -binary pause -ref local.test/pause:1 -out pause.tar
package main

import (
	"flag"
	"fmt"
	"os"
	"runtime"

	"github.com/loadtestdev/loadtest/cluster/image"
)

func main() {
	bin := flag.String("binary", "", "static linux binary to put in the image")
	ref := flag.String("ref", "", "image reference to tag the tarball with")
	out := flag.String("out", "", "tarball to write")
	flag.Parse()
	if *bin == "" || *ref == "" || *out == "" {
		fmt.Fprintln(os.Stderr, "ociimage: -binary, -ref and -out are required")
		os.Exit(2)
	}
	p := image.Platform{OS: "linux", Arch: runtime.GOARCH}
	if err := image.CheckStatic(*bin, p); err != nil {
		fmt.Fprintln(os.Stderr, "ociimage:", err)
		os.Exit(2)
	}
	img, _, err := image.Build(image.Options{Binaries: []image.Binary{{Platform: p, Path: *bin}}})
	if err == nil {
		err = image.WriteTarball(*out, *ref, img, nil)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "ociimage:", err)
		os.Exit(1)
	}
}
