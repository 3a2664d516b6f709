package server

import (
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"os"
	"strings"
	"time"
)

// Validate checks a server's configuration as `loadtest server` takes it, before anything is
// opened: counts in range, every timeout positive, the database and cache URLs of a known
// scheme, Addr a HOST:PORT, and the TLS files a key pair. Its errors name the server's flag of
// each field (--users, --write-timeout ...) and what is allowed.
func (c *RunConfig) Validate() error {
	switch {
	case c.Users < 0:
		return fmt.Errorf("--users must not be negative, got %d", c.Users)
	case c.MaxInflight < 0:
		return fmt.Errorf("--max-inflight must not be negative, got %d", c.MaxInflight)
	case c.MaxBodyBytes <= 0:
		return fmt.Errorf("--max-body must be positive, got %d", c.MaxBodyBytes)
	case c.Workers < 1:
		return fmt.Errorf("--workers must be at least 1, got %d", c.Workers)
	case c.TaskTimeDist != TaskTimeFixed && c.TaskTimeDist != TaskTimeExp:
		return fmt.Errorf("--task-time-dist %q: want %s or %s", c.TaskTimeDist, TaskTimeFixed, TaskTimeExp)
	case c.TaskQueueMax < 1:
		return fmt.Errorf("--task-queue-max must be at least 1, got %d", c.TaskQueueMax)
	case c.DBMaxConns < 0:
		return fmt.Errorf("--db-max-conns must not be negative, got %d", c.DBMaxConns)
	case c.WriteTimeout <= MaxDelay:
		return fmt.Errorf("--write-timeout %v must exceed %v, the longest /delay", c.WriteTimeout, MaxDelay)
	}
	for _, d := range []struct {
		flag string
		v    time.Duration
	}{{"--token-ttl", c.TokenTTL}, {"--code-ttl", c.CodeTTL}, {"--read-header-timeout", c.ReadHeaderTimeout},
		{"--read-timeout", c.ReadTimeout}, {"--idle-timeout", c.IdleTimeout}, {"--shutdown-timeout", c.ShutdownTimeout},
		{"--task-result-ttl", c.TaskResultTTL}} { // in the flags' order, so that the first bad one is named
		if d.v <= 0 {
			return fmt.Errorf("%s must be positive, got %v", d.flag, d.v)
		}
	}
	if c.DB != "" && !hasAnyPrefix(c.DB, "sqlite://", "mysql://", "postgres://", "postgresql://") {
		return fmt.Errorf("--db %q: want sqlite://PATH, mysql://USER@HOST:PORT/DB or postgres://USER@HOST:PORT/DB", c.DB)
	}
	if c.Cache != "memory" && !hasAnyPrefix(c.Cache, "redis://", "rediss://") {
		return fmt.Errorf("--cache %q: want memory or redis://HOST:PORT/N", c.Cache)
	}
	if _, _, err := net.SplitHostPort(c.Addr); err != nil {
		return fmt.Errorf("--addr %q: want HOST:PORT: %w", c.Addr, err)
	}
	return c.validateTLS()
}

// validateTLS checks that --tls-cert and --tls-key come together and make a key pair.
func (c *RunConfig) validateTLS() error {
	switch {
	case c.TLSCertFile == "" && c.TLSKeyFile == "":
		return nil
	case c.TLSKeyFile == "":
		return fmt.Errorf("--tls-cert %s needs --tls-key, the certificate's private key", c.TLSCertFile)
	case c.TLSCertFile == "":
		return fmt.Errorf("--tls-key %s needs --tls-cert, the certificate it belongs to", c.TLSKeyFile)
	}
	for _, f := range [][2]string{{"--tls-cert", c.TLSCertFile}, {"--tls-key", c.TLSKeyFile}} {
		if _, err := os.Stat(f[1]); err != nil {
			return fmt.Errorf("%s %s: %w", f[0], f[1], errors.Unwrap(err))
		}
	}
	if _, err := tls.LoadX509KeyPair(c.TLSCertFile, c.TLSKeyFile); err != nil {
		return fmt.Errorf("--tls-cert %s, --tls-key %s: %w (want PEM files of a certificate and its private key)", c.TLSCertFile, c.TLSKeyFile, err)
	}
	return nil
}

func hasAnyPrefix(s string, prefixes ...string) bool {
	for _, p := range prefixes {
		if strings.HasPrefix(s, p) {
			return true
		}
	}
	return false
}
