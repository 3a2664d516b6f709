package childproc

import (
	"bufio"
	"os"
	"os/exec"
	"os/signal"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestMain lets the test binary be its own child: CHILDPROC_MODE=term exits 0 on SIGTERM,
// =ignore ignores it, =exit3 exits 3 at once.
func TestMain(m *testing.M) {
	switch os.Getenv("CHILDPROC_MODE") {
	case "":
		os.Exit(m.Run())
	case "exit3":
		os.Stderr.WriteString(strings.Repeat("x", 100) + "the end")
		os.Exit(3)
	case "term":
		c := make(chan os.Signal, 1)
		signal.Notify(c, syscall.SIGTERM)
		os.Stdout.WriteString("ready\n")
		<-c
		os.Exit(0)
	case "ignore":
		signal.Ignore(syscall.SIGTERM)
		os.Stdout.WriteString("ready\n")
		time.Sleep(time.Minute)
		os.Exit(0)
	}
}

func child(t *testing.T, mode string) *exec.Cmd {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), "CHILDPROC_MODE="+mode)
	return cmd
}

func TestStopAndExitCode(t *testing.T) {
	tests := []struct {
		name       string
		mode       string
		timeout    time.Duration
		wantKilled bool
		wantCode   int
	}{
		{"exits on its own", "exit3", 10 * time.Second, false, 3},
		{"stops on SIGTERM", "term", 10 * time.Second, false, 0},
		{"killed after the timeout", "ignore", 200 * time.Millisecond, true, -1},
		{"killed at once", "term", 0, true, -1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cmd := child(t, tt.mode)
			tail := &TailBuffer{Max: 7}
			cmd.Stderr = tail
			stdout, err := cmd.StdoutPipe()
			if err != nil {
				t.Fatal(err)
			}
			p, err := Start(cmd)
			if err != nil {
				t.Fatal(err)
			}
			if tt.mode == "exit3" {
				<-p.Exited()
			} else if _, err := bufio.NewReader(stdout).ReadString('\n'); err != nil {
				t.Fatalf("the child never said it was ready: %v", err) // its SIGTERM handler is set
			}
			if killed := p.Stop(tt.timeout); killed != tt.wantKilled {
				t.Errorf("killed %v, want %v", killed, tt.wantKilled)
			}
			if got := p.ExitCode(); got != tt.wantCode {
				t.Errorf("exit code %d, want %d", got, tt.wantCode)
			}
			if tt.mode == "exit3" && tail.String() != "the end" {
				t.Errorf("tail %q, want %q", tail.String(), "the end")
			}
		})
	}
}

func TestStartFails(t *testing.T) {
	if _, err := Start(exec.Command("/nonexistent/loadtest")); err == nil {
		t.Fatal("got no error starting a missing binary")
	}
}
func TestTailBuffer(t *testing.T) {
	tests := []struct {
		name   string
		max    int
		writes []string
		want   string
	}{
		{"under the size", 8, []string{"abc", "de"}, "abcde"},
		{"exactly the size", 5, []string{"abc", "de"}, "abcde"},
		{"keeps the last bytes", 4, []string{"abc", "defg"}, "defg"},
		{"one long write", 3, []string{"0123456789"}, "789"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b := &TailBuffer{Max: tt.max}
			for _, w := range tt.writes {
				if n, err := b.Write([]byte(w)); n != len(w) || err != nil {
					t.Fatalf("Write(%q) = %d, %v; want %d, nil", w, n, err, len(w))
				}
			}
			if got := b.String(); got != tt.want {
				t.Errorf("got %q, want %q", got, tt.want)
			}
		})
	}
}

// fakeServer writes a shell script that plays the bundled server: it prints script (with
// $URL the given URL) and then reads stdin until EOF, as --stop-on-stdin-eof does.
