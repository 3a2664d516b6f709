package cli

import (
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

// TestCapacityReshardCounts runs the command and checks its JSON against counts worked by
// hand: modulo from 1 to 2 nodes moves the even ids' half; from 4 to 5 on 20,000 keys (a
// multiple of lcm(4, 5) = 20) exactly 4 in 5, and 20,000 × 4/5 × 2 KiB at 1 MB/s takes
// 32,768,000 B / 1,000,000 B/s = 32.768 s.
func TestCapacityReshardCounts(t *testing.T) {
	type doc struct {
		Keys    uint64 `json:"keys"`
		Schemes []struct {
			Scheme     string  `json:"scheme"`
			MovedKeys  uint64  `json:"moved_keys"`
			MovedShare float64 `json:"moved_share"`
			MovedBytes float64 `json:"moved_bytes"`
			CopyTimeS  float64 `json:"copy_time_s"`
			After      struct {
				Nodes   int    `json:"nodes"`
				Largest uint64 `json:"largest"`
			} `json:"balance_after"`
		} `json:"schemes"`
	}
	for _, tt := range []struct {
		name                 string
		args                 []string
		moved, largest       uint64
		bytes, copySeconds   float64
		nodesAfter, nSchemes int
	}{
		{"1→2 by users", []string{"--users", "1000", "--from", "1", "--to", "2", "--scheme", "mod"}, 500, 500, 0, 0, 2, 1},
		{"4→5 priced", []string{"--keys", "20_000", "--from", "4", "--to", "5", "--scheme", "mod,jump", "--bytes-per-key", "2KiB", "--copy-rate", "1MB/s"},
			16_000, 4000, 32_768_000, 32.768, 5, 2},
		{"8→4 shrinking", []string{"--keys", "800", "--from", "8", "--to", "4", "--scheme", "mod", "--bytes-per-key", "1.5kB"}, 400, 200, 600_000, 0, 4, 1},
	} {
		t.Run(tt.name, func(t *testing.T) {
			code, out, errOut := runCLI(t, append([]string{"capacity", "reshard", "-o", "json"}, tt.args...)...)
			if code != ExitOK {
				t.Fatalf("exit %d, want 0; stderr: %s", code, errOut)
			}
			var d doc
			if err := json.Unmarshal([]byte(out), &d); err != nil {
				t.Fatalf("output is not JSON: %v\n%s", err, out)
			}
			if len(d.Schemes) != tt.nSchemes {
				t.Fatalf("got %d schemes, want %d", len(d.Schemes), tt.nSchemes)
			}
			mod := d.Schemes[0]
			if mod.Scheme != "mod" || mod.MovedKeys != tt.moved || mod.After.Largest != tt.largest || mod.After.Nodes != tt.nodesAfter {
				t.Errorf("got %s moving %d keys, largest node after %d of %d nodes; want mod, %d, %d of %d",
					mod.Scheme, mod.MovedKeys, mod.After.Largest, mod.After.Nodes, tt.moved, tt.largest, tt.nodesAfter)
			}
			if mod.MovedBytes != tt.bytes || mod.CopyTimeS != tt.copySeconds {
				t.Errorf("got %v bytes in %v s, want %v in %v", mod.MovedBytes, mod.CopyTimeS, tt.bytes, tt.copySeconds)
			}
		})
	}
}

// TestCapacityReshardBadInput checks that bad flags exit 2 and name the flag and what is
// allowed.
func TestCapacityReshardBadInput(t *testing.T) {
	ok := []string{"capacity", "reshard", "--keys", "100", "--from", "2", "--to", "3"}
	with := func(args ...string) []string { return append(append([]string{}, ok...), args...) }
	for _, tt := range []struct {
		name string
		args []string
		want []string // in the message
	}{
		{"no keys", []string{"capacity", "reshard", "--from", "2", "--to", "3"}, []string{"--keys is required"}},
		{"zero keys", []string{"capacity", "reshard", "--keys", "0", "--from", "2", "--to", "3"}, []string{"--keys 0", "from 1"}},
		{"negative users", []string{"capacity", "reshard", "--users", "-5", "--from", "2", "--to", "3"}, []string{"--users -5"}},
		{"keys and users", with("--users", "100"), []string{"--keys or --users"}},
		{"keys not a number", []string{"capacity", "reshard", "--keys", "many", "--from", "2", "--to", "3"}, []string{"--keys"}},
		{"no from", []string{"capacity", "reshard", "--keys", "100", "--to", "3"}, []string{"--from is required"}},
		{"no to", []string{"capacity", "reshard", "--keys", "100", "--from", "3"}, []string{"--to is required"}},
		{"from zero", []string{"capacity", "reshard", "--keys", "100", "--from", "0", "--to", "3"}, []string{"--from 0", "from 1 to 65536"}},
		{"to negative", []string{"capacity", "reshard", "--keys", "100", "--from", "2", "--to", "-3"}, []string{"--to -3", "from 1 to 65536"}},
		{"to equals from", []string{"capacity", "reshard", "--keys", "100", "--from", "3", "--to", "3"}, []string{"--to 3", "must differ from --from 3"}},
		{"too many nodes", []string{"capacity", "reshard", "--keys", "100", "--from", "2", "--to", "70000"}, []string{"--to 70000"}},
		{"unknown scheme", with("--scheme", "ketama"), []string{"--scheme ketama", `unknown scheme "ketama"`, "allowed: mod, consistent, jump, rendezvous, all"}},
		{"unknown scheme in a list", with("--scheme", "mod,crc"), []string{"--scheme mod,crc", `"crc"`, "allowed:"}},
		{"zero vnodes", with("--vnodes", "0"), []string{"--vnodes 0", "1 to 10000"}},
		{"ring too large", []string{"capacity", "reshard", "--keys", "100", "--from", "2", "--to", "60000", "--vnodes", "1000"}, []string{"--vnodes 1000", "at most 279"}},
		{"bad size", with("--bytes-per-key", "lots"), []string{"--bytes-per-key", "not a size"}},
		{"negative size", with("--bytes-per-key", "-1KiB"), []string{"--bytes-per-key", "not a size"}},
		{"zero rate", with("--bytes-per-key", "1KiB", "--copy-rate", "0"), []string{"--copy-rate", "greater than 0"}},
		{"bad rate", with("--bytes-per-key", "1KiB", "--copy-rate", "fast"), []string{"--copy-rate", "100MB/s"}},
		{"rate without size", with("--copy-rate", "100MB/s"), []string{"--copy-rate needs --bytes-per-key"}},
		{"bad output", with("-o", "xml"), []string{"--output \"xml\""}},
		{"arguments", with("extra"), []string{"unknown command"}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			code, out, errOut := runCLI(t, tt.args...)
			if code != ExitUsage {
				t.Fatalf("exit %d, want %d; stdout: %s stderr: %s", code, ExitUsage, out, errOut)
			}
			for _, w := range tt.want {
				if !strings.Contains(errOut, w) {
					t.Errorf("stderr %q does not say %q", errOut, w)
				}
			}
		})
	}
}

// TestCapacityReshardHelpExamples runs every line of the command's Example as written.
func TestCapacityReshardHelpExamples(t *testing.T) {
	cmd := newCapacityReshardCmd(&IOStreams{})
	lines := strings.Split(strings.TrimSpace(cmd.Example), "\n")
	if len(lines) < 3 {
		t.Fatalf("got %d examples, want the help's", len(lines))
	}
	for _, line := range lines {
		args := strings.Fields(line)
		if code, _, errOut := runCLI(t, args...); code != ExitOK {
			t.Errorf("example %q exits %d, want 0: %s", line, code, errOut)
		}
	}
}

// reshardDocCommand is a documented command line: "$ [loadtest ]capacity reshard ...",
// with an optional "# → figures" comment.
var reshardDocCommand = regexp.MustCompile(`^\$ (?:loadtest )?(capacity reshard [^#]*?)\s*(?:#\s*→?(.*))?$`)

// reshardFigure is a figure of a comment that the output must show as written: a number
// with a thousands separator or decimals (100,000, 50.00%).
var reshardFigure = regexp.MustCompile(`\d[\d,]*[.,]\d+%?`)

// TestCapacityReshardDocExamples runs every `capacity reshard` command of README.md and
// docs/*.md as written. When the lines after it in the code block are its output (as in
// docs/capacity.md), the output must be those lines exactly; when it has a comment
// (README's "# → 100,000 keys move (50.00%)"), the comment's figures must be in the output.
func TestCapacityReshardDocExamples(t *testing.T) {
	files, err := filepath.Glob(filepath.Join("..", "docs", "*.md"))
	if err != nil {
		t.Fatal(err)
	}
	ran := map[string]int{}
	for _, file := range append([]string{filepath.Join("..", "README.md")}, files...) {
		data, err := os.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		lines := strings.Split(string(data), "\n")
		for i, line := range lines {
			m := reshardDocCommand.FindStringSubmatch(line)
			if m == nil {
				continue
			}
			var want []string // the output shown after the command, up to the fence or the next command
			for _, l := range lines[i+1:] {
				if strings.HasPrefix(l, "```") || strings.HasPrefix(l, "$ ") {
					break
				}
				want = append(want, l)
			}
			where := filepath.Base(file) + ":" + strconv.Itoa(i+1)
			ran[filepath.Base(file)]++
			code, out, errOut := runCLI(t, strings.Fields(m[1])...)
			if code != ExitOK {
				t.Errorf("%s: %q exits %d, want 0: %s", where, m[1], code, errOut)
				continue
			}
			if len(want) > 0 && strings.TrimRight(out, "\n") != strings.Join(want, "\n") {
				t.Errorf("%s: %q prints something else than the documentation shows\ngot:\n%s\ndocumented:\n%s", where, m[1], out, strings.Join(want, "\n"))
			}
			for _, fig := range reshardFigure.FindAllString(m[2], -1) {
				if !strings.Contains(out, fig) {
					t.Errorf("%s: the comment says %s, the output does not:\n%s", where, fig, out)
				}
			}
		}
	}
	if ran["README.md"] == 0 || ran["capacity.md"] < 2 {
		t.Errorf("ran %v reshard examples, want README.md's and docs/capacity.md's", ran)
	}
}
