package lazyregexp

import (
	"slices"
	"testing"
)

func TestRegexp(t *testing.T) {
	r := New(`([a-z]+)-(\d+)`)
	if r.rx != nil {
		t.Fatal("compiled before its first use")
	}
	if !r.MatchString("ab-12") || r.MatchString("AB") {
		t.Error("MatchString: got the wrong answer")
	}
	if got, want := r.FindStringSubmatch("x ab-12 y"), []string{"ab-12", "ab", "12"}; !slices.Equal(got, want) {
		t.Errorf("FindStringSubmatch = %q, want %q", got, want)
	}
	if got, want := r.ReplaceAllString("ab-12 cd-3", "${2}${1}"), "12ab 3cd"; got != want {
		t.Errorf("ReplaceAllString = %q, want %q", got, want)
	}
	if got, want := New(`[, ]+`).Split("a, b c", -1), []string{"a", "b", "c"}; !slices.Equal(got, want) {
		t.Errorf("Split = %q, want %q", got, want)
	}
}

func TestBadPatternPanicsAtFirstUse(t *testing.T) {
	r := New(`(`)
	defer func() {
		if recover() == nil {
			t.Error("a bad pattern did not panic at its first use")
		}
	}()
	r.MatchString("x")
}
