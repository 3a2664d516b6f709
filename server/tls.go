package server

import (
	"crypto/tls"
	"errors"
	"fmt"
	"net/http"
)

// protocols are what the server speaks on any listener: HTTP/1.1, and HTTP/2 over TLS (by
// ALPN) or in clear text with prior knowledge (h2c), as load generators send with --http2.
func protocols() *http.Protocols {
	p := new(http.Protocols)
	p.SetHTTP1(true)
	p.SetHTTP2(true)
	p.SetUnencryptedHTTP2(true)
	return p
}

// loadTLS reads the certificate and key of o (both or neither); nil when neither is set.
func loadTLS(o Options) (*tls.Config, error) {
	switch {
	case o.TLSCertFile == "" && o.TLSKeyFile == "":
		return nil, nil
	case o.TLSCertFile == "" || o.TLSKeyFile == "":
		return nil, errors.New("server: tls: a certificate and its key go together, got one of them")
	}
	cert, err := tls.LoadX509KeyPair(o.TLSCertFile, o.TLSKeyFile)
	if err != nil {
		return nil, fmt.Errorf("server: tls certificate %s, key %s: %w", o.TLSCertFile, o.TLSKeyFile, err)
	}
	return &tls.Config{Certificates: []tls.Certificate{cert}}, nil
}

// TLS reports whether the server serves https (Options.TLSCertFile and TLSKeyFile).
func (s *Server) TLS() bool { return s.tls != nil }
