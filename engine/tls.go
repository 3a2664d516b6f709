package engine

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net/http"
	"os"
	"strings"
)

// TLSOptions are how a run's https requests verify servers and present themselves. The zero
// value verifies servers against the system's roots and presents no client certificate.
type TLSOptions struct {
	// Insecure skips verifying the server's certificate chain and name (a self-signed staging
	// host). The handshake still happens: a server that demands a client certificate still
	// gets one only when ClientCertFile is set.
	Insecure bool
	// CACertFile is a PEM bundle of CA certificates trusted in addition to the system's roots.
	CACertFile string
	// ClientCertFile and ClientKeyFile are a PEM certificate (chain) and its key, presented
	// to servers that ask for one (mTLS). Both or neither.
	ClientCertFile, ClientKeyFile string
	// ServerName is the name sent in SNI and verified against the certificate, instead of the
	// URL's host.
	ServerName string
}

// The files of TLSOptions, as TLSFileError.Field names them.
const (
	TLSFieldCACert     = "ca-cert"
	TLSFieldClientCert = "client-cert"
	TLSFieldClientKey  = "client-key"
)

// TLSFileError is a TLS file that cannot be used: Field says which (TLSFieldCACert, ...), so
// that a caller can name its own flag or scenario field.
type TLSFileError struct {
	Field string
	File  string
	Err   error
}

func (e *TLSFileError) Error() string { return fmt.Sprintf("%s %s: %v", e.Field, e.File, e.Err) }

func (e *TLSFileError) Unwrap() error { return e.Err }

// IsZero reports whether o asks for nothing beyond Go's defaults.
func (o TLSOptions) IsZero() bool { return o == TLSOptions{} }

// Config returns the tls.Config o describes, reading its files; nil for the zero value. Each
// file error is a *TLSFileError.
func (o TLSOptions) Config() (*tls.Config, error) {
	if o.IsZero() {
		return nil, nil
	}
	cfg := &tls.Config{InsecureSkipVerify: o.Insecure, ServerName: o.ServerName}
	if o.CACertFile != "" {
		pool, err := loadCACerts(o.CACertFile)
		if err != nil {
			return nil, &TLSFileError{Field: TLSFieldCACert, File: o.CACertFile, Err: err}
		}
		cfg.RootCAs = pool
	}
	switch {
	case o.ClientCertFile != "" && o.ClientKeyFile == "":
		return nil, &TLSFileError{Field: TLSFieldClientKey, File: "(none)",
			Err: fmt.Errorf("a client certificate (%s) needs its key", o.ClientCertFile)}
	case o.ClientCertFile == "" && o.ClientKeyFile != "":
		return nil, &TLSFileError{Field: TLSFieldClientCert, File: "(none)",
			Err: fmt.Errorf("a client key (%s) needs its certificate", o.ClientKeyFile)}
	case o.ClientCertFile != "":
		cert, err := loadClientCert(o.ClientCertFile, o.ClientKeyFile)
		if err != nil {
			return nil, err
		}
		cfg.Certificates = []tls.Certificate{cert}
	}
	return cfg, nil
}

// loadCACerts returns the system roots plus the PEM certificates of file.
func loadCACerts(file string) (*x509.CertPool, error) {
	pem, err := os.ReadFile(file)
	if err != nil {
		return nil, unwrapPathError(err)
	}
	pool, err := x509.SystemCertPool()
	if err != nil || pool == nil {
		pool = x509.NewCertPool()
	}
	if !pool.AppendCertsFromPEM(pem) {
		return nil, errors.New("no PEM certificate in the file, want a bundle of -----BEGIN CERTIFICATE----- blocks")
	}
	return pool, nil
}

// loadClientCert reads a client certificate and its key, naming the file at fault.
func loadClientCert(certFile, keyFile string) (tls.Certificate, error) {
	certPEM, err := os.ReadFile(certFile)
	if err != nil {
		return tls.Certificate{}, &TLSFileError{Field: TLSFieldClientCert, File: certFile, Err: unwrapPathError(err)}
	}
	keyPEM, err := os.ReadFile(keyFile)
	if err != nil {
		return tls.Certificate{}, &TLSFileError{Field: TLSFieldClientKey, File: keyFile, Err: unwrapPathError(err)}
	}
	cert, err := tls.X509KeyPair(certPEM, keyPEM)
	if err != nil {
		field, file := TLSFieldClientKey, keyFile
		if strings.Contains(err.Error(), "certificate") && !strings.Contains(err.Error(), "private key") {
			field, file = TLSFieldClientCert, certFile
		}
		return tls.Certificate{}, &TLSFileError{Field: field, File: file, Err: err}
	}
	return cert, nil
}

// unwrapPathError drops the path of an *os.PathError: TLSFileError names the file already.
func unwrapPathError(err error) error {
	var pe *os.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}

// tlsReason returns the short reason of a failed TLS handshake ("unknown authority",
// "expired", "name mismatch", ...), or "" when err is no TLS failure.
func tlsReason(err error) string {
	var unknown x509.UnknownAuthorityError
	var invalid x509.CertificateInvalidError
	var host x509.HostnameError
	switch {
	case errors.As(err, &unknown):
		return "unknown authority"
	case errors.As(err, &host):
		return "name mismatch"
	case errors.As(err, &invalid):
		if invalid.Reason == x509.Expired {
			return "expired"
		}
		return "invalid certificate"
	}
	msg := err.Error()
	switch {
	case strings.Contains(msg, "remote error: tls: certificate required"):
		return "the server requires a client certificate"
	case strings.Contains(msg, "remote error: tls: bad certificate"),
		strings.Contains(msg, "remote error: tls: unknown certificate authority"):
		return "the server rejected the client certificate"
	case strings.Contains(msg, "tls: first record does not look like a TLS handshake"):
		return "the server does not speak TLS"
	case strings.Contains(msg, "tls:"), strings.Contains(msg, "x509:"):
		return "handshake failed"
	}
	return ""
}

// SideClient returns a client for a run's requests beside its load (the host sampling's GET
// /stats) that verifies servers as the load does and follows no redirect; nil, for the
// caller's default, when o is the zero value or its files cannot be read (Run reports those).
func (o TLSOptions) SideClient() *http.Client {
	cfg, err := o.Config()
	if err != nil || cfg == nil {
		return nil
	}
	return &http.Client{
		Transport:     &http.Transport{Proxy: http.ProxyFromEnvironment, TLSClientConfig: cfg},
		CheckRedirect: noRedirects,
	}
}
