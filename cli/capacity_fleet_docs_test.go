package cli

import (
	"bytes"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"

	"github.com/loadtestdev/loadtest/capacity/fleetfile"
)

// TestDocFleetFiles: every fleet file of the README and docs/*.md (a yaml block whose
// top-level has traffic:) parses and builds, its from: results standing in as 1,000 req/s.
func TestDocFleetFiles(t *testing.T) {
	n := 0
	for _, ex := range docExamples(t) {
		var top map[string]yaml.Node
		if yaml.Unmarshal([]byte(ex.Body), &top) != nil {
			continue // TestDocExamplesRun reports it
		}
		if _, ok := top["traffic"]; !ok {
			continue
		}
		n++
		spec, err := fleetfile.Parse(ex.String(), []byte(ex.Body))
		if err != nil {
			t.Errorf("%s: %v", ex, err)
			continue
		}
		if err := spec.Resolve(func(_, _ string) (float64, string, error) { return 1000, "docs", nil }); err != nil {
			t.Errorf("%s: %v", ex, err)
		}
		if _, err := spec.Build(); err != nil {
			t.Errorf("%s: %v", ex, err)
		}
	}
	if n == 0 {
		t.Error("no fleet file in the docs: the README's worked example has one")
	}
}

// readmeBlock returns the body of the README's first fenced block whose first line starts
// with prefix.
func readmeBlock(t *testing.T, readme, prefix string) string {
	t.Helper()
	for _, m := range regexp.MustCompile("(?ms)^```[a-z]*\n(.*?)^```").FindAllStringSubmatch(readme, -1) {
		if strings.HasPrefix(m[1], prefix) {
			return m[1]
		}
	}
	t.Fatalf("README.md has no block starting with %q", prefix)
	return ""
}

// TestReadmeFleetExample runs the README's capacity fleet example as written: its probe
// commands parse (they are not run here: each is 8 steps of load, which the docs bound for a
// user's machine, not a shared test host) and write the results the fleet file reads; the
// fleet command runs on converged probes of those names; and the command with the notes'
// rates prints exactly the output the README shows.
func TestReadmeFleetExample(t *testing.T) {
	data, err := os.ReadFile(filepath.Join("..", "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	readme := string(data)
	dir := t.TempDir()
	fleetFile := readmeBlock(t, readme, "# swiper-fleet.yaml")
	writeFile(t, filepath.Join(dir, "swiper-fleet.yaml"), fleetFile)

	sh := readmeBlock(t, readme, "loadtest probe echo ")
	var fleetCmd []string
	for _, line := range strings.Split(strings.TrimSpace(sh), "\n") {
		args := shellWords(t, line)
		if args[0] != "loadtest" {
			t.Fatalf("README example line %q does not run loadtest", line)
		}
		if args[1] == "capacity" {
			fleetCmd = args[2:]
			continue
		}
		cmd, rest, err := NewRootCmd(&IOStreams{In: strings.NewReader(""), Out: &bytes.Buffer{}, ErrOut: &bytes.Buffer{}}).Find(args[1:])
		if err != nil || cmd.Name() != "probe" {
			t.Fatalf("%q: %v (command %s)", line, err, cmd.Name())
		}
		if err := cmd.ParseFlags(rest); err != nil {
			t.Fatalf("%q: %v", line, err)
		}
		if out, _ := cmd.Flags().GetString("out"); !strings.Contains(fleetFile, "{from: "+out+"}") {
			t.Errorf("%q writes %s, which the fleet file does not read", line, out)
		}
	}
	fleetProbes(t, dir)
	t.Chdir(dir)
	if code, _, errOut := capRun(t, fleetCmd...); code != ExitOK {
		t.Errorf("capacity %s: exit %d: %s", strings.Join(fleetCmd, " "), code, errOut)
	}

	shown := readmeBlock(t, readme, "$ loadtest capacity fleet swiper-fleet.yaml --other-rps")
	cmdLine, want, _ := strings.Cut(shown, "\n")
	args := shellWords(t, strings.TrimPrefix(cmdLine, "$ loadtest capacity "))
	code, out, errOut := capRun(t, args...)
	if code != ExitOK {
		t.Fatalf("%s: exit %d: %s", cmdLine, code, errOut)
	}
	if out != want {
		t.Errorf("%s prints\n%s\nthe README shows\n%s", cmdLine, out, want)
	}
}

func writeFile(t *testing.T, path, body string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
}

// shellWords splits a command line of the docs: words, "double-quoted" words.
func shellWords(t *testing.T, line string) []string {
	t.Helper()
	var words []string
	for _, m := range regexp.MustCompile(`"([^"]*)"|(\S+)`).FindAllStringSubmatch(line, -1) {
		if m[2] != "" {
			words = append(words, m[2])
		} else {
			words = append(words, m[1])
		}
	}
	return words
}
