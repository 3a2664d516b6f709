package image

import (
	"context"
	"errors"
	"strings"
	"testing"
)

func TestTag(t *testing.T) {
	tests := []struct{ in, want string }{
		{"v1.2.3", "v1.2.3"},
		{"v1.2.3+dirty", "v1.2.3-dirty"},
		{"v0.0.0-20260101-abcdef_x", "v0.0.0-20260101-abcdef_x"},
		{strings.Repeat("a", 130), strings.Repeat("a", 128)},
	}
	for _, tt := range tests {
		if got := Tag(tt.in); got != tt.want {
			t.Errorf("Tag(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestMakeBadInput(t *testing.T) {
	tests := []struct {
		name string
		o    MakeOptions
		want string
	}{
		{"bad platform", MakeOptions{Output: "x.tar", Platforms: "windows/amd64"}, "--platform"},
		{"one binary, two platforms", MakeOptions{Output: "x.tar", Platforms: "linux/amd64,linux/arm64", Binary: "b"}, "one binary is for one platform"},
		{"a binary that is not one", MakeOptions{Output: "x.tar", Platforms: "linux/amd64", Binary: "/nonexistent/loadtest"}, "--binary"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := Make(context.Background(), tt.o)
			var ie *InputError
			if !errors.As(err, &ie) || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("got %v, want an InputError saying %q", err, tt.want)
			}
		})
	}
}

func TestMakeOutsideTheModule(t *testing.T) {
	err := Make(context.Background(), MakeOptions{Output: "x.tar", Platforms: "linux/amd64", WorkDir: t.TempDir(), Module: "github.com/loadtestdev/loadtest"})
	var ie *InputError
	if err == nil || errors.As(err, &ie) || !strings.Contains(err.Error(), "not in loadtest's module source") {
		t.Errorf("got %v, want a failure naming the module source", err)
	}
}
