// Package layers owns no code: its test holds the module to the layering rule of
// docs/architecture.md (imports go down, cmd → cli → runner → libraries; only cli and main
// touch flags, the process's streams or start goroutines of their own).
package layers
