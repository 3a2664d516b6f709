package cli

import (
	"crypto/tls"
	"io"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/loadtestdev/loadtest/internal/testcert"
)

// TestRunEchoHTTP2BundledServer is issue 20's case: `loadtest run echo --http2` against the
// bundled server failed every request ("frame header looked like an HTTP/1.1 header"); the
// server now speaks h2c, so every request succeeds.
func TestRunEchoHTTP2BundledServer(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the binary with its bundled server")
	}
	out := filepath.Join(t.TempDir(), "r.json")
	runBinary(t, 90*time.Second, "run", "echo", "--http2", "--rate", "50/s", "--duration", "1s", "--quiet", "--out", out)
	r := readResult(t, out)
	if r.Requests == 0 || r.Successes != r.Requests {
		t.Errorf("successes %d of %d, want all; errors %+v", r.Successes, r.Requests, r.Errors)
	}
}

// TestServerHTTPSAndH2C: with --tls-cert and --tls-key the server says https:// and serves
// h2 by ALPN to a client that trusts the CA; without them it serves h2c with prior knowledge.
func TestServerHTTPSAndH2C(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the server binary")
	}
	ca := testcert.NewCA(t, "staging")
	leaf := ca.Issue(t, "server", testcert.LeafOptions{Names: []string{"127.0.0.1"}})
	secure := startReferenceServer(t, "s", "--users", "10", "--tls-cert", leaf.CertFile, "--tls-key", leaf.KeyFile)
	if !strings.HasPrefix(secure, "https://") {
		t.Fatalf("server says it listens on %s, want https://", secure)
	}
	h2 := &http.Transport{TLSClientConfig: &tls.Config{RootCAs: ca.Pool()}, ForceAttemptHTTP2: true}
	expectProto(t, h2, secure+"/echo", 2)
	expectProto(t, &http.Transport{TLSClientConfig: &tls.Config{RootCAs: ca.Pool()}, TLSNextProto: map[string]func(string, *tls.Conn) http.RoundTripper{}}, secure+"/echo", 1)

	plain := startReferenceServer(t, "s", "--users", "10")
	h2c := &http.Transport{Protocols: new(http.Protocols)}
	h2c.Protocols.SetUnencryptedHTTP2(true)
	expectProto(t, h2c, plain+"/echo", 2)
	expectProto(t, &http.Transport{}, plain+"/echo", 1)

	// the load and the host sampling's GET /stats both trust the CA of --ca-cert
	out := filepath.Join(t.TempDir(), "r.json")
	code, _, stderr := runCLI(t, "run", "echo", "--target", secure, "--rate", "20/s", "--duration", "1s", "--quiet", "--ca-cert", ca.File, "--http2", "--out", out)
	if code != ExitOK {
		t.Fatalf("run against the https server with --ca-cert: exit %d, want 0\n%s", code, stderr)
	}
	if r := readResult(t, out); r.Host == nil || r.Host.Server == nil || len(r.Host.Server.Samples) == 0 {
		t.Errorf("the https server's /stats was not sampled; stderr:\n%s", stderr)
	}
}

func expectProto(t *testing.T, tr *http.Transport, url string, major int) {
	t.Helper()
	defer tr.CloseIdleConnections()
	resp, err := (&http.Client{Transport: tr, Timeout: 10 * time.Second}).Get(url)
	if err != nil {
		t.Fatalf("GET %s: %v", url, err)
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || resp.ProtoMajor != major {
		t.Errorf("GET %s: %s over HTTP/%d, want 200 over HTTP/%d", url, resp.Status, resp.ProtoMajor, major)
	}
}

// TestServerTLSFlagErrors: --tls-cert and --tls-key go together and must be a key pair; any
// fault exits 2 naming the flag and the file.
func TestServerTLSFlagErrors(t *testing.T) {
	ca := testcert.NewCA(t, "staging")
	leaf := ca.Issue(t, "server", testcert.LeafOptions{Names: []string{"127.0.0.1"}})
	other := ca.Issue(t, "other", testcert.LeafOptions{Names: []string{"127.0.0.1"}})
	missing := filepath.Join(t.TempDir(), "missing.pem")
	tests := []struct {
		name string
		args []string
		want []string
	}{
		{"cert without key", []string{"--tls-cert", leaf.CertFile}, []string{"--tls-cert", "needs --tls-key"}},
		{"key without cert", []string{"--tls-key", leaf.KeyFile}, []string{"--tls-key", "needs --tls-cert"}},
		{"missing cert", []string{"--tls-cert", missing, "--tls-key", leaf.KeyFile}, []string{"--tls-cert " + missing, "no such file"}},
		{"key of another cert", []string{"--tls-cert", leaf.CertFile, "--tls-key", other.KeyFile}, []string{leaf.CertFile, other.KeyFile, "private key does not match"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, out, errOut := runCLI(t, append([]string{"server", "--addr", "127.0.0.1:0"}, tt.args...)...)
			if code != ExitUsage || out != "" {
				t.Fatalf("exit %d, stdout %q; want 2 and nothing\nstderr:\n%s", code, out, errOut)
			}
			for _, w := range tt.want {
				if !strings.Contains(errOut, w) {
					t.Errorf("stderr lacks %q:\n%s", w, errOut)
				}
			}
		})
	}
}
