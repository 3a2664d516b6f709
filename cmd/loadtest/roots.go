package main

import (
	"crypto/x509"
	"os"
	"runtime"
	"strings"

	"golang.org/x/crypto/x509roots/fallback/bundle"
)

// installFallbackRoots gives crypto/x509 the root CAs compiled into loadtest when the system
// has none: the Kubernetes image of loadtest (cluster image) is an empty base, and its shards
// must still reach https targets.
//
// Importing golang.org/x/crypto/x509roots/fallback would do this in its init for every command
// on every system: it parses all of its ~140 roots (670 KB, 8,900 allocations, a third of the
// start-up's) and keeps them, 400 KB that a run holds live to the end and its GC scans, also
// where the system has a CA bundle and x509 never looks at them. On Linux they are parsed
// only when none of the files crypto/x509 reads there exists ($SSL_CERT_FILE and
// $SSL_CERT_DIR, or the paths of its root_linux.go); elsewhere they are installed as the
// fallback package does (macOS and Windows verify with the platform's verifier and never use
// them).
func installFallbackRoots() {
	if runtime.GOOS == "linux" && hasCABundle(caFiles(), caDirs()) {
		return
	}
	x509.SetFallbackRoots(fallbackPool())
}

// caFiles and caDirs are where crypto/x509 looks for the system's roots on Linux.
func caFiles() []string {
	if f := os.Getenv("SSL_CERT_FILE"); f != "" {
		return []string{f}
	}
	return []string{
		"/etc/ssl/certs/ca-certificates.crt",
		"/etc/pki/tls/certs/ca-bundle.crt",
		"/etc/ssl/ca-bundle.pem",
		"/etc/pki/tls/cacert.pem",
		"/etc/pki/ca-trust/extracted/pem/tls-ca-bundle.pem",
		"/etc/ssl/cert.pem",
	}
}

func caDirs() []string {
	if d := os.Getenv("SSL_CERT_DIR"); d != "" {
		return strings.Split(d, ":")
	}
	return []string{"/etc/ssl/certs", "/etc/pki/tls/certs"}
}

// hasCABundle reports whether one of files is a non-empty file or one of dirs a directory
// with an entry.
func hasCABundle(files, dirs []string) bool {
	for _, f := range files {
		if fi, err := os.Stat(f); err == nil && fi.Mode().IsRegular() && fi.Size() > 0 {
			return true
		}
	}
	for _, d := range dirs {
		if f, err := os.Open(d); err == nil {
			names, _ := f.Readdirnames(1)
			f.Close()
			if len(names) > 0 {
				return true
			}
		}
	}
	return false
}

// fallbackPool is the pool of the compiled-in roots, as x509roots/fallback builds it.
func fallbackPool() *x509.CertPool {
	p := x509.NewCertPool()
	for r := range bundle.Roots() {
		cert, err := x509.ParseCertificate(r.Certificate)
		if err != nil {
			panic(err) // the bundle is tested by its module
		}
		if r.Constraint == nil {
			p.AddCert(cert)
		} else {
			p.AddCertWithConstraint(cert, r.Constraint)
		}
	}
	return p
}
