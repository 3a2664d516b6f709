package cli

import (
	"net"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"
)

func TestRunMetricsBadFlags(t *testing.T) {
	srv, served := countingServer(t)
	sc := writeScenario(t, twoRequests)
	tests := []struct {
		name string
		args []string
		want string
	}{
		{"no port", []string{"--metrics-listen", "9464"}, "--metrics-listen"},
		{"port not a number", []string{"--metrics-listen", "127.0.0.1:http-alt"}, "--metrics-listen"},
		{"port out of range", []string{"--metrics-listen", "127.0.0.1:70000"}, "from 0 to 65535"},
		{"address of another host", []string{"--metrics-listen", "192.0.2.1:9464"}, "--metrics-listen 192.0.2.1:9464"},
		{"negative linger", []string{"--metrics-listen", "127.0.0.1:0", "--metrics-linger", "-1s"}, "--metrics-linger"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			args := append([]string{"run", sc, "--target", srv.URL, "-q"}, tt.args...)
			code, _, errOut := runCLI(t, args...)
			if code != ExitUsage {
				t.Errorf("exit code = %d, want %d (stderr %q)", code, ExitUsage, errOut)
			}
			if !strings.Contains(errOut, tt.want) {
				t.Errorf("stderr = %q, want it to name %q", errOut, tt.want)
			}
		})
	}
	if n := served.Load(); n != 0 {
		t.Errorf("the server got %d requests, want none: bad input stops a run before any load", n)
	}
}

func TestRunMetricsAddressInUse(t *testing.T) {
	srv, served := countingServer(t)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	code, _, errOut := runCLI(t, "run", writeScenario(t, twoRequests), "--target", srv.URL, "-q", "--metrics-listen", ln.Addr().String())
	if code != ExitFailure {
		t.Errorf("exit code = %d, want %d (stderr %q)", code, ExitFailure, errOut)
	}
	if want := "--metrics-listen " + ln.Addr().String() + ": the address is in use"; !strings.Contains(errOut, want) {
		t.Errorf("stderr = %q, want %q", errOut, want)
	}
	if n := served.Load(); n != 0 {
		t.Errorf("the server got %d requests, want none: the address is bound before any load", n)
	}
}

var servingRE = regexp.MustCompile(`metrics: serving (http://\S+/metrics)\n`)

// metricsRun is `loadtest run ... --metrics-listen 127.0.0.1:0` running in-process, with its
// metrics URL.
type metricsRun struct {
	url     string
	errOut  *syncBuffer
	signals *fakeSignals
	code    chan int
}

// startMetricsRun starts the command and waits for its metrics address.
func startMetricsRun(t *testing.T, args ...string) *metricsRun {
	t.Helper()
	mr := &metricsRun{errOut: &syncBuffer{}, signals: newFakeSignals(), code: make(chan int, 1)}
	go func() {
		var out syncBuffer
		mr.code <- Execute(NewRootCmd(mr.signals.streams(&out, mr.errOut)), append(args, "--metrics-listen", "127.0.0.1:0"))
	}()
	waitFor(t, 30*time.Second, "the metrics address on stderr", func() bool {
		m := servingRE.FindStringSubmatch(mr.errOut.String())
		if m != nil {
			mr.url = m[1]
		}
		return m != nil
	})
	t.Cleanup(func() {
		select {
		case <-mr.code:
		default:
			mr.signals.send(t, syscall.SIGINT)
			<-mr.code
		}
	})
	return mr
}

func waitFor(t *testing.T, limit time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(limit)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("gave up waiting %s for %s", limit, what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// scrape reads the text exposition at url.
func scrape(t *testing.T, url string) map[string]*familyText {
	t.Helper()
	fams := metricFamilies(t, url)
	out := map[string]*familyText{}
	for name, f := range fams {
		ft := &familyText{}
		for _, m := range f.GetMetric() {
			ft.sum += m.GetCounter().GetValue() + m.GetGauge().GetValue()
			ft.labels = append(ft.labels, map[string]string{})
			for _, l := range m.GetLabel() {
				ft.labels[len(ft.labels)-1][l.GetName()] = l.GetValue()
			}
		}
		out[name] = ft
	}
	return out
}

// familyText is a scraped family: the sum of its counter and gauge values, and each series' labels.
type familyText struct {
	sum    float64
	labels []map[string]string
}

// TestRunMetricsServeTheRunThenLinger: the exposition is up from before the first request
// (with the run's info), the linger serves the result file's counts, and Ctrl-C ends the
// linger at once with the run's own exit code.
func TestRunMetricsServeTheRunThenLinger(t *testing.T) {
	srv, _ := countingServer(t)
	out := filepath.Join(t.TempDir(), "r.json")
	mr := startMetricsRun(t, "run", writeScenario(t, twoRequests), "--target", srv.URL, "-q", "--seed", "7",
		"--duration", "1500ms", "--out", out, "--metrics-linger", "10m")
	info := scrape(t, mr.url)["loadtest_run_info"]
	if info == nil || len(info.labels) != 1 || info.labels[0]["scenario"] != "two" || info.labels[0]["seed"] != "7" || info.labels[0]["target"] != srv.URL {
		t.Fatalf("loadtest_run_info during the run: got %+v, want scenario two, seed 7, target %s", info, srv.URL)
	}
	waitFor(t, 60*time.Second, "the linger", func() bool { return strings.Contains(mr.errOut.String(), "serving the final figures") })
	r := readResult(t, out)
	fams := scrape(t, mr.url)
	if got := fams["loadtest_requests_total"]; got == nil || got.sum != float64(r.Requests) || r.Requests == 0 {
		t.Errorf("loadtest_requests_total after the run: got %+v, want a sum of the result's %d requests", got, r.Requests)
	}
	if got := fams["loadtest_rate_target"]; got == nil || got.sum != 0 {
		t.Errorf("loadtest_rate_target after the run: got %+v, want 0", got)
	}
	if got := fams["loadtest_run_info"]; got == nil || got.labels[0]["version"] != version() {
		t.Errorf("loadtest_run_info: got %+v, want version %s", got, version())
	}
	begin := time.Now()
	mr.signals.send(t, syscall.SIGINT)
	var code int
	select {
	case code = <-mr.code:
	case <-time.After(time.Minute):
		t.Fatal("Ctrl-C did not end the 10m linger")
	}
	mr.code <- code // for the cleanup
	if code != ExitOK {
		t.Errorf("exit code %d after Ctrl-C in the linger, want %d (the run was whole); stderr:\n%s", code, ExitOK, mr.errOut.String())
	}
	if _, err := http.Get(mr.url); err == nil {
		t.Errorf("%s still answers after the command returned (%s after Ctrl-C)", mr.url, time.Since(begin))
	}
	if _, err := os.Stat(out); err != nil {
		t.Error(err)
	}
}

// TestRunMetricsInterruptedRunDoesNotLinger: Ctrl-C during the run stops it as without
// --metrics-listen (exit 130, the result written) and the server does not linger.
func TestRunMetricsInterruptedRunDoesNotLinger(t *testing.T) {
	srv, served := countingServer(t)
	out := filepath.Join(t.TempDir(), "r.json")
	mr := startMetricsRun(t, "run", writeScenario(t, twoRequests), "--target", srv.URL, "-q",
		"--duration", "5m", "--out", out, "--metrics-linger", "10m")
	waitFor(t, time.Minute, "a scrape that shows requests", func() bool {
		f := scrape(t, mr.url)["loadtest_requests_total"]
		return served.Load() > 0 && f != nil && f.sum > 0
	})
	mr.signals.send(t, syscall.SIGINT)
	var code int
	select {
	case code = <-mr.code:
	case <-time.After(time.Minute):
		t.Fatal("Ctrl-C did not end the run")
	}
	mr.code <- code // for the cleanup
	if code != ExitInterrupted {
		t.Errorf("exit code %d, want %d; stderr:\n%s", code, ExitInterrupted, mr.errOut.String())
	}
	if strings.Contains(mr.errOut.String(), "serving the final figures") {
		t.Errorf("an interrupted run lingered; stderr:\n%s", mr.errOut.String())
	}
	if r := readResult(t, out); !r.Interrupted || r.Requests == 0 {
		t.Errorf("result: interrupted %v with %d requests, want an interrupted result with some", r.Interrupted, r.Requests)
	}
}
