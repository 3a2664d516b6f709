package layers

import (
	"bytes"
	"encoding/json"
	"go/ast"
	"go/parser"
	"go/token"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

const module = "github.com/loadtestdev/loadtest"

// pkg is what `go list -json` says of a package.
type pkg struct {
	ImportPath, Name, Dir string
	GoFiles               []string
	Imports, Deps         []string
}

// listPackages lists the module's packages with their transitive dependencies.
func listPackages(t *testing.T) map[string]pkg {
	t.Helper()
	cmd := exec.Command("go", "list", "-json", module+"/...")
	cmd.Dir = "../.."
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	pkgs := map[string]pkg{}
	dec := json.NewDecoder(bytes.NewReader(out))
	for dec.More() {
		var p pkg
		if err := dec.Decode(&p); err != nil {
			t.Fatal(err)
		}
		pkgs[strings.TrimPrefix(strings.TrimPrefix(p.ImportPath, module), "/")] = p
	}
	return pkgs
}

// library reports whether a package (by its path in the module) is a library: not the CLI,
// not a main package, not the end-to-end tests.
func library(path string, p pkg) bool {
	return path != "cli" && p.Name != "main" && path != "test" && !strings.HasPrefix(path, "test/")
}

// under matches a package and the packages below it.
func under(prefixes ...string) func(string) bool {
	return func(path string) bool {
		for _, pre := range prefixes {
			if path == pre || strings.HasPrefix(path, pre+"/") {
				return true
			}
		}
		return false
	}
}

// forbidden is the layering rule: the packages a group of packages must not use. The
// module's own (a path with no dot that is not the standard library's) are forbidden directly
// and through another package of the module; the standard library's and third parties' are
// forbidden as direct imports (client-go uses pflag, net/http uses log: not our layering).
var forbidden = []struct {
	name     string
	applies  func(string) bool
	deps     []string
	whyNotOK string
}{
	{"libraries", nil, []string{"cli", "github.com/spf13/cobra", "github.com/spf13/pflag", "log"},
		"only cli knows about flags and commands; libraries return errors instead of logging"},
	{"runner", under("runner"), []string{"reports"},
		"the run hands back results; cli renders them"},
	{"below runner", under("engine", "cluster", "collector", "gate", "metrics", "capacity", "server", "reports"),
		[]string{"runner"}, "imports go down: runner calls them, not the other way (runner/bundled, a leaf, may serve cluster local)"},
	{"data", under("scenarios", "results"),
		[]string{"runner", "engine", "cluster", "collector", "gate", "metrics", "reports", "capacity"},
		"scenarios and results are the bottom layer every other package reads"},
	{"capacity", under("capacity"), []string{"net", "net/http", "os"},
		"capacity is pure arithmetic: no I/O, no HTTP"},
}

func TestImportsGoDown(t *testing.T) {
	pkgs := listPackages(t)
	if len(pkgs) < 10 || pkgs["runner"].ImportPath == "" {
		t.Fatalf("go list found %d packages and no runner: not the module root?", len(pkgs))
	}
	for _, rule := range forbidden {
		for path, p := range pkgs {
			if !library(path, p) || (rule.applies != nil && !rule.applies(path)) {
				continue
			}
			for _, dep := range rule.deps {
				full, uses := dep, p.Imports
				if _, own := pkgs[dep]; own {
					full, uses = module+"/"+dep, p.Deps
				}
				if slices.Contains(uses, full) {
					t.Errorf("%s: %s uses %s (%s)", rule.name, p.ImportPath, full, rule.whyNotOK)
				}
			}
		}
	}
}

// TestCLIStartsNoGoroutine: a goroutine belongs to a library (runner, cluster, server); cli
// binds flags, calls one entry point and renders.
func TestCLIStartsNoGoroutine(t *testing.T) {
	cli := listPackages(t)["cli"]
	for _, name := range cli.GoFiles {
		if n := goStatements(t, filepath.Join(cli.Dir, name)); n > 0 {
			t.Errorf("cli/%s starts %d goroutine(s): move that life into the library that owns it", name, n)
		}
	}
}

// TestLibrariesTakeWriters: no library writes to the process's own streams; they take an
// io.Writer.
func TestLibrariesTakeWriters(t *testing.T) {
	for path, p := range listPackages(t) {
		if !library(path, p) {
			continue
		}
		for _, name := range p.GoFiles {
			file := parse(t, filepath.Join(p.Dir, name))
			ast.Inspect(file, func(n ast.Node) bool {
				if sel, ok := n.(*ast.SelectorExpr); ok {
					if x, ok := sel.X.(*ast.Ident); ok && x.Name == "os" && (sel.Sel.Name == "Stdout" || sel.Sel.Name == "Stderr") {
						t.Errorf("%s/%s uses os.%s: take an io.Writer", path, name, sel.Sel.Name)
					}
				}
				return true
			})
		}
	}
}

// goStatements counts the go statements of a file.
func goStatements(t *testing.T, file string) int {
	n := 0
	ast.Inspect(parse(t, file), func(node ast.Node) bool {
		if _, ok := node.(*ast.GoStmt); ok {
			n++
		}
		return true
	})
	return n
}

func parse(t *testing.T, file string) *ast.File {
	t.Helper()
	f, err := parser.ParseFile(token.NewFileSet(), file, nil, parser.SkipObjectResolution)
	if err != nil {
		t.Fatal(err)
	}
	return f
}
