package har

import (
	"maps"
	"slices"
)

func sortStrings(s []string) { slices.Sort(s) }

func sortedKeys[V any](m map[string]V) []string { return slices.Sorted(maps.Keys(m)) }
