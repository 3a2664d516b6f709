package cli

import (
	"crypto/tls"
	"fmt"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/loadtestdev/loadtest/engine"
	"github.com/loadtestdev/loadtest/internal/testcert"
)

// httpsServer starts an https server on 127.0.0.1 with a certificate of ca; with clientCA it
// demands a client certificate signed by it.
func httpsServer(t *testing.T, ca, clientCA *testcert.CA) string {
	t.Helper()
	leaf := ca.Issue(t, "server", testcert.LeafOptions{Names: []string{"127.0.0.1"}})
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = w.Write([]byte(`{"ok": true}`))
	}))
	srv.TLS = &tls.Config{Certificates: []tls.Certificate{leaf.TLS}}
	srv.Config.ErrorLog = log.New(io.Discard, "", 0) // the failed handshakes the test makes
	if clientCA != nil {
		srv.TLS.ClientAuth, srv.TLS.ClientCAs = tls.RequireAndVerifyClientCert, clientCA.Pool()
	}
	srv.StartTLS()
	t.Cleanup(srv.Close)
	return srv.URL
}

// TestRunTLSFlagsAndField runs a scenario against local https servers whose CA the test made:
// without trust the run fails with class tls and the reason; --ca-cert, --insecure or the
// scenario's tls field (files relative to the scenario) make it pass; mTLS needs the client
// certificate; a flow's steps use the same TLS options.
func TestRunTLSFlagsAndField(t *testing.T) {
	ca := testcert.NewCA(t, "staging")
	clientCA := testcert.NewCA(t, "clients")
	client := clientCA.Issue(t, "client", testcert.LeafOptions{Client: true})
	plain, mtls := httpsServer(t, ca, nil), httpsServer(t, ca, clientCA)
	caPEM, err := os.ReadFile(ca.File)
	if err != nil {
		t.Fatal(err)
	}
	requests := "requests: [{path: /x}]\n"
	flow := "flows:\n  - name: f\n    steps:\n      - {name: a, path: /a, check: [{status: 200}]}\n      - {name: b, path: /b, check: [{json: $.ok, equals: true}]}\n"
	tests := []struct {
		name     string
		target   string
		body     string // the scenario after its target and rate
		args     []string
		wantCode int
		want     string // in stdout or stderr
	}{
		{"unknown authority", plain, requests, nil, ExitThresholds, "unknown authority"},
		{"ca cert flag", plain, requests, []string{"--ca-cert", ca.File}, ExitOK, ""},
		{"insecure flag", plain, requests, []string{"--insecure"}, ExitOK, ""},
		{"scenario field", plain, requests + "tls: {ca_cert: ca.pem}\n", nil, ExitOK, ""},
		{"scenario insecure", plain, requests + "tls: {insecure: true}\n", nil, ExitOK, ""},
		{"flag replaces field", plain, requests + "tls: {insecure: false}\n", []string{"--insecure"}, ExitOK, ""},
		{"mtls with client cert", mtls, requests, []string{"--ca-cert", ca.File, "--client-cert", client.CertFile, "--client-key", client.KeyFile}, ExitOK, ""},
		{"mtls without client cert", mtls, requests, []string{"--ca-cert", ca.File}, ExitThresholds, "client certificate"},
		{"flow with field", mtls, flow + fmt.Sprintf("tls: {ca_cert: ca.pem, client_cert: %s, client_key: %s}\n", client.CertFile, client.KeyFile), nil, ExitOK, ""},
		{"flow untrusted", plain, flow, nil, ExitThresholds, "unknown authority"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := writeScenario(t, fmt.Sprintf("target: %s\nrate: 20/s\nduration: 500ms\n%s", tt.target, tt.body))
			if err := os.WriteFile(filepath.Join(filepath.Dir(path), "ca.pem"), caPEM, 0o600); err != nil {
				t.Fatal(err)
			}
			out := filepath.Join(t.TempDir(), "r.json")
			args := append([]string{"run", path, "--quiet", "--server-stats=false", "--out", out}, tt.args...)
			code, stdout, stderr := runCLI(t, args...)
			if code != tt.wantCode {
				t.Fatalf("exit %d, want %d\nstdout:\n%s\nstderr:\n%s", code, tt.wantCode, stdout, stderr)
			}
			r := readResult(t, out)
			if tt.want == "" {
				if r.Requests == 0 || r.Successes != r.Requests {
					t.Errorf("successes %d of %d, want all; errors %+v", r.Successes, r.Requests, r.Errors)
				}
				return
			}
			if len(r.Errors) == 0 || r.Errors[0].Class != engine.ClassTLS || !strings.Contains(r.Errors[0].Message, tt.want) {
				t.Errorf("errors %+v, want class tls naming %q", r.Errors, tt.want)
			}
			if !strings.Contains(stdout+stderr, tt.want) {
				t.Errorf("output does not say %q\nstdout:\n%s\nstderr:\n%s", tt.want, stdout, stderr)
			}
		})
	}
}

// TestRunTLSBadFiles: a TLS file that cannot be used is bad input (exit 2) naming the flag or
// the scenario field, and the file.
func TestRunTLSBadFiles(t *testing.T) {
	ca := testcert.NewCA(t, "staging")
	client := ca.Issue(t, "client", testcert.LeafOptions{Client: true})
	dir := t.TempDir()
	missing := filepath.Join(dir, "missing.pem")
	notPEM := filepath.Join(dir, "notes.txt")
	if err := os.WriteFile(notPEM, []byte("hello"), 0o600); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name  string
		field string // the scenario's tls field, if any
		args  []string
		want  []string
	}{
		{"missing ca flag", "", []string{"--ca-cert", missing}, []string{"--ca-cert", missing}},
		{"ca flag not pem", "", []string{"--ca-cert", notPEM}, []string{"--ca-cert", notPEM, "no PEM certificate"}},
		{"client cert without key", "", []string{"--client-cert", client.CertFile}, []string{"--client-cert", client.CertFile, "--client-key"}},
		{"bad key flag", "", []string{"--client-cert", client.CertFile, "--client-key", notPEM}, []string{"--client-key", notPEM}},
		{"missing field file", "tls: {ca_cert: nowhere.pem}\n", nil, []string{"tls.ca_cert", "nowhere.pem"}},
		{"field cert without key", "tls: {client_cert: c.pem}\n", nil, []string{"s.yaml:3", "client_cert needs client_key"}},
		{"unknown field", "tls: {ca: c.pem}\n", nil, []string{`unknown field "ca"`, "ca_cert"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := writeScenario(t, "target: https://127.0.0.1:1\nrequests: [{path: /x}]\n"+tt.field)
			code, stdout, stderr := runCLI(t, append([]string{"run", path, "--quiet"}, tt.args...)...)
			if code != ExitUsage {
				t.Fatalf("exit %d, want 2\nstdout:\n%s\nstderr:\n%s", code, stdout, stderr)
			}
			for _, w := range tt.want {
				if !strings.Contains(stderr, w) {
					t.Errorf("stderr lacks %q:\n%s", w, stderr)
				}
			}
		})
	}
}
