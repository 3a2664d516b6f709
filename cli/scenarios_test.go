package cli

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/loadtestdev/loadtest/scenarios"
)

// scenariosCLI runs loadtest with args the way main does and returns the exit code and output.
func scenariosCLI(args ...string) (code int, stdout, stderr string) {
	var out, errOut bytes.Buffer
	root := NewRootCmd(&IOStreams{In: strings.NewReader(""), Out: &out, ErrOut: &errOut})
	code = Execute(root, args)
	return code, out.String(), errOut.String()
}

func TestScenariosCommand(t *testing.T) {
	dir := t.TempDir()
	good := filepath.Join(dir, "good.yaml")
	bad := filepath.Join(dir, "bad.yaml")
	if err := os.WriteFile(good, []byte("rate: 5/s\nrequests:\n  - {name: a, weight: 3, path: /a}\n  - {name: b, path: /b}\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(bad, []byte("rate: 5/s\nrequests:\n  - path: /a\n    wieght: 3\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	// thresholds that run rejects with exit 2 (issue 11 item 8): check must reject them too
	nan := filepath.Join(dir, "nan.yaml")
	badValue := filepath.Join(dir, "badvalue.yaml")
	badRequest := filepath.Join(dir, "badrequest.yaml")
	for path, th := range map[string]string{nan: `"NaN"`, badValue: `"p99 < 2xx"`, badRequest: `"nosuch.p99 < 1s"`} {
		yaml := "rate: 5/s\nrequests:\n  - {name: a, path: /a}\nthresholds:\n  - " + th + "\n"
		if err := os.WriteFile(path, []byte(yaml), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	flows := filepath.Join(dir, "flows.yaml")
	badFlows := filepath.Join(dir, "badflows.yaml")
	if err := os.WriteFile(flows, []byte("rate: 5/s\nmax_sessions: 9\nflows:\n  - name: f\n    steps:\n      - {name: a, path: /a, extract: {t: {json: $.t}}}\n      - think: 1s\n      - {name: b, path: '/b/{{ t }}', check: [{status: 200}]}\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(badFlows, []byte("rate: 5/s\nflows:\n  - name: f\n    steps:\n      - {name: b, path: '/b/{{ t }}'}\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	swiper, _ := scenarios.BuiltinYAML("swiper")
	tests := []struct {
		name     string
		args     []string
		code     int
		wantOut  []string
		wantErr  string
		exactOut string
	}{
		{name: "list", args: []string{"scenarios", "list"}, wantOut: []string{"NAME", "echo", "1000/s", "GET /echo", "swiper", "cache", "db"}},
		{name: "show", args: []string{"scenarios", "show", "swiper"}, exactOut: string(swiper)},
		{name: "show unknown", args: []string{"scenarios", "show", "nope"}, code: ExitUsage, wantErr: `unknown scenario "nope": the built-ins are cache, db, echo, swiper`},
		{name: "show no name", args: []string{"scenarios", "show"}, code: ExitUsage, wantErr: "accepts 1 arg(s)"},
		{name: "check good", args: []string{"scenarios", "check", good, "echo"}, wantOut: []string{"ok   " + good + " (good): rate 5/s for 10s, 2 request(s)", "75.0%", "25.0%", "ok   echo (echo)"}},
		{name: "check bad", args: []string{"scenarios", "check", good, bad}, code: ExitUsage,
			wantOut: []string{"ok   " + good, "FAIL scenario " + bad + `:4: unknown field "wieght"`, `did you mean "weight"?`},
			wantErr: "1 of 2 scenario(s) are invalid: " + bad},
		{name: "check flows", args: []string{"scenarios", "check", flows, "swiper-flow"}, wantOut: []string{
			"ok   " + flows + " (flows): rate 5/s iterations for 10s, 1 flow(s), max_sessions 9", "100.0%  f", "think 1s",
			"GET     /b/{{ t }}", "ok   swiper-flow (swiper-flow)"}},
		{name: "check bad flows", args: []string{"scenarios", "check", badFlows}, code: ExitUsage,
			wantOut: []string{"FAIL scenario " + badFlows + `:5: flows[0].steps[0].path: "t" is not extracted by an earlier step of the flow nor defined under variables`}},
		{name: "check NaN threshold", args: []string{"scenarios", "check", nan}, code: ExitUsage, wantOut: []string{"FAIL scenario " + nan + ": thresholds[0]"}},
		{name: "check bad threshold value", args: []string{"scenarios", "check", badValue}, code: ExitUsage,
			wantOut: []string{"FAIL scenario " + badValue + ": thresholds[0]", `bad value "2xx"`}},
		{name: "check threshold of an unknown request", args: []string{"scenarios", "check", badRequest}, code: ExitUsage,
			wantOut: []string{`unknown request "nosuch"`, "known: a"}},
		{name: "check missing", args: []string{"scenarios", "check", "nosuch"}, code: ExitUsage, wantOut: []string{`FAIL scenario nosuch: unknown scenario "nosuch"`}},
		{name: "help", args: []string{"scenarios"}, wantOut: []string{"Available Commands", "list", "show", "check"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, out, errOut := scenariosCLI(tt.args...)
			if code != tt.code {
				t.Errorf("got exit code %d, want %d (stderr %q)", code, tt.code, errOut)
			}
			for _, w := range tt.wantOut {
				if !strings.Contains(out, w) {
					t.Errorf("got stdout\n%s\nwant it to contain %q", out, w)
				}
			}
			if tt.exactOut != "" && out != tt.exactOut {
				t.Errorf("got stdout\n%s\nwant\n%s", out, tt.exactOut)
			}
			if !strings.Contains(errOut, tt.wantErr) {
				t.Errorf("got stderr %q, want it to contain %q", errOut, tt.wantErr)
			}
		})
	}
}

// TestScenariosShowRoundTrip checks that what show prints is a scenario file that loads.
func TestScenariosShowRoundTrip(t *testing.T) {
	dir := t.TempDir()
	for _, name := range scenarios.Builtins() {
		code, out, errOut := scenariosCLI("scenarios", "show", name)
		if code != ExitOK {
			t.Fatalf("show %s: exit %d: %s", name, code, errOut)
		}
		path := filepath.Join(dir, name+".yaml")
		if err := os.WriteFile(path, []byte(out), 0o600); err != nil {
			t.Fatal(err)
		}
		if code, out, _ := scenariosCLI("scenarios", "check", path); code != ExitOK {
			t.Errorf("check of the shown %s: exit %d: %s", name, code, out)
		}
	}
}
