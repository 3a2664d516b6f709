package cli

import (
	"bytes"
	"encoding/xml"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/loadtestdev/loadtest/results"
)

// writeTestResult writes a small result file of scenario with n requests of 1..n ms.
func writeTestResult(t *testing.T, dir, name, scenario string, n int) string {
	t.Helper()
	start := time.Date(2026, 5, 6, 7, 8, 9, 0, time.UTC)
	lat := results.NewHistogram()
	for i := 1; i <= n; i++ {
		results.RecordDuration(lat, time.Duration(i)*time.Millisecond)
	}
	enc, err := results.EncodeHistogram(lat)
	if err != nil {
		t.Fatal(err)
	}
	l := results.Summarize(lat)
	r := &results.Result{Schema: results.Schema, Scenario: scenario, Target: "http://127.0.0.1:1", Started: start, Ended: start.Add(time.Second),
		DurationS: 1, RateAsked: float64(n), Requests: uint64(n), Successes: uint64(n), SuccessRatio: 1, Rate: float64(n), Throughput: float64(n),
		LatencyMS: l, ServiceTimeMS: l, StatusCodes: map[string]uint64{"200": uint64(n)},
		Timeline:   []results.Second{{Unix: start.Unix(), Requests: uint64(n), Successes: uint64(n), P50MS: l.P50, P90MS: l.P90, P99MS: l.P99, MaxMS: l.Max, Latency: enc}},
		Histograms: results.Histograms{Latency: enc, ServiceTime: enc}}
	path := filepath.Join(dir, name)
	if err := results.WriteFile(path, r); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestReportCommand(t *testing.T) {
	dir := t.TempDir()
	a := writeTestResult(t, dir, "a.json", "echo", 100)
	b := writeTestResult(t, dir, "b.json", "echo", 50)
	other := writeTestResult(t, dir, "other.json", "cache", 10)
	notResult := filepath.Join(dir, "not-result.json")
	if err := os.WriteFile(notResult, []byte(`{"schema":"k6/summary"}`), 0o644); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(dir, "out")
	tests := []struct {
		name       string
		args       []string
		code       int
		stdout     string
		stderr     string
		file       string
		fileHas    string
		stdoutNone bool
	}{
		{name: "text", args: []string{a}, stdout: "rate achieved"},
		{name: "markdown", args: []string{a, "--format", "md"}, stdout: "## loadtest: echo"},
		{name: "compact json", args: []string{a, "-f", "json", "--compact"}, stdout: `"schema":"loadtest.result/v1"`},
		{name: "merged", args: []string{a, b}, stdout: "2 sources: " + a + ", " + b},
		{name: "merged json to file", args: []string{a, b, "-f", "json", "-o", out + ".json"}, stderr: "wrote json report", file: out + ".json", fileHas: `"requests": 150`, stdoutNone: true},
		{name: "html to file", args: []string{a, "-f", "html", "-o", out + ".html"}, file: out + ".html", fileHas: "<svg", stdoutNone: true},
		{name: "junit", args: []string{a, "-f", "junit"}, stdout: "<testsuites"},
		{name: "csv", args: []string{a, "-f", "csv"}, stdout: "unix_s,time_utc"},
		{name: "hlog", args: []string{a, "-f", "hlog", "--whole-run"}, stdout: "Tag=service_time,"},
		{name: "png", args: []string{a, "-f", "png", "-o", out + "-png"}, file: filepath.Join(out+"-png", "percentiles.png"), stdoutNone: true},
		{name: "bad format", args: []string{a, "-f", "pdf"}, code: ExitUsage, stderr: "text, json, md, html, junit, csv, hlog, png"},
		{name: "png needs -o", args: []string{a, "-f", "png"}, code: ExitUsage, stderr: "-o DIR"},
		{name: "missing file", args: []string{filepath.Join(dir, "nope.json")}, code: ExitUsage, stderr: "nope.json"},
		{name: "not a result", args: []string{notResult}, code: ExitUsage, stderr: "not-result.json"},
		{name: "other scenario", args: []string{a, other}, code: ExitUsage, stderr: `scenario "cache"`},
		{name: "other scenario forced", args: []string{a, other, "--force"}, stdout: "echo+cache"},
		{name: "no file", args: nil, code: ExitUsage},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, stdout, stderr := runCLI(t, append([]string{"report"}, tt.args...)...)
			if code != tt.code {
				t.Fatalf("got exit code %d, want %d\nstdout:\n%s\nstderr:\n%s", code, tt.code, stdout, stderr)
			}
			if !strings.Contains(stdout, tt.stdout) {
				t.Errorf("got stdout\n%s\nwant it to contain %q", stdout, tt.stdout)
			}
			if !strings.Contains(stderr, tt.stderr) {
				t.Errorf("got stderr\n%s\nwant it to contain %q", stderr, tt.stderr)
			}
			if tt.stdoutNone && stdout != "" {
				t.Errorf("got stdout %q, want none", stdout)
			}
			if tt.file != "" {
				b, err := os.ReadFile(tt.file)
				if err != nil {
					t.Fatal(err)
				}
				if !strings.Contains(string(b), tt.fileHas) {
					t.Errorf("file %s: got no %q", tt.file, tt.fileHas)
				}
			}
		})
	}
}

func TestReportJUnitIsXML(t *testing.T) {
	a := writeTestResult(t, t.TempDir(), "a.json", "echo", 10)
	code, stdout, stderr := runCLI(t, "report", a, "-f", "junit")
	if code != ExitOK {
		t.Fatalf("got exit code %d: %s", code, stderr)
	}
	var v struct {
		Suites []struct {
			Cases []struct {
				Name string `xml:"name,attr"`
			} `xml:"testcase"`
		} `xml:"testsuite"`
	}
	if err := xml.Unmarshal([]byte(stdout), &v); err != nil {
		t.Fatal(err)
	}
	if len(v.Suites) != 1 || len(v.Suites[0].Cases) != 1 || !strings.Contains(v.Suites[0].Cases[0].Name, "run completed") {
		t.Errorf("got %+v, want one suite with one 'run completed' case", v)
	}
}

// TestCorruptHistogramIsBadInput: a result file with a histogram that does not decode is exit
// 2 naming the file and the field, in every command that reads result files (issue 11 item 10:
// it was exit 1 for report html and merge, 99 "no data" for compare, without the file's name).
func TestCorruptHistogramIsBadInput(t *testing.T) {
	dir := t.TempDir()
	good := writeTestResult(t, dir, "good.json", "echo", 20)
	corrupt := func(name, field string) string {
		path := writeTestResult(t, dir, name, "echo", 20)
		data, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		// Keep the cookie, break the payload.
		key := []byte(`"` + field + `": "HISTF`)
		i := bytes.Index(data, key)
		if i < 0 {
			t.Fatalf("no %s histogram in %s", field, data)
		}
		copy(data[i+len(key)+4:], "AAAAAAAA")
		if err := os.WriteFile(path, data, 0o644); err != nil {
			t.Fatal(err)
		}
		return path
	}
	badLatency := corrupt("bad-latency.json", "latency")
	badSecond := corrupt("bad-second.json", "latency_hist")
	run := func(args ...string) (int, string) {
		var out, errOut bytes.Buffer
		code := Execute(NewRootCmd(&IOStreams{In: strings.NewReader(""), Out: &out, ErrOut: &errOut}), args)
		return code, errOut.String()
	}
	for _, c := range []struct {
		name string
		args []string
		want string
	}{
		{"report html", []string{"report", "-f", "html", badLatency}, "bad-latency.json: histograms.latency: corrupt histogram"},
		{"report merge", []string{"report", good, badSecond}, "bad-second.json: timeline[0].latency_hist: corrupt histogram"},
		{"compare current", []string{"compare", good, badLatency}, "bad-latency.json: histograms.latency: corrupt histogram"},
		{"compare baseline", []string{"compare", badLatency, good}, "bad-latency.json: histograms.latency: corrupt histogram"},
		{"capacity plan --from", []string{"capacity", "plan", "--dau", "1000", "--from", badLatency}, "--from: result file " + badLatency + ": histograms.latency"},
	} {
		t.Run(c.name, func(t *testing.T) {
			code, errOut := run(c.args...)
			if code != ExitUsage || !strings.Contains(errOut, c.want) {
				t.Errorf("got exit %d, stderr %q; want exit %d and %q", code, errOut, ExitUsage, c.want)
			}
		})
	}
}
