package cli

import (
	"errors"
	"fmt"

	"github.com/spf13/pflag"

	"github.com/loadtestdev/loadtest/engine"
	"github.com/loadtestdev/loadtest/scenarios"
)

// tlsFlags are the TLS flags of run and probe; each one given replaces the scenario's tls
// field of the same name.
type tlsFlags struct {
	Insecure                                  bool
	CACert, ClientCert, ClientKey, ServerName string
}

// tlsFlagNames are the flags tlsFlags binds, for scenarioFlags.set.
var tlsFlagNames = []string{"insecure", "ca-cert", "client-cert", "client-key", "server-name"}

func (t *tlsFlags) bind(f *pflag.FlagSet) {
	f.BoolVar(&t.Insecure, "insecure", false, "do not verify https servers' certificates (a self-signed staging host); the scenario's tls.insecure")
	f.StringVar(&t.CACert, "ca-cert", "", "PEM bundle of CA certificates to trust besides the system's (an internal CA); the scenario's tls.ca_cert")
	f.StringVar(&t.ClientCert, "client-cert", "", "PEM client certificate presented to servers that ask for one (mTLS), with --client-key")
	f.StringVar(&t.ClientKey, "client-key", "", "PEM private key of --client-cert")
	f.StringVar(&t.ServerName, "server-name", "", "server name sent in SNI and verified in the certificate, instead of the URL's host")
}

// applyTLS resolves the scenario's tls file names against its directory, replaces what the
// flags give, and reads the files once, so that a bad one is bad input naming its flag or
// field and file, before any load is sent. sc.TLS is left as the run will use it.
func applyTLS(sc *scenarios.Scenario, o *scenarioFlags) error {
	t := &sc.TLS
	from := map[string]string{} // engine field -> where the file came from
	file := func(dst *string, scenarioValue, field, flag, flagValue string) {
		*dst = sc.ResolvedFile(scenarioValue)
		from[field] = fmt.Sprintf("%s: tls.%s", sc.Source, flagToField(flag))
		if o.set[flag] {
			*dst, from[field] = flagValue, "--"+flag
		}
	}
	file(&t.CACert, t.CACert, engine.TLSFieldCACert, "ca-cert", o.TLS.CACert)
	file(&t.ClientCert, t.ClientCert, engine.TLSFieldClientCert, "client-cert", o.TLS.ClientCert)
	file(&t.ClientKey, t.ClientKey, engine.TLSFieldClientKey, "client-key", o.TLS.ClientKey)
	if o.set["insecure"] {
		t.Insecure = o.TLS.Insecure
	}
	if o.set["server-name"] {
		t.ServerName = o.TLS.ServerName
	}
	switch {
	case t.ClientCert != "" && t.ClientKey == "":
		return fmt.Errorf("%s %s: a client certificate needs its key, give --client-key or tls.client_key", from[engine.TLSFieldClientCert], t.ClientCert)
	case t.ClientCert == "" && t.ClientKey != "":
		return fmt.Errorf("%s %s: a client key needs its certificate, give --client-cert or tls.client_cert", from[engine.TLSFieldClientKey], t.ClientKey)
	}
	_, err := engineTLS(sc).Config()
	var fe *engine.TLSFileError
	if errors.As(err, &fe) {
		return fmt.Errorf("%s %s: %w", from[fe.Field], fe.File, fe.Err)
	}
	return err
}

// flagToField is the scenario field of a TLS flag: ca-cert is tls.ca_cert.
func flagToField(flag string) string {
	b := []byte(flag)
	for i, c := range b {
		if c == '-' {
			b[i] = '_'
		}
	}
	return string(b)
}

// engineTLS is the engine's view of the scenario's TLS field (after applyTLS).
func engineTLS(sc *scenarios.Scenario) engine.TLSOptions {
	return engine.TLSOptions{Insecure: sc.TLS.Insecure, CACertFile: sc.TLS.CACert, ClientCertFile: sc.TLS.ClientCert,
		ClientKeyFile: sc.TLS.ClientKey, ServerName: sc.TLS.ServerName}
}
