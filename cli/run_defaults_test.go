package cli

import (
	"fmt"
	"github.com/loadtestdev/loadtest/internal/testutil"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"

	"github.com/loadtestdev/loadtest/gate"
)

// failingFlow is a flow scenario without thresholds whose first step checks for a 200 and
// extracts a token: against a server that answers 500, every iteration fails.
const failingFlow = `name: failing-flow
rate: 10/s
duration: 1s
flows:
  - name: login
    steps:
      - name: login
        method: POST
        path: /login
        check:
          - status: 200
        extract:
          token: {json: $.token}
      - name: me
        path: /me
        headers: {Authorization: "Bearer {{ token }}"}
`

// status500Server answers every request 500.
func status500Server(t *testing.T) *httptest.Server {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Error(w, `{"error":"down"}`, http.StatusInternalServerError)
	}))
	t.Cleanup(srv.Close)
	return srv
}

// TestRunDefaultThresholds: a scenario without thresholds is gated by the default ones (source
// "default", shown as such), which the scenario's own, --threshold and --no-thresholds replace.
func TestRunDefaultThresholds(t *testing.T) {
	t.Parallel()
	broken := status500Server(t)
	ok, _ := countingServer(t)
	flow, plain := writeScenario(t, failingFlow), writeScenario(t, twoRequests)
	tests := []struct {
		name       string
		args       []string
		wantCode   int
		wantExprs  []string // the thresholds recorded, in order
		wantSource string
		wantErr    []string // in stderr
	}{
		{"flow whose every iteration fails: both defaults breached", []string{flow, "--target", broken.URL},
			ExitThresholds, []string{gate.DefaultErrors, gate.DefaultChecks}, gate.SourceDefault,
			[]string{"2 of 2 thresholds breached", "errors<1% (default, measured 100 %)", "checks>99% (default, measured 0 %)"}},
		{"request scenario against a broken server", []string{plain, "--target", broken.URL},
			ExitThresholds, []string{gate.DefaultErrors}, gate.SourceDefault, []string{"errors<1% (default, measured 100 %)"}},
		{"request scenario that works passes", []string{plain, "--target", ok.URL},
			ExitOK, []string{gate.DefaultErrors}, gate.SourceDefault, nil},
		{"--threshold replaces the defaults", []string{flow, "--target", broken.URL, "--threshold", "requests>=1"},
			ExitOK, []string{"requests>=1"}, gate.SourceFlag, nil},
		{"--no-thresholds drops them", []string{flow, "--target", broken.URL, "--no-thresholds"},
			ExitFailure, nil, "", []string{"no request succeeded (10 sent; 10 iterations, 10 failed"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out := filepath.Join(t.TempDir(), "r.json")
			args := append([]string{"run", "--rate", "10/s", "--duration", "1s", "--seed", "5", "--out", out}, tt.args...)
			code, stdout, errOut := runCLI(t, args...)
			if code != tt.wantCode {
				t.Fatalf("exit code = %d, want %d; stderr %q", code, tt.wantCode, errOut)
			}
			for _, w := range tt.wantErr {
				if !strings.Contains(errOut, w) {
					t.Errorf("stderr = %q, want it to contain %q", errOut, w)
				}
			}
			r := readResult(t, out)
			var exprs []string
			for _, th := range r.Thresholds {
				exprs = append(exprs, th.Expression)
				if th.Source != tt.wantSource {
					t.Errorf("threshold %s has source %q, want %q", th.Expression, th.Source, tt.wantSource)
				}
			}
			if fmt.Sprint(exprs) != fmt.Sprint(tt.wantExprs) {
				t.Errorf("thresholds = %v, want %v", exprs, tt.wantExprs)
			}
			if tt.wantSource == gate.SourceDefault && !strings.Contains(stdout, "Thresholds of source default") {
				t.Errorf("the summary does not say the thresholds are defaults:\n%s", stdout)
			}
		})
	}
}

// TestRunNoSuccessCountsAgreeWithResult: in a flow run whose requests never complete (cut short
// at the end), the summary and the message give the sent requests the result file records,
// not the completed ones as "sent"; and a threshold on a statistic with no sample says "no
// data" and fails.
func TestRunNoSuccessCountsAgreeWithResult(t *testing.T) {
	t.Parallel()
	const hang = `name: hang
rate: 5/s
duration: 1s
timeout: 30s
flows:
  - name: f
    steps:
      - name: s1
        path: /x
`
	addr, _ := testutil.SilentListener(t) // accepts and never answers
	target := "http://" + addr
	sc := writeScenario(t, hang)
	t.Run("no thresholds", func(t *testing.T) {
		t.Parallel()
		out := filepath.Join(t.TempDir(), "r.json")
		code, stdout, errOut := runCLI(t, "run", sc, "--target", target, "--no-thresholds", "--out", out)
		if code != ExitFailure {
			t.Fatalf("exit code = %d, want 1; stderr %q", code, errOut)
		}
		r := readResult(t, out)
		if r.Sent != 5 || r.Requests >= r.Sent {
			t.Fatalf("sent %d requests %d, want 5 sent and fewer completed", r.Sent, r.Requests)
		}
		want := fmt.Sprintf("no request succeeded (5 sent, %d completed; 5 iterations, 5 failed", r.Requests)
		if !strings.Contains(errOut, want) {
			t.Errorf("stderr = %q, want %q", errOut, want)
		}
		if !strings.Contains(stdout, fmt.Sprintf("│ 5 (%d did not complete) │", 5-r.Requests)) {
			t.Errorf("the summary does not show the 5 sent requests:\n%s", stdout)
		}
	})
	t.Run("no data", func(t *testing.T) {
		t.Parallel()
		out := filepath.Join(t.TempDir(), "r.json")
		code, stdout, errOut := runCLI(t, "run", sc, "--target", target, "--threshold", "f.iteration.p99<1s", "--out", out)
		if code != ExitThresholds {
			t.Fatalf("exit code = %d, want 99; stderr %q", code, errOut)
		}
		r := readResult(t, out)
		if len(r.Thresholds) != 1 || !r.Thresholds[0].NoData || r.Thresholds[0].Passed {
			t.Errorf("thresholds = %+v, want f.iteration.p99<1s failed with no data", r.Thresholds)
		}
		if !strings.Contains(errOut, "f.iteration.p99<1s (no data") || !strings.Contains(stdout, "no data") || strings.Contains(errOut, "measured 0") {
			t.Errorf("stdout or stderr do not say no data:\n%s\n%s", stdout, errOut)
		}
	})
}

// TestCoordinatedRunDefaultThresholds: a coordinated run of a scenario without thresholds is
// gated by the defaults on the merged result, where the coordinator evaluates thresholds.
func TestCoordinatedRunDefaultThresholds(t *testing.T) {
	broken := status500Server(t)
	sc := writeScenario(t, "rate: 20/s\nduration: 1s\nrequests: [{name: a, path: /a}]\n")
	addr, err := freeLoopbackAddr()
	if err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(t.TempDir(), "merged.json")
	common := []string{"run", sc, "--target", broken.URL, "--seed", "7", "--cluster-token", "tok"}
	shardDone := make(chan string, 1)
	go func() {
		_, _, e := runCLI(t, append(common, "--shard", "1/2", "--coordinator", addr)...)
		shardDone <- e
	}()
	code, stdout, errOut := runCLI(t, append(common, "--shard", "0/2", "--coordinate", addr, "--out", out)...)
	<-shardDone
	if code != ExitThresholds || !strings.Contains(errOut, "errors<1% (default, measured 100 %)") {
		t.Fatalf("coordinator: got exit code %d, stderr %q; want 99 naming the default errors<1%%", code, errOut)
	}
	r := readResult(t, out)
	if len(r.Coordination.Shards) != 2 || len(r.Thresholds) != 1 || r.Thresholds[0].Source != gate.SourceDefault || r.Thresholds[0].Passed {
		t.Errorf("merged result: %d shards, thresholds %+v; want 2 shards and the default errors<1%% failed", len(r.Coordination.Shards), r.Thresholds)
	}
	if !strings.Contains(stdout, "default") {
		t.Errorf("the merged summary does not show the default threshold:\n%s", stdout)
	}
}
