package fleetfile

import (
	"errors"
	"fmt"
	"github.com/loadtestdev/loadtest/internal/suggest"
	"github.com/loadtestdev/loadtest/internal/yamlnode"
	"path/filepath"
	"slices"
	"sort"
	"strings"

	"go.yaml.in/yaml/v3"
)

// Value is one value given in the file or by a flag.
type Value struct {
	V float64
	// Text is the value as written ("80%", "16GB", "db.json" for a from:).
	Text string
	// From is the result file a {from: …} names, as written; V is 0 until Resolve.
	From string
	// Line is its line in the file (0 for a flag); Flag the flag that set it ("" for the file).
	Line int
	Flag string
	// Source says where a resolved from: value came from and why it is trusted.
	Source string
}

// Spec is a fleet as given: the file's values with the flags' on top.
type Spec struct {
	// Path is the fleet file ("" when only flags give the fleet); from: paths are relative to
	// its directory.
	Path   string
	Values map[string]*Value
	// Sections holds the line of each section key (traffic, mix, …) for errors about a whole
	// section.
	Sections map[string]int
}

// Error is bad input in a fleet: the file and line, or the flag, and the field at fault.
type Error struct {
	Path  string
	Line  int
	Flag  string
	Field string
	Err   error
}

func (e *Error) Error() string {
	switch {
	case e.Flag != "":
		return fmt.Sprintf("--%s: %v", e.Flag, e.Err)
	case e.Line > 0:
		return fmt.Sprintf("fleet %s:%d: %v", e.Path, e.Line, e.Err)
	case e.Path != "":
		return fmt.Sprintf("fleet %s: %v", e.Path, e.Err)
	}
	return fmt.Sprintf("fleet: %v", e.Err)
}

func (e *Error) Unwrap() error { return e.Err }

// New returns an empty spec, for a fleet given by flags alone.
func New() *Spec {
	return &Spec{Values: map[string]*Value{}, Sections: map[string]int{}}
}

// Parse reads a fleet file. Every error is an *Error naming the line and field.
func Parse(path string, data []byte) (*Spec, error) {
	s := New()
	s.Path = path
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil {
		return nil, &Error{Path: path, Err: fmt.Errorf("not YAML: %w", err)}
	}
	if doc.Kind != yaml.DocumentNode || len(doc.Content) == 0 {
		return nil, &Error{Path: path, Err: errors.New("empty: a fleet file is a mapping of traffic, mix, app, cache, database, workers and data")}
	}
	root := yamlnode.Resolve(doc.Content[0])
	if root.Kind != yaml.MappingNode {
		return nil, s.errAt(root.Line, "", "a fleet file is a mapping of traffic, mix, app, cache, database, workers and data, got %s", yamlnode.KindName(root))
	}
	maps, scalars := sections()
	top := append(slices.Sorted(func(yield func(string) bool) {
		for k := range maps {
			if !yield(k) {
				return
			}
		}
	}), scalars...)
	return s, s.mapping(root, "", top, func(key string, k, v *yaml.Node) error {
		if names, ok := maps[key]; ok {
			s.Sections[key] = k.Line
			if v.Kind != yaml.MappingNode {
				return s.errAt(v.Line, key, "%s is a mapping of %s, got %s", key, strings.Join(names, ", "), yamlnode.KindName(v))
			}
			return s.mapping(v, key+".", names, func(name string, k, v *yaml.Node) error { return s.value(key+"."+name, k, v) })
		}
		return s.value(key, k, v)
	})
}

// mapping walks a mapping's pairs, refusing unknown and repeated keys.
func (s *Spec) mapping(m *yaml.Node, prefix string, allowed []string, each func(key string, k, v *yaml.Node) error) error {
	seen := map[string]int{}
	for i := 0; i+1 < len(m.Content); i += 2 {
		k, v := m.Content[i], yamlnode.Resolve(m.Content[i+1])
		if k.Kind != yaml.ScalarNode {
			return s.errAt(k.Line, prefix, "field names are plain words, got %s", yamlnode.KindName(k))
		}
		if line, ok := seen[k.Value]; ok {
			return s.errAt(k.Line, prefix+k.Value, "%s%s appears twice (first at line %d)", prefix, k.Value, line)
		}
		seen[k.Value] = k.Line
		if !slices.Contains(allowed, k.Value) {
			sorted := append([]string(nil), allowed...)
			sort.Strings(sorted)
			msg := fmt.Sprintf("unknown field %s%s, want one of %s", prefix, k.Value, strings.Join(sorted, ", "))
			if c := suggest.Closest(k.Value, allowed); c != "" {
				msg += fmt.Sprintf("; did you mean %q?", prefix+c)
			}
			return s.errAt(k.Line, prefix+k.Value, "%s", msg)
		}
		if err := each(k.Value, k, v); err != nil {
			return err
		}
	}
	return nil
}

// value reads one field's value: a scalar of its kind, or {from: RESULT.json} where allowed.
func (s *Spec) value(path string, k, v *yaml.Node) error {
	f, _ := fieldByPath(path)
	switch {
	case v.Kind == yaml.MappingNode && f.From:
		var from string
		err := s.mapping(v, path+".", []string{"from"}, func(_ string, _, fv *yaml.Node) error {
			if fv.Kind != yaml.ScalarNode || fv.Tag == "!!null" || strings.TrimSpace(fv.Value) == "" {
				return s.errAt(fv.Line, path, "%s: from: wants the path of a loadtest result (a probe), got %s", path, yamlnode.KindName(fv))
			}
			from = fv.Value
			return nil
		})
		if err != nil {
			return err
		}
		if from == "" {
			return s.errAt(v.Line, path, "%s: {from: RESULT.json} names the result file of a probe, e.g. {from: db.json}", path)
		}
		s.Values[path] = &Value{Text: from, From: from, Line: k.Line}
		return nil
	case v.Kind != yaml.ScalarNode || v.Tag == "!!null":
		want := "a value"
		if f.From {
			want = "a number or {from: RESULT.json}"
		}
		return s.errAt(v.Line, path, "%s: want %s, got %s", path, want, yamlnode.KindName(v))
	}
	x, err := ParseValue(f.Kind, v.Value)
	if err != nil {
		return s.errAt(v.Line, path, "%s: %v", path, err)
	}
	s.Values[path] = &Value{V: x, Text: v.Value, Line: v.Line}
	return nil
}

// SetFlag sets a field from its flag, over the file's value.
func (s *Spec) SetFlag(f Field, text string) error {
	x, err := ParseValue(f.Kind, text)
	if err != nil {
		return &Error{Flag: f.Flag, Field: f.Path, Err: err}
	}
	s.Values[f.Path] = &Value{V: x, Text: text, Flag: f.Flag}
	return nil
}

// Resolve replaces each {from: RESULT.json} by the rate read returns for it; read gets the
// field's path (app.db_read_rps) and the result's path relative to the fleet file's directory,
// and returns the rate and where it came from.
// Its error (a result that is not a probe, or did not converge) becomes an *Error naming
// the field and line.
func (s *Spec) Resolve(read func(field, path string) (rate float64, source string, err error)) error {
	var from []Field
	for _, f := range Fields {
		if v := s.Values[f.Path]; v != nil && v.From != "" {
			from = append(from, f)
		}
	}
	sort.SliceStable(from, func(i, j int) bool { return s.Values[from[i].Path].Line < s.Values[from[j].Path].Line })
	for _, f := range from { // in the file's order, so that the first error is the first line
		v := s.Values[f.Path]
		p := v.From
		if !filepath.IsAbs(p) && s.Path != "" {
			p = filepath.Join(filepath.Dir(s.Path), p)
		}
		rate, source, err := read(f.Path, p)
		if err != nil {
			return s.errAt(v.Line, f.Path, "%s: from %s: %w", f.Path, v.From, err)
		}
		v.V, v.Source = rate, source
	}
	return nil
}

func (s *Spec) errAt(line int, field, format string, args ...any) *Error {
	return &Error{Path: s.Path, Line: line, Field: field, Err: fmt.Errorf(format, args...)}
}
