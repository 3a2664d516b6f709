package cli

import (
	"context"
	"fmt"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"

	"github.com/loadtestdev/loadtest/collector"
	"github.com/loadtestdev/loadtest/scenarios"
	"github.com/loadtestdev/loadtest/server"
)

// docExample is one fenced yaml block of the documentation.
type docExample struct {
	File string // relative to the module root
	Line int    // of the opening fence
	Body string
}

func (e docExample) String() string { return fmt.Sprintf("%s:%d", e.File, e.Line) }

var yamlFence = regexp.MustCompile("(?ms)^[ \t]*```ya?ml[ \t]*\n(.*?)^[ \t]*```")

// docExamples returns every fenced yaml block of README.md and docs/*.md.
func docExamples(t *testing.T) []docExample {
	t.Helper()
	files, err := filepath.Glob(filepath.Join("..", "docs", "*.md"))
	if err != nil {
		t.Fatal(err)
	}
	var out []docExample
	for _, f := range append([]string{filepath.Join("..", "README.md")}, files...) {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		text := string(data)
		for _, m := range yamlFence.FindAllStringSubmatchIndex(text, -1) {
			rel, _ := filepath.Rel("..", f)
			out = append(out, docExample{File: filepath.ToSlash(rel), Line: strings.Count(text[:m[0]], "\n") + 1, Body: text[m[2]:m[3]]})
		}
	}
	return out
}

// notScenarios are the top-level keys of the yaml blocks that are not scenarios, with what
// they are: such a block is not run. A block that is neither a scenario nor one of these
// fails the test, so that no example is skipped silently.
var notScenarios = map[string]string{
	"on":             "a GitHub Actions workflow",
	"apiVersion":     "a Kubernetes manifest",
	"scrape_configs": "a Prometheus configuration",
	"perf":           "a GitLab CI job",
	"traffic":        "a capacity fleet file (TestDocFleetFiles checks it)",
}

// docExampleSetup prepares what an example needs beside it, by scenario name: the README's
// shop reads its feeder users.csv from its own directory.
var docExampleSetup = map[string]func(t *testing.T, dir string){
	"shop": func(t *testing.T, dir string) {
		if err := os.WriteFile(filepath.Join(dir, "users.csv"), []byte("email\na@example.com\nb@example.com\n"), 0o644); err != nil {
			t.Fatal(err)
		}
	},
}

// TestDocExamplesRun runs every scenario of the README and docs/*.md briefly against the
// bundled reference server (in process, --dev so that a vcode answer carries its code, on
// 127.0.0.1), 5 hits or iterations at 5/s, gated by its own thresholds or the default ones:
// an example that does not work as written fails the build.
func TestDocExamplesRun(t *testing.T) {
	t.Parallel()
	secret := "docs-secret"
	srv, err := server.New(context.Background(), server.Options{DB: "sqlite://" + filepath.Join(t.TempDir(), "docs.db"), Users: 10000, // as `loadtest server`
		Dev: true, Secret: []byte(secret)})
	if err != nil {
		t.Fatalf("server.New: %v", err)
	}
	t.Cleanup(func() { srv.Close() })
	ts := httptest.NewServer(srv.Handler())
	t.Cleanup(ts.Close)
	ran := 0
	for _, ex := range docExamples(t) {
		var top map[string]yaml.Node
		if err := yaml.Unmarshal([]byte(ex.Body), &top); err != nil {
			t.Errorf("%s: the yaml block does not parse: %v", ex, err)
			continue
		}
		if _, ok := top["requests"]; !ok {
			if _, ok := top["flows"]; !ok {
				what := ""
				for k := range top {
					if notScenarios[k] != "" {
						what = notScenarios[k]
					}
				}
				if what == "" {
					t.Errorf("%s: a yaml block that is neither a scenario nor a known other kind (%v)", ex, keys(top))
				}
				t.Logf("%s: not run: %s, not a scenario", ex, what)
				continue
			}
		}
		ran++
		t.Run(ex.String(), func(t *testing.T) { runDocExample(t, ex, ts.URL, secret) })
	}
	if ran < 2 {
		t.Errorf("ran %d examples, want at least the README's and docs/flows.md's", ran)
	}
}

// runDocExample runs one scenario example and wants exit code 0.
func runDocExample(t *testing.T, ex docExample, target, secret string) {
	dir := t.TempDir()
	var head struct {
		Name  string            `yaml:"name"`
		Hosts map[string]string `yaml:"hosts"`
	}
	_ = yaml.Unmarshal([]byte(ex.Body), &head)
	var hostFlags []string // the bundled server stands for every host the example names
	for name := range head.Hosts {
		hostFlags = append(hostFlags, "--host", name+"="+target)
	}
	if setup := docExampleSetup[head.Name]; setup != nil {
		setup(t, dir)
	}
	path := filepath.Join(dir, "example.yaml")
	if err := os.WriteFile(path, []byte(ex.Body), 0o644); err != nil {
		t.Fatal(err)
	}
	checkDocExampleLocal(t, ex, target, dir, head.Hosts)
	out := filepath.Join(dir, "r.json")
	args := append([]string{"run", path, "--target", target, "--secret", secret,
		"--rate", "10/s", "--duration", "1s", "--seed", "1", "--out", out}, hostFlags...)
	code, stdout, errOut := runCLI(t, args...)
	if code != ExitOK {
		t.Fatalf("the example of %s exits %d, want 0: it does not work as written\nstderr: %s\nstdout:\n%s", ex, code, errOut, stdout)
	}
	r := readResult(t, out)
	if r.Requests == 0 || len(r.Thresholds) == 0 {
		t.Errorf("the example of %s sent %d requests, gated by %d thresholds; want some of both", ex, r.Requests, len(r.Thresholds))
	}
	for name, f := range r.Flows {
		if f.Iterations == 0 {
			t.Errorf("the example of %s ran no iteration of its flow %s: raise the test's rate so that every flow runs", ex, name)
		}
	}
}

// checkDocExampleLocal stops an example that would send load beyond the local server (an
// absolute URL to another host): the project's tests load 127.0.0.1 only.
func checkDocExampleLocal(t *testing.T, ex docExample, target, dir string, hosts map[string]string) {
	t.Helper()
	sc, err := scenarios.Parse("example.yaml", []byte(ex.Body))
	if err != nil {
		return // the run reports it
	}
	po := scenarios.PlanOptions{Target: target, Secret: []byte("x"), Dir: dir, Hosts: map[string]string{}}
	for name := range hosts {
		po.Hosts[name] = target
	}
	var origins []string
	if len(sc.Flows) > 0 {
		if fp, err := sc.FlowPlan(po); err == nil {
			origins = fp.Origins()
		}
	} else if p, err := sc.Plan(po); err == nil {
		origins = p.Origins()
	}
	for _, o := range origins {
		if !collector.LoopbackTarget(o) {
			t.Fatalf("the example of %s sends requests to %s: tests load only 127.0.0.1 (name the host under hosts:, which the test points at the local server)", ex, o)
		}
	}
}

func keys(m map[string]yaml.Node) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	return out
}
