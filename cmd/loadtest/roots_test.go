package main

import (
	"crypto/x509"
	"os"
	"path/filepath"
	"testing"
)

func TestHasCABundle(t *testing.T) {
	dir := t.TempDir()
	bundle := filepath.Join(dir, "ca-certificates.crt")
	if err := os.WriteFile(bundle, []byte("-----BEGIN CERTIFICATE-----\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	empty := filepath.Join(dir, "empty.pem")
	if err := os.WriteFile(empty, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	certDir := filepath.Join(dir, "certs")
	emptyDir := filepath.Join(dir, "none")
	for _, d := range []string{certDir, emptyDir} {
		if err := os.Mkdir(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.WriteFile(filepath.Join(certDir, "ab12cd34.0"), []byte("x"), 0o644); err != nil {
		t.Fatal(err)
	}
	missing := filepath.Join(dir, "missing")
	tests := []struct {
		name        string
		files, dirs []string
		want        bool
	}{
		{"a bundle file", []string{missing, bundle}, []string{missing}, true},
		{"a directory of certificates", []string{missing}, []string{emptyDir, certDir}, true},
		{"an empty image", []string{missing}, []string{missing}, false},
		{"an empty file and an empty directory", []string{empty}, []string{emptyDir}, false},
		{"a directory where the file is looked for", []string{certDir}, nil, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := hasCABundle(tt.files, tt.dirs); got != tt.want {
				t.Errorf("hasCABundle(%v, %v) = %v, want %v", tt.files, tt.dirs, got, tt.want)
			}
		})
	}
}

func TestFallbackPool(t *testing.T) {
	if fallbackPool().Equal(x509.NewCertPool()) {
		t.Error("the fallback pool is empty, want the bundle's roots")
	}
}
