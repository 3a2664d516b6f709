package scenarios

import (
	"path/filepath"
	"strings"
	"testing"
)

func TestParseTLS(t *testing.T) {
	const reqs = "requests: [{path: /echo}]\n"
	tests := []struct {
		name    string
		src     string
		want    TLS
		wantErr string // the message starts with this
	}{
		{"none", reqs, TLS{}, ""},
		{"all", reqs + "tls: {insecure: true, ca_cert: ca.pem, client_cert: c.pem, client_key: k.pem, server_name: api.internal}\n",
			TLS{Insecure: true, CACert: "ca.pem", ClientCert: "c.pem", ClientKey: "k.pem", ServerName: "api.internal"}, ""},
		{"not a mapping", reqs + "tls: yes\n", TLS{}, "scenario dir/my.yaml:2: tls is a mapping"},
		{"unknown field", reqs + "tls: {cacert: x}\n", TLS{}, `scenario dir/my.yaml:2: unknown field "cacert", want one of insecure, ca_cert`},
		{"insecure not bool", reqs + "tls: {insecure: maybe}\n", TLS{}, `scenario dir/my.yaml:2: insecure "maybe" is not true or false`},
		{"cert without key", reqs + "tls: {client_cert: c.pem}\n", TLS{}, "scenario dir/my.yaml:2: client_cert needs client_key"},
		{"key without cert", reqs + "tls: {client_key: k.pem}\n", TLS{}, "scenario dir/my.yaml:2: client_key needs client_cert"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sc, err := Parse("dir/my.yaml", []byte(tt.src))
			if tt.wantErr != "" {
				if err == nil || !strings.HasPrefix(err.Error(), tt.wantErr) {
					t.Fatalf("got error %v, want one starting %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if sc.TLS != tt.want {
				t.Errorf("got %+v, want %+v", sc.TLS, tt.want)
			}
		})
	}
}

func TestResolvedFile(t *testing.T) {
	sc := &Scenario{Source: filepath.Join("dir", "my.yaml")}
	abs := filepath.Join(t.TempDir(), "ca.pem")
	for file, want := range map[string]string{"ca.pem": filepath.Join("dir", "ca.pem"), "certs/ca.pem": filepath.Join("dir", "certs", "ca.pem"), abs: abs, "": ""} {
		if got := sc.ResolvedFile(file); got != want {
			t.Errorf("ResolvedFile(%q) = %q, want %q", file, got, want)
		}
	}
	if got := (&Scenario{Source: "builtin:echo"}).ResolvedFile("ca.pem"); got != "ca.pem" {
		t.Errorf("a built-in's ResolvedFile(ca.pem) = %q, want ca.pem", got)
	}
}
