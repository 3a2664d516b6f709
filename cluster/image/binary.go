package image

import (
	"context"
	"debug/elf"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
)

// elfMachines maps the architectures an image may be built for to their ELF machine.
var elfMachines = map[string]elf.Machine{
	"amd64":   elf.EM_X86_64,
	"arm64":   elf.EM_AARCH64,
	"arm":     elf.EM_ARM,
	"386":     elf.EM_386,
	"ppc64le": elf.EM_PPC64,
	"s390x":   elf.EM_S390,
	"riscv64": elf.EM_RISCV,
}

func knownArches() []string {
	out := make([]string, 0, len(elfMachines))
	for a := range elfMachines {
		out = append(out, a)
	}
	sort.Strings(out)
	return out
}

// CheckStatic returns nil when the file at path is a static linux ELF binary of p: no
// program interpreter (no dynamic loader, so it runs on an empty base) and p's machine. The
// error says what it is instead.
func CheckStatic(path string, p Platform) error {
	f, err := elf.Open(path)
	if err != nil {
		return fmt.Errorf("%s is not a linux binary: %w", path, err)
	}
	defer f.Close()
	if want := elfMachines[p.Arch]; f.Machine != want {
		return fmt.Errorf("%s is a %s binary, not %s", path, f.Machine, p)
	}
	for _, prog := range f.Progs {
		if prog.Type == elf.PT_INTERP {
			return fmt.Errorf("%s is dynamically linked (built with cgo); build it with CGO_ENABLED=0", path)
		}
	}
	return nil
}

// BuildOptions say how to build loadtest from its module source.
type BuildOptions struct {
	// ModuleDir is the directory of loadtest's go.mod.
	ModuleDir string
	// Package is the main package, relative to ModuleDir (default ./cmd/loadtest).
	Package string
	// OutDir receives one binary per platform.
	OutDir string
	// Log receives the go command's output.
	Log io.Writer
}

// BuildBinary builds a static, stripped binary of the main package for p with the go command
// (CGO_ENABLED=0 -trimpath -ldflags "-s -w": no symbol table and no DWARF, about a third
// smaller, which every pod pulls) and returns its path.
func BuildBinary(ctx context.Context, p Platform, o BuildOptions) (string, error) {
	if o.ModuleDir == "" {
		return "", errors.New("image: no module directory to build loadtest from")
	}
	pkg := o.Package
	if pkg == "" {
		pkg = "./cmd/loadtest"
	}
	out := filepath.Join(o.OutDir, "loadtest-"+p.OS+"-"+p.Arch)
	cmd := exec.CommandContext(ctx, "go", "build", "-trimpath", "-ldflags=-s -w", "-o", out, pkg)
	cmd.Dir = o.ModuleDir
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0", "GOOS="+p.OS, "GOARCH="+p.Arch, "GOFLAGS=-mod=mod")
	cmd.Stdout, cmd.Stderr = o.Log, o.Log
	if err := cmd.Run(); err != nil {
		return "", fmt.Errorf("image: go build %s for %s in %s: %w", pkg, p, o.ModuleDir, err)
	}
	return out, nil
}

// ModuleDir returns the directory of the go.mod of module mod that contains dir or one of
// its parents, or "" when there is none.
func ModuleDir(dir, mod string) string {
	for {
		data, err := os.ReadFile(filepath.Join(dir, "go.mod"))
		if err == nil {
			for _, line := range strings.Split(string(data), "\n") {
				if f := strings.Fields(line); len(f) == 2 && f[0] == "module" && strings.Trim(f[1], `"`) == mod {
					return dir
				}
			}
			return ""
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return ""
		}
		dir = parent
	}
}
