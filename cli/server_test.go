package cli

import (
	"bufio"
	"bytes"
	"context"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestServerProcess is the child of TestServerSIGTERM: it runs `loadtest server` with the
// arguments in LOADTEST_SERVER_CHILD_ARGS and exits with its code.
func TestServerProcess(t *testing.T) {
	args := os.Getenv("LOADTEST_SERVER_CHILD_ARGS")
	if args == "" {
		t.Skip("runs only as the child process of TestServerSIGTERM")
	}
	os.Exit(Execute(NewRootCmd(&IOStreams{In: os.Stdin, Out: os.Stdout, ErrOut: os.Stderr}), strings.Split(args, "\x1f")))
}

// TestServerSIGTERM starts `loadtest server --addr 127.0.0.1:0` as a process, reads its one
// stdout line, and sends SIGTERM while /delay/1s is in flight: the request completes with 200
// and the process exits 0.
func TestServerSIGTERM(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a process")
	}
	db := "sqlite://" + filepath.Join(t.TempDir(), "cli.db")
	args := []string{"server", "--addr", "127.0.0.1:0", "--db", db, "--users", "20", "--secret", "s3cret"}
	cmd := exec.Command(os.Args[0], "-test.run=^TestServerProcess$")
	cmd.Env = append(os.Environ(), "LOADTEST_SERVER_CHILD_ARGS="+strings.Join(args, "\x1f"))
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer cmd.Process.Kill()

	lines := bufio.NewReader(stdout)
	lineCh := make(chan string, 1)
	go func() { l, _ := lines.ReadString('\n'); lineCh <- l }()
	var line string
	select {
	case line = <-lineCh:
	case <-time.After(30 * time.Second):
		t.Fatalf("no listening line after 30s; stderr: %s", stderr.String())
	}
	m := regexp.MustCompile(`^listening on (http://127\.0\.0\.1:\d+)\n$`).FindStringSubmatch(line)
	if m == nil {
		t.Fatalf("got first line %q, want \"listening on http://127.0.0.1:PORT\"; stderr: %s", line, stderr.String())
	}
	base := m[1]

	type result struct {
		code int
		body string
		err  error
	}
	got := make(chan result, 1)
	go func() {
		resp, err := http.Get(base + "/delay/1s")
		if err != nil {
			got <- result{err: err}
			return
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		got <- result{code: resp.StatusCode, body: string(body)}
	}()
	time.Sleep(300 * time.Millisecond) // let the request arrive
	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	r := <-got
	if r.err != nil || r.code != 200 || r.body != "ok" {
		t.Errorf("in-flight /delay/1s: got %d %q %v, want 200 ok", r.code, r.body, r.err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	waited := make(chan error, 1)
	go func() { rest, _ := io.ReadAll(lines); _ = rest; waited <- cmd.Wait() }()
	select {
	case err := <-waited:
		if err != nil {
			t.Errorf("process exit: %v, want 0; stderr: %s", err, stderr.String())
		}
	case <-ctx.Done():
		t.Fatal("process did not exit within 10s of SIGTERM")
	}
}

func TestServerFlagErrors(t *testing.T) {
	tests := []struct {
		name string
		args []string
		want string
	}{
		{"negative users", []string{"server", "--users", "-1"}, "--users"},
		{"bad addr", []string{"server", "--addr", "nowhere"}, "--addr"},
		{"short write timeout", []string{"server", "--write-timeout", "5s"}, "--write-timeout"},
		{"extra argument", []string{"server", "extra"}, "unknown command"},
		{"bad db url", []string{"server", "--db", "oracle://x"}, "want sqlite://PATH"},
		{"bad cache url", []string{"server", "--cache", "memcached://x"}, "want memory or redis"},
		{"zero workers", []string{"server", "--workers", "0"}, "--workers must be at least 1"},
		{"zero task queue", []string{"server", "--task-queue-max", "0"}, "--task-queue-max must be at least 1"},
		{"task time without unit", []string{"server", "--task-time", "200"}, `invalid argument "200" for "--task-time" flag: task times "200": item "200": want a duration`},
		{"task time of an unknown kind", []string{"server", "--task-time", "video=1s"}, `--task-time" flag: task times "video=1s": unknown kind "video": want one of avatar, rcmd, sms`},
		{"task time zero", []string{"server", "--task-time", "rcmd=0s"}, "--task-time"},
		{"unknown task time distribution", []string{"server", "--task-time-dist", "normal"}, `--task-time-dist "normal": want fixed or exp`},
		{"task result ttl zero", []string{"server", "--task-result-ttl", "0s"}, "--task-result-ttl must be positive"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var out, errOut bytes.Buffer
			code := Execute(NewRootCmd(&IOStreams{In: strings.NewReader(""), Out: &out, ErrOut: &errOut}), tt.args)
			if code != ExitUsage || !strings.Contains(errOut.String(), tt.want) {
				t.Errorf("got exit %d, stderr %q; want exit 2 naming %q", code, errOut.String(), tt.want)
			}
			if out.Len() != 0 {
				t.Errorf("got stdout %q, want nothing", out.String())
			}
		})
	}
}
