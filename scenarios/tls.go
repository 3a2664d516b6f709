package scenarios

import (
	"github.com/loadtestdev/loadtest/internal/yamlnode"
	"path/filepath"

	"go.yaml.in/yaml/v3"
)

// TLS is a scenario's tls field: how its https requests verify servers and present a client
// certificate. File names are as written; ResolvedFile resolves them against the scenario's
// directory. The zero value verifies against the system's roots.
type TLS struct {
	Insecure   bool
	CACert     string // PEM bundle trusted in addition to the system's roots
	ClientCert string // PEM client certificate (mTLS); with ClientKey
	ClientKey  string
	ServerName string // SNI and the name verified, instead of the URL's host
}

// tlsFields are the fields of a scenario's tls mapping.
var tlsFields = []string{"insecure", "ca_cert", "client_cert", "client_key", "server_name"}

// ResolvedFile returns file (a TLS file name of the scenario) relative to the scenario's
// directory, or as is when it is absolute, empty or the scenario is a built-in.
func (s *Scenario) ResolvedFile(file string) string {
	if file == "" || filepath.IsAbs(file) || s.Dir() == "" {
		return file
	}
	return filepath.Join(s.Dir(), file)
}

// tls parses the tls field.
func (p *parser) tls(n *yaml.Node) error {
	if n.Kind != yaml.MappingNode {
		return p.errf(n, "tls", "tls is a mapping of %v, got %s", tlsFields, yamlnode.KindName(n))
	}
	t := &p.sc.TLS
	var certNode, keyNode *yaml.Node
	err := p.fields(n, tlsFields, "tls.", func(key string, k, v *yaml.Node) error {
		var err error
		field := "tls." + key
		switch key {
		case "insecure":
			t.Insecure, err = p.boolean(v, field)
		case "ca_cert":
			t.CACert, err = p.str(v, field)
		case "client_cert":
			certNode = v
			t.ClientCert, err = p.str(v, field)
		case "client_key":
			keyNode = v
			t.ClientKey, err = p.str(v, field)
		case "server_name":
			t.ServerName, err = p.str(v, field)
		}
		return err
	})
	switch {
	case err != nil:
		return err
	case certNode != nil && keyNode == nil:
		return p.errf(certNode, "tls.client_cert", "client_cert needs client_key, the certificate's private key (PEM)")
	case keyNode != nil && certNode == nil:
		return p.errf(keyNode, "tls.client_key", "client_key needs client_cert, the certificate it belongs to (PEM)")
	}
	return nil
}
