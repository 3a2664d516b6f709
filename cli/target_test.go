package cli

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestTargetIsCheckedByOneParser: --target and a scenario's target: follow the same rules
// (internal/target): a port outside 1-65535 (issue 11 item 9: it ran for the whole duration),
// user info or a query (that --target accepted and the scenario file did not) are exit 2
// before any request is sent.
func TestTargetIsCheckedByOneParser(t *testing.T) {
	dir := t.TempDir()
	scenario := func(name, target string) string {
		path := filepath.Join(dir, name)
		yaml := "name: t\ntarget: " + target + "\nrate: 5/s\nduration: 1s\nrequests:\n  - path: /a\n"
		if err := os.WriteFile(path, []byte(yaml), 0o644); err != nil {
			t.Fatal(err)
		}
		return path
	}
	highPort := scenario("high-port.yaml", "http://127.0.0.1:99999")
	zeroPort := scenario("zero-port.yaml", "http://127.0.0.1:0")
	for _, c := range []struct {
		name string
		args []string
		want string // in stdout or stderr (scenarios check lists its findings on stdout)
	}{
		{"run --target port too high", []string{"run", "echo", "--target", "http://127.0.0.1:99999", "-d", "1s", "--rate", "5/s"}, `--target: "http://127.0.0.1:99999" has port 99999, want a port from 1 to 65535`},
		{"run --target port zero", []string{"run", "echo", "--target", "http://127.0.0.1:0", "-d", "1s", "--rate", "5/s"}, "has port 0"},
		{"run --target user info", []string{"run", "echo", "--target", "http://u:p@127.0.0.1:1", "-d", "1s", "--rate", "5/s"}, "has a user name or password"},
		{"run --target query", []string{"run", "echo", "--target", "http://127.0.0.1:1/?x=1", "-d", "1s", "--rate", "5/s"}, "has a query or fragment"},
		{"probe --target port too high", []string{"probe", "echo", "--target", "http://127.0.0.1:99999", "--slo", "p99<100ms", "--step-duration", "1s", "--max-steps", "1"}, "has port 99999"},
		{"run scenario target port too high", []string{"run", highPort}, `high-port.yaml:2: target "http://127.0.0.1:99999" has port 99999`},
		{"run scenario target port zero", []string{"run", zeroPort}, "has port 0"},
		{"scenarios check target port too high", []string{"scenarios", "check", highPort}, "has port 99999"},
	} {
		t.Run(c.name, func(t *testing.T) {
			var out, errOut bytes.Buffer
			code := Execute(NewRootCmd(&IOStreams{In: strings.NewReader(""), Out: &out, ErrOut: &errOut}), c.args)
			if got := out.String() + errOut.String(); code != ExitUsage || !strings.Contains(got, c.want) {
				t.Errorf("got exit %d, output %q; want exit %d and %q", code, got, ExitUsage, c.want)
			}
		})
	}
}
