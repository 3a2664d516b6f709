package engine

import (
	"context"
	"crypto/tls"
	"errors"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/loadtestdev/loadtest/internal/testcert"
)

// tlsServer starts an https server on 127.0.0.1 with cert; clientCAs, when set, demands a
// client certificate they signed. It counts the HTTP/2 requests it serves.
func tlsServer(t *testing.T, cert tls.Certificate, clientCA *testcert.CA, h2 *atomic.Uint64) *httptest.Server {
	t.Helper()
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.ProtoMajor == 2 && h2 != nil {
			h2.Add(1)
		}
		_, _ = w.Write([]byte("ok"))
	}))
	srv.TLS = &tls.Config{Certificates: []tls.Certificate{cert}}
	srv.Config.ErrorLog = log.New(io.Discard, "", 0) // the failed handshakes the test makes
	if clientCA != nil {
		srv.TLS.ClientAuth = tls.RequireAndVerifyClientCert
		srv.TLS.ClientCAs = clientCA.Pool()
	}
	srv.EnableHTTP2 = true
	srv.StartTLS()
	t.Cleanup(srv.Close)
	return srv
}

func TestRunTLS(t *testing.T) {
	t.Parallel()
	ca := testcert.NewCA(t, "staging")
	good := ca.Issue(t, "server", testcert.LeafOptions{Names: []string{"127.0.0.1"}})
	expired := ca.Issue(t, "expired", testcert.LeafOptions{Names: []string{"127.0.0.1"}, Expired: true})
	other := ca.Issue(t, "other", testcert.LeafOptions{Names: []string{"api.internal"}})
	clientCA := testcert.NewCA(t, "clients")
	client := clientCA.Issue(t, "client", testcert.LeafOptions{Client: true})

	plain := tlsServer(t, good.TLS, nil, nil)
	tests := []struct {
		name   string
		url    string
		opts   TLSOptions
		reason string // "" when every request succeeds
	}{
		{"unknown authority", plain.URL, TLSOptions{}, "unknown authority"},
		{"ca cert", plain.URL, TLSOptions{CACertFile: ca.File}, ""},
		{"insecure", plain.URL, TLSOptions{Insecure: true}, ""},
		{"expired", tlsServer(t, expired.TLS, nil, nil).URL, TLSOptions{CACertFile: ca.File}, "expired"},
		{"name mismatch", tlsServer(t, other.TLS, nil, nil).URL, TLSOptions{CACertFile: ca.File}, "name mismatch"},
		{"server name", tlsServer(t, other.TLS, nil, nil).URL, TLSOptions{CACertFile: ca.File, ServerName: "api.internal"}, ""},
		{"mtls with a client cert", tlsServer(t, good.TLS, clientCA, nil).URL,
			TLSOptions{CACertFile: ca.File, ClientCertFile: client.CertFile, ClientKeyFile: client.KeyFile}, ""},
		{"mtls without a client cert", tlsServer(t, good.TLS, clientCA, nil).URL,
			TLSOptions{CACertFile: ca.File}, "client certificate"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, err := Run(context.Background(), Options{Targeter: newFake(tt.url, "/"), MaxRequests: 5, Connections: 1, TLS: tt.opts})
			if err != nil {
				t.Fatal(err)
			}
			if tt.reason == "" {
				if r.Successes != 5 {
					t.Fatalf("successes %d, want 5; errors %+v", r.Successes, r.Errors)
				}
				return
			}
			if r.Successes != 0 || len(r.Errors) == 0 {
				t.Fatalf("successes %d errors %+v, want 0 and tls errors", r.Successes, r.Errors)
			}
			for _, e := range r.Errors {
				if e.Class != ClassTLS || !strings.Contains(e.Message, tt.reason) {
					t.Errorf("error %q of class %q, want class %q naming %q", e.Message, e.Class, ClassTLS, tt.reason)
				}
			}
		})
	}
}

func TestRunTLSHTTP2(t *testing.T) {
	t.Parallel()
	ca := testcert.NewCA(t, "staging")
	good := ca.Issue(t, "server", testcert.LeafOptions{Names: []string{"127.0.0.1"}})
	var h2 atomic.Uint64
	srv := tlsServer(t, good.TLS, nil, &h2)
	r, err := Run(context.Background(), Options{Targeter: newFake(srv.URL, "/"), MaxRequests: 10, Connections: 2,
		HTTP2: true, TLS: TLSOptions{CACertFile: ca.File}})
	if err != nil {
		t.Fatal(err)
	}
	if r.Successes != 10 || h2.Load() != 10 {
		t.Errorf("successes %d, HTTP/2 requests %d, want 10 and 10; errors %+v", r.Successes, h2.Load(), r.Errors)
	}
}

func TestTLSOptionsBadFiles(t *testing.T) {
	t.Parallel()
	ca := testcert.NewCA(t, "staging")
	client := ca.Issue(t, "client", testcert.LeafOptions{Client: true})
	notPEM := filepath.Join(t.TempDir(), "notes.txt")
	if err := os.WriteFile(notPEM, []byte("hello"), 0o600); err != nil {
		t.Fatal(err)
	}
	missing := filepath.Join(t.TempDir(), "missing.pem")
	tests := []struct {
		name  string
		opts  TLSOptions
		field string
		file  string
	}{
		{"missing ca", TLSOptions{CACertFile: missing}, TLSFieldCACert, missing},
		{"ca not pem", TLSOptions{CACertFile: notPEM}, TLSFieldCACert, notPEM},
		{"missing client cert", TLSOptions{ClientCertFile: missing, ClientKeyFile: client.KeyFile}, TLSFieldClientCert, missing},
		{"key not pem", TLSOptions{ClientCertFile: client.CertFile, ClientKeyFile: notPEM}, TLSFieldClientKey, notPEM},
		{"cert without key", TLSOptions{ClientCertFile: client.CertFile}, TLSFieldClientKey, "(none)"},
		{"key without cert", TLSOptions{ClientKeyFile: client.KeyFile}, TLSFieldClientCert, "(none)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := tt.opts.Config()
			var fe *TLSFileError
			if !errors.As(err, &fe) || fe.Field != tt.field || fe.File != tt.file {
				t.Fatalf("error %v, want a TLSFileError of %s %s", err, tt.field, tt.file)
			}
		})
	}
	if _, err := Run(context.Background(), Options{Targeter: newFake("https://127.0.0.1:1", "/"), TLS: TLSOptions{CACertFile: missing}}); err == nil {
		t.Error("Run with a missing CA file succeeded, want an error")
	}
}
