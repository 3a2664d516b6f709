package scenarios

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"github.com/loadtestdev/loadtest/internal/yamlnode"
	"mime"
	"net/url"
	"os"
	"path/filepath"
	"strings"

	"go.yaml.in/yaml/v3"
)

// The body fields of a request or step: at most one of them.
var bodyFields = []string{"body", "form", "multipart", "json"}

// BodyKind is how a request's body is written in the scenario and encoded on the wire.
type BodyKind string

// The kinds of body.
const (
	// BodyText is body: text sent as written (templates rendered as is).
	BodyText BodyKind = ""
	// BodyJSON is json: a YAML value sent as JSON; a template in a string is rendered and
	// JSON-escaped inside its string.
	BodyJSON BodyKind = "json"
	// BodyForm is form: a mapping sent as application/x-www-form-urlencoded; values are
	// rendered then query-escaped.
	BodyForm BodyKind = "form"
	// BodyMultipart is multipart: fields (rendered as is) and files (read when the scenario is
	// parsed) sent as multipart/form-data.
	BodyMultipart BodyKind = "multipart"
)

// BodyPart is one piece of a json, form or multipart body: literal text sent as is, or (Value
// set) a template whose rendered value is encoded by the body's kind.
type BodyPart struct {
	Text    string
	Value   string
	IsValue bool
}

// jsonContentType, formContentType: the Content-Type a body implies unless headers set one.
const (
	jsonContentType = "application/json"
	formContentType = "application/x-www-form-urlencoded"
)

// bodyField reads one of body, form, multipart and json into r.
func (p *parser) bodyField(r *Request, key, field string, v *yaml.Node) error {
	if p.body.of == r {
		return p.errf(v, field, "%s and %s are exclusive: a request has at most one of %s", p.body.key, key, strings.Join(bodyFields, ", "))
	}
	p.body.of, p.body.key = r, key
	switch key {
	case "body":
		if v.Kind != yaml.ScalarNode {
			return p.errf(v, field, "body must be text, got %s: write JSON as a block (body: |), a quoted string, or use json: for a YAML value", yamlnode.KindName(v))
		}
		if v.Tag != "!!null" {
			r.Body = v.Value
			p.pending(field, v)
			if looksJSON(v.Value) {
				r.ContentType = jsonContentType
			}
		}
		return nil
	case "form":
		return p.formBody(r, field, v)
	case "multipart":
		return p.multipartBody(r, field, v)
	}
	return p.jsonBody(r, field, v)
}

// looksJSON reports whether a text body is a JSON object or array, whatever its templates
// render (each stands in as 0, so {"id": {{ id }}} and {"u": "{{ u }}"} both qualify).
func looksJSON(body string) bool {
	t := strings.TrimSpace(body)
	if t == "" || (t[0] != '{' && t[0] != '[') {
		return false
	}
	ops, err := parseTemplate(t)
	if err != nil || len(ops) == 0 || ops[0].kind != opText || (ops[0].text[0] != '{' && ops[0].text[0] != '[') {
		return false // a body that starts with a template ({{ payload }}) says nothing of its type
	}
	var b strings.Builder
	for _, o := range ops {
		if o.kind == opText {
			b.WriteString(o.text)
		} else {
			b.WriteByte('0')
		}
	}
	return json.Valid([]byte(b.String()))
}

// formBody reads form: a mapping of field names to (templated) values.
func (p *parser) formBody(r *Request, field string, v *yaml.Node) error {
	if v.Kind != yaml.MappingNode || len(v.Content) == 0 {
		return p.errf(v, field, "form must be a mapping of field names to values, e.g. form: {user: alice, code: \"{{ code }}\"}, got %s", yamlnode.KindName(v))
	}
	r.BodyKind, r.ContentType = BodyForm, formContentType
	for i := 0; i+1 < len(v.Content); i += 2 {
		k, val := v.Content[i], yamlnode.Resolve(v.Content[i+1])
		if k.Kind != yaml.ScalarNode || k.Value == "" {
			return p.errf(k, field, "a form field name is a word, got %s", yamlnode.KindName(k))
		}
		value, err := p.str(val, field+"."+k.Value)
		if err != nil {
			return err
		}
		sep := "&"
		if i == 0 {
			sep = ""
		}
		r.BodyParts = append(r.BodyParts, BodyPart{Text: sep + url.QueryEscape(k.Value) + "="}, BodyPart{Value: value, IsValue: true})
		p.pending(field+"."+k.Value, val)
	}
	return nil
}

// multipartBody reads multipart: {fields: {NAME: VALUE}, files: {NAME: PATH}}; files are read
// now, relative to the scenario's directory.
func (p *parser) multipartBody(r *Request, field string, v *yaml.Node) error {
	if v.Kind != yaml.MappingNode {
		return p.errf(v, field, "multipart must be a mapping {fields: {NAME: VALUE}, files: {NAME: PATH}}, got %s", yamlnode.KindName(v))
	}
	var entries []BodyPart // a part's headers (and a file's content) in Text, a field's value in Value
	err := p.fields(v, []string{"fields", "files"}, field+".", func(key string, _, m *yaml.Node) error {
		if m.Kind != yaml.MappingNode {
			return p.errf(m, field+"."+key, "multipart %s must be a mapping of field names to values or file paths, got %s", key, yamlnode.KindName(m))
		}
		for i := 0; i+1 < len(m.Content); i += 2 {
			k, val := m.Content[i], yamlnode.Resolve(m.Content[i+1])
			sub := field + "." + key + "." + k.Value
			s, err := p.str(val, sub)
			if err != nil {
				return err
			}
			disposition := "Content-Disposition: form-data; name=" + quoteMIME(k.Value)
			if key == "fields" {
				entries = append(entries, BodyPart{Text: disposition + "\r\n\r\n", Value: s, IsValue: true})
				p.pending(sub, val)
				continue
			}
			data, err := p.readFile(s)
			if err != nil {
				return p.errf(val, sub, "multipart file %s: %v", s, err)
			}
			ctype := mime.TypeByExtension(filepath.Ext(s))
			if ctype == "" {
				ctype = "application/octet-stream"
			}
			entries = append(entries, BodyPart{Text: disposition + "; filename=" + quoteMIME(filepath.Base(s)) +
				"\r\nContent-Type: " + ctype + "\r\n\r\n" + string(data)})
		}
		return nil
	})
	if err != nil {
		return err
	}
	if len(entries) == 0 {
		return p.errf(v, field, "multipart has no fields and no files")
	}
	boundary := multipartBoundary(entries)
	r.BodyKind, r.ContentType = BodyMultipart, "multipart/form-data; boundary="+boundary
	sep := "--" + boundary + "\r\n"
	for _, e := range entries {
		r.BodyParts = append(r.BodyParts, BodyPart{Text: sep + e.Text})
		if e.IsValue {
			r.BodyParts = append(r.BodyParts, BodyPart{Value: e.Value, IsValue: true})
		}
		sep = "\r\n--" + boundary + "\r\n"
	}
	r.BodyParts = append(r.BodyParts, BodyPart{Text: "\r\n--" + boundary + "--\r\n"})
	return nil
}

// jsonBody reads json: a YAML value sent as JSON. Strings may hold templates: their rendered
// values are JSON-escaped inside the string.
func (p *parser) jsonBody(r *Request, field string, v *yaml.Node) error {
	if v.Kind != yaml.MappingNode && v.Kind != yaml.SequenceNode {
		return p.errf(v, field, "json must be a mapping or a list (a YAML value sent as JSON), got %s; write a JSON text under body:", yamlnode.KindName(v))
	}
	r.BodyKind, r.ContentType = BodyJSON, jsonContentType
	var text strings.Builder
	flush := func() {
		if text.Len() > 0 {
			r.BodyParts = append(r.BodyParts, BodyPart{Text: text.String()})
			text.Reset()
		}
	}
	var walk func(n *yaml.Node, at string) error
	walk = func(n *yaml.Node, at string) error {
		n = yamlnode.Resolve(n)
		switch n.Kind {
		case yaml.MappingNode:
			text.WriteByte('{')
			for i := 0; i+1 < len(n.Content); i += 2 {
				if i > 0 {
					text.WriteByte(',')
				}
				k := n.Content[i]
				if k.Kind != yaml.ScalarNode {
					return p.errf(k, at, "json: a key is text, got %s", yamlnode.KindName(k))
				}
				key, _ := json.Marshal(k.Value)
				text.Write(key)
				text.WriteByte(':')
				if err := walk(n.Content[i+1], at+"."+k.Value); err != nil {
					return err
				}
			}
			text.WriteByte('}')
		case yaml.SequenceNode:
			text.WriteByte('[')
			for i, e := range n.Content {
				if i > 0 {
					text.WriteByte(',')
				}
				if err := walk(e, fmt.Sprintf("%s[%d]", at, i)); err != nil {
					return err
				}
			}
			text.WriteByte(']')
		default:
			return p.jsonScalar(r, n, at, &text, flush)
		}
		return nil
	}
	if err := walk(v, field); err != nil {
		return err
	}
	flush()
	return nil
}

// jsonScalar writes one scalar of a json: body: null, a boolean, a number, or a string that may
// hold templates.
func (p *parser) jsonScalar(r *Request, n *yaml.Node, at string, text *strings.Builder, flush func()) error {
	switch n.Tag {
	case "!!null":
		text.WriteString("null")
		return nil
	case "!!bool", "!!int", "!!float":
		var v any
		if err := n.Decode(&v); err != nil {
			return p.errf(n, at, "json: %q is not a value JSON can carry", n.Value)
		}
		b, err := json.Marshal(v)
		if err != nil {
			return p.errf(n, at, "json: %q is not a value JSON can carry (%v)", n.Value, err)
		}
		text.Write(b)
		return nil
	}
	if !strings.Contains(n.Value, "{{") {
		b, _ := json.Marshal(n.Value)
		text.Write(b)
		return nil
	}
	text.WriteByte('"')
	flush()
	r.BodyParts = append(r.BodyParts, BodyPart{Value: n.Value, IsValue: true})
	p.pending(at, n)
	text.WriteByte('"')
	return nil
}

// readFile reads a file named in the scenario, relative to the scenario's directory.
func (p *parser) readFile(name string) ([]byte, error) {
	if !filepath.IsAbs(name) {
		dir := "."
		if !strings.HasPrefix(p.path, "builtin:") && p.path != "" {
			dir = filepath.Dir(p.path)
		}
		name = filepath.Join(dir, name)
	}
	data, err := os.ReadFile(name)
	if err != nil {
		return nil, fmt.Errorf("cannot read %s: %w", name, unwrapPath(err))
	}
	return data, nil
}

func unwrapPath(err error) error {
	if pe, ok := err.(*os.PathError); ok {
		return pe.Err
	}
	return err
}

// quoteMIME quotes a multipart name or filename (RFC 7578: backslash and quote escaped).
func quoteMIME(s string) string {
	return `"` + strings.NewReplacer(`\`, `\\`, `"`, `\"`, "\r", "%0D", "\n", "%0A").Replace(s) + `"`
}

// multipartBoundary derives a boundary from the parts, so a scenario always sends the same
// bytes and the boundary does not occur in its files.
func multipartBoundary(parts []BodyPart) string {
	h := sha256.New()
	for _, p := range parts {
		h.Write([]byte(p.Text))
		h.Write([]byte(p.Value))
	}
	return "loadtest-" + hex.EncodeToString(h.Sum(nil)[:12])
}
