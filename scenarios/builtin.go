package scenarios

import (
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
)

//go:embed builtin/*.yaml
var builtinFS embed.FS

// Builtins returns the names of the built-in scenarios, sorted.
func Builtins() []string {
	entries, _ := fs.ReadDir(builtinFS, "builtin")
	names := make([]string, 0, len(entries))
	for _, e := range entries {
		names = append(names, strings.TrimSuffix(e.Name(), ".yaml"))
	}
	sort.Strings(names)
	return names
}

// BuiltinYAML returns the YAML of a built-in scenario, to print or to copy and edit.
func BuiltinYAML(name string) ([]byte, error) {
	data, err := builtinFS.ReadFile("builtin/" + name + ".yaml")
	if err != nil || strings.ContainsAny(name, "/\\") {
		return nil, &Error{Path: name, Err: &kindError{ErrUnknown,
			fmt.Sprintf("unknown scenario %q: the built-ins are %s", name, strings.Join(Builtins(), ", "))}}
	}
	return data, nil
}

// builtinPrefix starts the Source of a built-in scenario: "builtin:NAME".
const builtinPrefix = "builtin:"

// builtinSource is the Source of the built-in scenario name: "builtin:NAME".
func builtinSource(name string) string { return builtinPrefix + name }

// Builtin reports whether s is one of the built-in scenarios (its Source is "builtin:NAME").
func (s *Scenario) Builtin() bool { return strings.HasPrefix(s.Source, builtinPrefix) }

// Dir is the directory the scenario's relative file names (its feeder) are resolved against:
// the directory of its file, or "" (the working directory) for a built-in.
func (s *Scenario) Dir() string {
	if s.Builtin() || s.Source == "" {
		return ""
	}
	return filepath.Dir(s.Source)
}

// IsBuiltin reports whether name is a built-in scenario.
func IsBuiltin(name string) bool {
	for _, b := range Builtins() {
		if name == b {
			return true
		}
	}
	return false
}

// Load returns a built-in scenario by name (echo, cache, db, swiper) or parses a YAML file.
// A name with a path separator or a .yaml/.yml extension is always a file; any other name is
// a built-in, or else a file. Errors are *Error.
func Load(name string) (*Scenario, error) {
	looksLikeFile := strings.ContainsAny(name, `/\`) || strings.HasSuffix(name, ".yaml") || strings.HasSuffix(name, ".yml")
	if !looksLikeFile && IsBuiltin(name) {
		data, _ := BuiltinYAML(name)
		return Parse(builtinSource(name), data)
	}
	data, err := os.ReadFile(name)
	switch {
	case err == nil:
		return Parse(name, data)
	case errors.Is(err, fs.ErrNotExist) && !looksLikeFile:
		return nil, &Error{Path: name, Err: &kindError{ErrUnknown,
			fmt.Sprintf("unknown scenario %q: not a built-in (%s) and no such file", name, strings.Join(Builtins(), ", "))}}
	case errors.Is(err, fs.ErrNotExist):
		return nil, &Error{Path: name, Err: fmt.Errorf("no such file (in %s)", dirOf(name))}
	}
	return nil, &Error{Path: name, Err: err}
}

func dirOf(name string) string {
	dir, err := filepath.Abs(filepath.Dir(name))
	if err != nil {
		return filepath.Dir(name)
	}
	return dir
}
