package image

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
)

// MakeOptions are a `loadtest cluster image`: which binaries go in, and where the image goes.
type MakeOptions struct {
	// Output writes the image as a tarball there; Push pushes it to that reference. At least
	// one of them.
	Output, Push string
	// Tag names the tarball's image (default Push, else loadtest:VERSION).
	Tag string
	// Platforms, comma-separated (ParsePlatforms).
	Platforms string
	// Binary is a static linux binary to put in the image (one platform only); without it the
	// binary is Self when that is a static linux binary of the platform, else one built from
	// the module source around WorkDir.
	Binary, Self, WorkDir string
	// Module is loadtest's module path; Version the running loadtest's version (for the tag).
	Module, Version string
	// Log receives what is being built, written and pushed.
	Log io.Writer
}

// InputError is bad input to Make (a platform list, a binary that cannot go into the image).
type InputError struct{ Err error }

func (e *InputError) Error() string { return e.Err.Error() }
func (e *InputError) Unwrap() error { return e.Err }

// Make builds the OCI image of loadtest, one binary per platform on an empty base, and writes
// it to Output and/or pushes it to Push (with the docker credentials of the user). Bad input is
// an *InputError.
func Make(ctx context.Context, o MakeOptions) error {
	plats, err := ParsePlatforms(o.Platforms)
	if err != nil {
		return &InputError{fmt.Errorf("cluster image: --platform: %w", err)}
	}
	if o.Binary != "" && len(plats) > 1 {
		return &InputError{errors.New("cluster image: --binary: one binary is for one platform; leave it out to build each")}
	}
	if o.Log == nil {
		o.Log = io.Discard
	}
	tmp, err := os.MkdirTemp("", "loadtest-image-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(tmp)
	var bins []Binary
	for _, p := range plats {
		path, err := o.binary(ctx, p, tmp)
		if err != nil {
			return err
		}
		bins = append(bins, Binary{Platform: p, Path: path})
	}
	img, idx, err := Build(Options{Binaries: bins})
	if err != nil {
		return err
	}
	tag := o.Tag
	if tag == "" {
		tag = o.Push
	}
	if tag == "" {
		tag = "loadtest:" + Tag(o.Version)
	}
	if o.Output != "" {
		if err := WriteTarball(o.Output, tag, img, idx); err != nil {
			return err
		}
		fmt.Fprintf(o.Log, "wrote image %s (%d platform(s)) to %s\n", tag, len(plats), o.Output)
	}
	if o.Push != "" {
		if err := Push(ctx, o.Push, img, idx, nil); err != nil {
			return err
		}
		fmt.Fprintf(o.Log, "pushed image %s\n", o.Push)
	}
	return nil
}

// binary chooses the binary of platform p: Binary, else Self when it is a static linux binary
// of p, else one built from the module source around WorkDir.
func (o *MakeOptions) binary(ctx context.Context, p Platform, tmp string) (string, error) {
	if o.Binary != "" {
		if err := CheckStatic(o.Binary, p); err != nil {
			return "", &InputError{fmt.Errorf("cluster image: --binary: %w", err)}
		}
		return o.Binary, nil
	}
	why := errors.New("cannot find this executable")
	if o.Self != "" {
		if why = CheckStatic(o.Self, p); why == nil {
			return o.Self, nil
		}
	}
	dir := ModuleDir(o.WorkDir, o.Module)
	if dir == "" {
		return "", fmt.Errorf("cluster image: this loadtest cannot go into a %s image (%v), and %s is not in loadtest's module source to build one: run it from a checkout, or give --binary", p, why, o.WorkDir)
	}
	fmt.Fprintf(o.Log, "building loadtest for %s from %s\n", p, dir)
	return BuildBinary(ctx, p, BuildOptions{ModuleDir: dir, OutDir: tmp, Log: o.Log})
}

// Tag makes a version a valid image tag ("v1.2.3+dirty" → "v1.2.3-dirty"): characters other
// than letters, digits, '.', '-' and '_' become '-', and it is cut to 128.
func Tag(v string) string {
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
