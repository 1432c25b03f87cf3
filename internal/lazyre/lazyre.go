// Package lazyre is a regular expression compiled on its first use, as the
// Go tree's own internal/lazyregexp: a package-level regexp.MustCompile
// runs at package init, in every server's start, whether or not the
// server ever matches it.
package lazyre

import (
	"regexp"
	"sync"
)

// Regexp is a regexp.Regexp compiled when first used.
type Regexp struct {
	re func() *regexp.Regexp
}

// New returns the regular expression str, to be compiled when first used;
// a bad str panics then, as regexp.MustCompile does.
func New(str string) *Regexp {
	return &Regexp{re: sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(str) })}
}

// Re returns the compiled expression.
func (r *Regexp) Re() *regexp.Regexp { return r.re() }

func (r *Regexp) MatchString(s string) bool                { return r.re().MatchString(s) }
func (r *Regexp) FindString(s string) string               { return r.re().FindString(s) }
func (r *Regexp) FindStringSubmatch(s string) []string     { return r.re().FindStringSubmatch(s) }
func (r *Regexp) FindStringSubmatchIndex(s string) []int   { return r.re().FindStringSubmatchIndex(s) }
func (r *Regexp) ReplaceAllString(src, repl string) string { return r.re().ReplaceAllString(src, repl) }
func (r *Regexp) String() string                           { return r.re().String() }
func (r *Regexp) FindAllStringSubmatch(s string, n int) [][]string {
	return r.re().FindAllStringSubmatch(s, n)
}
