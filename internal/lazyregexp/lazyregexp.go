// Package lazyregexp is a regexp compiled on its first use rather than in package init, so
// that a package-level pattern costs nothing to the commands that never use it (every command
// of the binary runs every package's init). It follows the Go toolchain's own
// cmd/internal/lazyregexp.
package lazyregexp

import (
	"regexp"
	"sync"
)

// Regexp is a regexp.Regexp compiled on its first use; the pattern must be valid (as for
// regexp.MustCompile, a bad one panics, at that first use).
type Regexp struct {
	str  string
	once sync.Once
	rx   *regexp.Regexp
}

// New returns the lazily compiled pattern str.
func New(str string) *Regexp { return &Regexp{str: str} }

func (r *Regexp) re() *regexp.Regexp {
	r.once.Do(func() { r.rx = regexp.MustCompile(r.str) })
	return r.rx
}

// MatchString is regexp.Regexp's MatchString.
func (r *Regexp) MatchString(s string) bool { return r.re().MatchString(s) }

// FindStringSubmatch is regexp.Regexp's FindStringSubmatch.
func (r *Regexp) FindStringSubmatch(s string) []string { return r.re().FindStringSubmatch(s) }

// ReplaceAllString is regexp.Regexp's ReplaceAllString.
func (r *Regexp) ReplaceAllString(src, repl string) string { return r.re().ReplaceAllString(src, repl) }

// Split is regexp.Regexp's Split.
func (r *Regexp) Split(s string, n int) []string { return r.re().Split(s, n) }
