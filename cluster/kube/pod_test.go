package kube

import (
	"bytes"
	"context"
	"io"
	"os"
	"strings"
	"testing"
)

// fakeRun plays `loadtest run`: it records its arguments, prints a summary, writes {"ok":1}
// to --out when given, and exits with code.
func fakeRun(code int, got *[]string) func(context.Context, []string, io.Writer) int {
	return func(_ context.Context, args []string, out io.Writer) int {
		*got = args
		io.WriteString(out, "summary\n")
		for i, a := range args {
			if a == "--out" {
				os.WriteFile(args[i+1], []byte(`{"ok":1}`), 0o644)
			}
		}
		return code
	}
}

func TestRunPod(t *testing.T) {
	tests := []struct {
		name        string
		index, code int
		wantCode    int
		wantArgs    string
		wantResult  bool
		wantErrOut  string
	}{
		{"shard 0 prints its result", 0, 0, 0, "run echo --coordinate :7946 --out", true, ""},
		{"shard 0's breach is the verdict", 0, 99, 99, "run echo --coordinate :7946 --out", true, ""},
		{"another shard's breach is not", 2, 99, 0, "run echo --coordinator c:7946", false, "shard 2: thresholds breached on this shard's share"},
		{"another shard failing", 1, 1, 1, "run echo --coordinator c:7946", false, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var args []string
			var out, errOut bytes.Buffer
			code, err := RunPod(context.Background(), PodOptions{Index: tt.index, Coordinate: ":7946", Coordinator: "c:7946",
				RunArgs: []string{"run", "echo"}, Run: fakeRun(tt.code, &args), Out: &out, ErrOut: &errOut})
			if err != nil || code != tt.wantCode {
				t.Fatalf("got %d, %v; want %d", code, err, tt.wantCode)
			}
			if got := strings.Join(args, " "); !strings.HasPrefix(got, tt.wantArgs) {
				t.Errorf("run got %q, want %q...", got, tt.wantArgs)
			}
			if !strings.Contains(errOut.String(), tt.wantErrOut) {
				t.Errorf("stderr %q, want %q", errOut.String(), tt.wantErrOut)
			}
			if !tt.wantResult {
				if out.String() != "summary\n" {
					t.Errorf("stdout %q, want the run's own output", out.String())
				}
				return
			}
			pr, err := ReadResult(strings.NewReader(out.String()), func(string) {}, func() {})
			if err != nil || pr.ExitCode != tt.code || string(pr.Result) != `{"ok":1}` {
				t.Errorf("read back %+v, %v; want code %d and the result", pr, err, tt.code)
			}
			if !strings.HasSuffix(out.String(), "summary\n") {
				t.Errorf("stdout %q does not end with the summary", out.String())
			}
		})
	}
}
