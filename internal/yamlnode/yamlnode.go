// Package yamlnode holds what the file checkers (scenario files, fleet files) need of a YAML
// node to walk it and to name it in an error.
package yamlnode

import (
	"fmt"

	"go.yaml.in/yaml/v3"
)

// Resolve follows aliases to the node they name (at most 16 deep: a cycle ends there).
func Resolve(n *yaml.Node) *yaml.Node {
	for i := 0; n.Kind == yaml.AliasNode && n.Alias != nil && i < 16; i++ {
		n = n.Alias
	}
	return n
}

// KindName names what a node is, for an error that says what was found where something else
// was expected: "a mapping", "a list", the scalar quoted, "nothing" for null.
func KindName(n *yaml.Node) string {
	switch n.Kind {
	case yaml.MappingNode:
		return "a mapping"
	case yaml.SequenceNode:
		return "a list"
	case yaml.ScalarNode:
		if n.Tag == "!!null" {
			return "nothing"
		}
		return fmt.Sprintf("%q", n.Value)
	case yaml.AliasNode:
		return "an alias"
	}
	return "a document"
}
