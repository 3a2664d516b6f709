package yamlnode

import (
	"testing"

	"go.yaml.in/yaml/v3"
)

func TestResolveAndKindName(t *testing.T) {
	var doc yaml.Node
	src := "a: &x {k: v}\nb: *x\nc: [1]\nd: ~\ne: text\n"
	if err := yaml.Unmarshal([]byte(src), &doc); err != nil {
		t.Fatal(err)
	}
	m := doc.Content[0]
	want := map[string]string{"a": "a mapping", "b": "a mapping", "c": "a list", "d": "nothing", "e": `"text"`}
	for i := 0; i < len(m.Content); i += 2 {
		key, val := m.Content[i].Value, m.Content[i+1]
		if got := KindName(Resolve(val)); got != want[key] {
			t.Errorf("%s: got %s, want %s", key, got, want[key])
		}
	}
	if got := KindName(m.Content[3]); got != "an alias" {
		t.Errorf("unresolved alias: got %s, want an alias", got)
	}
	if got := KindName(&doc); got != "a document" {
		t.Errorf("document: got %s, want a document", got)
	}
}
