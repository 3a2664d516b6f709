package cli

import (
	"net"
	"strings"
	"testing"
	"time"
)

// TestCoordinatedMetricsListenInUse: --metrics-listen on an address in use fails a coordinated
// run at once, as it fails a plain run: exit 1 naming the address, not a wait for the whole
// --join-timeout that then blames a shard. Both roles, the coordinator and a joining shard.
func TestCoordinatedMetricsListenInUse(t *testing.T) {
	busy, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer busy.Close()
	srv, served := countingServer(t)
	sc := writeScenario(t, "rate: 20/s\nduration: 1s\nrequests: [{name: a, path: /a}]\n")
	addr, err := freeLoopbackAddr()
	if err != nil {
		t.Fatal(err)
	}
	common := []string{"run", sc, "--target", srv.URL, "--seed", "7", "--cluster-token", "tok", "--no-thresholds",
		"--metrics-listen", busy.Addr().String(), "--join-timeout", "2m"}
	tests := []struct {
		name string
		role []string
	}{
		{"coordinator", []string{"--shard", "0/2", "--coordinate", addr}},
		{"joining shard", []string{"--shard", "1/2", "--coordinator", addr}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			type ran struct {
				code   int
				errOut string
			}
			done := make(chan ran, 1)
			go func() {
				code, _, errOut := runCLI(t, append(common, tt.role...)...)
				done <- ran{code, errOut}
			}()
			var got ran
			select {
			case got = <-done:
			case <-time.After(time.Minute): // generous: the bug waited the whole 2m --join-timeout
				t.Fatal("still running after a minute, want it to fail at once on the address in use")
			}
			want := "--metrics-listen " + busy.Addr().String() + ": the address is in use"
			if got.code != ExitFailure || !strings.Contains(got.errOut, want) || strings.Contains(got.errOut, "did not join") {
				t.Errorf("got exit code %d, stderr %q; want 1 and %q", got.code, got.errOut, want)
			}
			if strings.Contains(got.errOut, "coordinating") {
				t.Errorf("got stderr %q, want the run to fail before it coordinates", got.errOut)
			}
		})
	}
	if served.Load() != 0 {
		t.Errorf("the server saw %d requests, want none", served.Load())
	}
}
