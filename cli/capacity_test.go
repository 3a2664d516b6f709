package cli

import (
	"bytes"
	"encoding/json"
	"math"
	"path/filepath"
	"strings"
	"testing"

	"github.com/loadtestdev/loadtest/internal/golden"
	"github.com/loadtestdev/loadtest/results"
)

// capRun runs the capacity command tree with args and returns the exit code and output.
func capRun(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	var out, errOut bytes.Buffer
	ios := &IOStreams{In: strings.NewReader("1,10\n2,19\n3,27\n4,34\n5,40\n6,45\n"), Out: &out, ErrOut: &errOut}
	code := Execute(NewCapacityCmd(ios), args)
	return code, out.String(), errOut.String()
}

func TestCapacityPlanWorkedExample(t *testing.T) {
	code, out, errOut := capRun(t, "plan", "--dau", "200000", "--server-rps", "800", "--output", "json")
	if code != ExitOK {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	var doc map[string]any
	if err := json.Unmarshal([]byte(out), &doc); err != nil {
		t.Fatal(err)
	}
	for key, want := range map[string]float64{
		"daily_requests": 40e6, "average_rps": 462.963, "peak_rps": 1851.852, "peak_factor": 4,
		"server_rps": 800, "servers_raw": 3, "servers": 5,
	} {
		got, ok := doc[key].(float64)
		if !ok || math.Abs(got-want) > 1e-9*want {
			t.Errorf("%s: got %v, want %v", key, doc[key], want)
		}
	}
	inputs, _ := doc["inputs"].(map[string]any)
	if inputs["dau"] != 200000.0 || inputs["requests_per_user"] != 200.0 || inputs["target_utilization"] != 0.7 {
		t.Errorf("inputs not echoed: %v", inputs)
	}

	code, out, _ = capRun(t, "plan", "--dau", "200000", "--server-rps", "800")
	if code != ExitOK {
		t.Fatalf("text: exit %d", code)
	}
	for _, want := range []string{"40,000,000", "462.963", "1,851.852", "servers at 100%"} {
		if !strings.Contains(out, want) {
			t.Errorf("text output lacks %q:\n%s", want, out)
		}
	}
	if !strings.Contains(capLine(out, "servers at 100%"), " 3 ") {
		t.Errorf("servers at 100%%: got %q, want 3", capLine(out, "servers at 100%"))
	}
}

// capLine returns the first line of s containing sub.
func capLine(s, sub string) string {
	for _, line := range strings.Split(s, "\n") {
		if strings.Contains(line, sub) {
			return line
		}
	}
	return ""
}

func TestCapacityGolden(t *testing.T) {
	book := filepath.Join("..", "capacity", "testdata", "usl-book-32.csv")
	for _, c := range []struct {
		name string
		args []string
	}{
		{"plan.txt", []string{"plan", "--dau", "200000", "--server-rps", "800"}},
		{"plan-explain.txt", []string{"plan", "--dau", "200000", "--server-rps", "800", "--explain"}},
		{"plan.json", []string{"plan", "--dau", "200000", "--server-rps", "800", "--output", "json"}},
		{"plan-explain.json", []string{"plan", "--dau", "200000", "--server-rps", "800", "--explain", "-o", "json"}},
		{"plan.md", []string{"plan", "--dau", "200000", "--server-rps", "800", "--explain", "-o", "md"}},
		{"plan-demand-only.txt", []string{"plan", "--dau", "200000"}},
		{"plan-full.txt", []string{"plan", "--dau", "1000000", "--server-rps", "800", "--zones", "3", "--redundancy", "2",
			"--growth", "10%", "--horizon", "6", "--cache-hit-ratio", "90%", "--queries-per-request", "3", "--write-share", "0.1",
			"--queries-per-write", "2", "--db-qps-per-server", "5000", "--latency", "50ms", "--max-wait-probability", "5%", "--explain"}},
		{"plan-full.json", []string{"plan", "--dau", "1000000", "--server-rps", "800", "--zones", "3", "--growth", "10%", "--horizon", "2",
			"--cache-hit-ratio", "0.9", "--db-qps-per-server", "5000", "--latency", "50ms", "--max-wait", "1ms", "-o", "json"}},
		{"plan-peak-factor-explain.txt", []string{"plan", "--dau", "50000", "--requests-per-user", "120", "--peak-factor", "6", "--server-rps", "250", "--target-utilization", "60%", "--redundancy", "0", "--explain"}},
		{"fit.txt", []string{"fit", book, "20", "48"}},
		{"fit.json", []string{"fit", book, "20", "-o", "json"}},
		{"fit.md", []string{"fit", book, "35", "-o", "md"}},
		{"queue.txt", []string{"queue", "--rps", "0.35", "--service-time", "10s", "--servers", "4"}},
		{"queue-max-wait.txt", []string{"queue", "--rps", "1850", "--service-time", "50ms", "--max-wait", "2ms"}},
		{"queue.json", []string{"queue", "--rps", "1850", "--service-time", "50ms", "--max-wait-probability", "5%", "-o", "json"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			code, out, errOut := capRun(t, c.args...)
			if code != ExitOK {
				t.Fatalf("exit %d: %s", code, errOut)
			}
			golden.Assert(t, filepath.Join("testdata", "capacity", c.name), []byte(out))
		})
	}
}

func TestCapacityExplainFormula(t *testing.T) {
	_, out, _ := capRun(t, "plan", "--dau", "200000", "--explain")
	if want := "peak = 40,000,000 × 0.8 / (86,400 × 0.2) = 1,851.85 req/s"; !strings.Contains(out, want) {
		t.Errorf("explain lacks %q:\n%s", want, out)
	}
	if !strings.Contains(out, "--server-rps") || !strings.Contains(out, "--from") {
		t.Errorf("demand-only output does not say what is missing:\n%s", out)
	}
}

func TestCapacityLoadtestSubcommand(t *testing.T) {
	var out, errOut bytes.Buffer
	ios := &IOStreams{In: strings.NewReader(""), Out: &out, ErrOut: &errOut}
	code := Execute(NewRootCmd(ios), []string{"capacity", "plan", "--dau", "200000", "--server-rps", "800", "-o", "json"})
	if code != ExitOK || !strings.Contains(out.String(), `"servers_raw": 3`) {
		t.Errorf("loadtest capacity plan: exit %d, out %s, err %s", code, out.String(), errOut.String())
	}
}

// capWriteResult writes a result file with the given throughput, probe rate and mean latency:
// a probe that converged at that rate, or a run whose server's CPU was 95% busy (evidence
// that it ran at the server's limit).
func capWriteResult(t *testing.T, name string, connections int, throughput, probe, latencyMS float64) string {
	t.Helper()
	r := &results.Result{Schema: results.Schema, Scenario: "echo", Connections: connections, Throughput: throughput}
	r.LatencyMS.Mean = latencyMS
	capServerBusy(r, 95, 1)
	if probe > 0 {
		r.Probe = capConvergedProbe(probe)
	}
	path := filepath.Join(t.TempDir(), name)
	if err := results.WriteFile(path, r); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestCapacityPlanFrom(t *testing.T) {
	run := capWriteResult(t, "run.json", 0, 1000, 0, 20)
	probe := capWriteResult(t, "probe.json", 0, 1000, 800, 20)
	for _, c := range []struct {
		name, file, field string
		rps, latency      float64
		extra             []string
	}{
		{"run uses throughput", run, "throughput", 1000, 20, nil},
		{"probe uses sustainable rate", probe, "probe.sustainable_rate", 800, 20, nil},
		{"latency flag wins", run, "throughput", 1000, 5, []string{"--latency", "5ms"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			args := append([]string{"plan", "--dau", "200000", "--from", c.file, "-o", "json"}, c.extra...)
			code, out, errOut := capRun(t, args...)
			if code != ExitOK {
				t.Fatalf("exit %d: %s", code, errOut)
			}
			var doc struct {
				Inputs struct {
					ServerRPS       float64 `json:"server_rps"`
					ServerRPSSource string  `json:"server_rps_source"`
					LatencyMS       float64 `json:"latency_ms"`
				} `json:"inputs"`
				ServersRaw int `json:"servers_raw"`
			}
			if err := json.Unmarshal([]byte(out), &doc); err != nil {
				t.Fatal(err)
			}
			if doc.Inputs.ServerRPS != c.rps || doc.Inputs.ServerRPSSource != c.field+" of "+c.file || doc.Inputs.LatencyMS != c.latency {
				t.Errorf("got %+v, want rps %g from %s of %s, latency %g ms", doc.Inputs, c.rps, c.field, c.file, c.latency)
			}
			code, out, _ = capRun(t, "plan", "--dau", "200000", "--from", c.file)
			if code != ExitOK || !strings.Contains(out, c.field+" of "+c.file) {
				t.Errorf("text does not say which number it used:\n%s", out)
			}
		})
	}
}

// TestCapacityPlanFromDoubtfulRun: a rate taken from an interrupted or behind-schedule run
// (whose server's CPU was full, so the rate is taken) is used, with a warning on stderr and
// in the JSON (issue 11 item 12).
func TestCapacityPlanFromDoubtfulRun(t *testing.T) {
	write := func(name string, edit func(*results.Result)) string {
		r := &results.Result{Schema: results.Schema, Scenario: "echo", Throughput: 1000}
		capServerBusy(r, 95, 1)
		edit(r)
		path := filepath.Join(t.TempDir(), name)
		if err := results.WriteFile(path, r); err != nil {
			t.Fatal(err)
		}
		return path
	}
	behind := results.Warning{Code: "behind_schedule", Message: "3.0% of the requests left more than 10ms late"}
	for _, c := range []struct {
		name  string
		edit  func(*results.Result)
		codes []string
	}{
		{"complete run", func(*results.Result) {}, nil},
		{"interrupted", func(r *results.Result) { r.Interrupted = true }, []string{"rate_from_interrupted_run"}},
		{"behind schedule", func(r *results.Result) { r.Warnings = []results.Warning{behind} }, []string{"rate_from_behind_schedule_run"}},
		{"both", func(r *results.Result) { r.Interrupted, r.Warnings = true, []results.Warning{behind} },
			[]string{"rate_from_interrupted_run", "rate_from_behind_schedule_run"}},
		{"other warnings only", func(r *results.Result) {
			r.Warnings = []results.Warning{{Code: "generator_cpu_saturated", Message: "busy"}}
		}, nil},
	} {
		t.Run(c.name, func(t *testing.T) {
			path := write("r.json", c.edit)
			code, out, errOut := capRun(t, "plan", "--dau", "200000", "--from", path, "-o", "json")
			if code != ExitOK {
				t.Fatalf("exit %d: %s", code, errOut)
			}
			var doc struct {
				Warnings []struct{ Code, Message string } `json:"warnings"`
			}
			if err := json.Unmarshal([]byte(out), &doc); err != nil {
				t.Fatal(err)
			}
			var codes []string
			for _, w := range doc.Warnings {
				codes = append(codes, w.Code)
				if !strings.Contains(w.Message, "throughput of "+path) {
					t.Errorf("warning %q does not name the rate and the file", w.Message)
				}
				if !strings.Contains(errOut, "warning: "+w.Code+": ") {
					t.Errorf("stderr %q lacks warning %s", errOut, w.Code)
				}
			}
			if strings.Join(codes, ",") != strings.Join(c.codes, ",") {
				t.Errorf("got warnings %v, want %v", codes, c.codes)
			}
			if len(c.codes) == 0 && errOut != "" {
				t.Errorf("stderr: got %q, want nothing", errOut)
			}
			_, _, errText := capRun(t, "plan", "--dau", "200000", "--from", path)
			if errText != errOut {
				t.Errorf("text output's stderr %q differs from json's %q", errText, errOut)
			}
		})
	}
}

func TestCapacityFitFrom(t *testing.T) {
	var args []string
	for _, n := range []int{1, 2, 4, 8, 16, 32} {
		x := 100 * float64(n) / (1 + 0.05*float64(n-1) + 0.001*float64(n*(n-1)))
		args = append(args, "--from", capWriteResult(t, "c.json", n, x, 0, 10))
	}
	code, out, errOut := capRun(t, append(append([]string{"fit"}, args...), "-o", "json")...)
	if code != ExitOK {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	var doc struct{ Sigma, Kappa, Lambda float64 }
	if err := json.Unmarshal([]byte(out), &doc); err != nil {
		t.Fatal(err)
	}
	if math.Abs(doc.Sigma-0.05) > 1e-6 || math.Abs(doc.Kappa-0.001) > 1e-8 || math.Abs(doc.Lambda-100) > 1e-4 {
		t.Errorf("got σ=%g κ=%g λ=%g, want 0.05, 0.001, 100", doc.Sigma, doc.Kappa, doc.Lambda)
	}
	// An open-model run (no connections) cannot be part of a sweep.
	code, _, errOut = capRun(t, "fit", "--from", capWriteResult(t, "open.json", 0, 100, 0, 1))
	if code != ExitUsage || !strings.Contains(errOut, "connection") {
		t.Errorf("open-model result: exit %d, %s", code, errOut)
	}
}

func TestCapacityFitStdin(t *testing.T) {
	code, out, errOut := capRun(t, "fit", "-", "-o", "json")
	if code != ExitOK || !strings.Contains(out, `"sigma"`) {
		t.Errorf("fit -: exit %d, %s %s", code, out, errOut)
	}
}
