package engine

import (
	"testing"

	vegeta "github.com/tsenart/vegeta/v12/lib"
)

func TestClassify(t *testing.T) {
	tests := []struct {
		name string
		code uint16
		msg  string
		want string
	}{
		{"refused", 0, `Get "http://127.0.0.1:1/#0": dial tcp 127.0.0.1:1: connect: connection refused`, ClassRefused},
		{"client timeout", 0, `Get "http://x/#0": context deadline exceeded (Client.Timeout exceeded while awaiting headers)`, ClassTimeout},
		{"dial timeout", 0, `dial tcp 192.0.2.1:80: i/o timeout`, ClassTimeout},
		{"reset", 0, `read tcp 127.0.0.1:5->127.0.0.1:6: read: connection reset by peer`, ClassReset},
		{"closed", 0, `Get "http://x/": EOF`, ClassClosed},
		{"dns", 0, `dial tcp: lookup nowhere.invalid: no such host`, ClassDNS},
		{"tls", 0, `tls: failed to verify certificate: x509: certificate signed by unknown authority`, ClassTLS},
		{"http 500", 500, "500 Internal Server Error", "http 500"},
		{"http 404", 404, "404 Not Found", "http 404"},
		{"other", 0, "something else", ClassOther},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := classify(tt.code, tt.msg); got != tt.want {
				t.Errorf("classify(%d, %q) = %q, want %q", tt.code, tt.msg, got, tt.want)
			}
		})
	}
}

func TestStripTag(t *testing.T) {
	tests := []struct{ in, want string }{
		{`Get "http://h/a#12": EOF`, `Get "http://h/a": EOF`},
		{`Get "http://h/a#frag#3": EOF`, `Get "http://h/a#frag": EOF`},
		{`no tag # here`, `no tag # here`},
		{`http://h/x#7`, `http://h/x`},
	}
	for _, tt := range tests {
		if got := stripTag(tt.in); got != tt.want {
			t.Errorf("stripTag(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

type staticTargeter struct {
	names []string
	urls  []string
	i     int
}

func (s *staticTargeter) Names() []string { return s.names }

func (s *staticTargeter) Next(tgt *vegeta.Target) (int, error) {
	i := s.i % len(s.urls)
	s.i++
	tgt.Method, tgt.URL = "GET", s.urls[i]
	return i, nil
}

func TestTaggerRoundTrip(t *testing.T) {
	st := &staticTargeter{names: []string{"a", "b", "c"}, urls: []string{"http://h/a", "http://h/b?x=1", "http://h/c#frag"}}
	tg := newTagger(st)
	for n := 0; n < 6; n++ {
		var tgt vegeta.Target
		if err := tg.target(&tgt); err != nil {
			t.Fatal(err)
		}
		if got, want := untag(tgt.URL), n%3; got != want {
			t.Errorf("untag(%q) = %d, want %d", tgt.URL, got, want)
		}
	}
	if got := untag("http://h/plain"); got != -1 {
		t.Errorf("untag of an untagged URL = %d, want -1", got)
	}
	tgt := new(vegeta.Target)
	allocs := testing.AllocsPerRun(100, func() { _ = tg.target(tgt) })
	if allocs != 0 {
		t.Errorf("tagging static URLs allocates %v times per hit, want 0", allocs)
	}
}
