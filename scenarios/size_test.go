package scenarios

import (
	"strings"
	"testing"
)

func TestParseSize(t *testing.T) {
	tests := []struct {
		in   string
		want int64
		ok   bool
	}{
		{"4194304", 4 << 20, true},
		{"4MiB", 4 << 20, true},
		{" 512 KiB", 512 << 10, true},
		{"1GiB", 1 << 30, true},
		{"8MB", 8_000_000, true},
		{"10kB", 10_000, true},
		{"100B", 100, true},
		{"4 mb", 0, false},
		{"-1", 0, false},
		{"MiB", 0, false},
		{"1.5MiB", 0, false},
	}
	for _, tt := range tests {
		got, err := ParseSize(tt.in)
		if (err == nil) != tt.ok || got != tt.want {
			t.Errorf("ParseSize(%q): got %d, %v; want %d (ok %v)", tt.in, got, err, tt.want, tt.ok)
		}
	}
	for n, want := range map[int64]string{4 << 20: "4MiB", 1 << 30: "1GiB", 1536: "1536B", 16 << 10: "16KiB"} {
		if got := FormatSize(n); got != want {
			t.Errorf("FormatSize(%d): got %s, want %s", n, got, want)
		}
	}
}

func TestMaxResponseBodyField(t *testing.T) {
	flows := "flows: [{name: f, steps: [{path: /x}]}]\n"
	sc, err := Parse("s.yaml", []byte("max_response_body: 16MiB\n"+flows))
	if err != nil {
		t.Fatal(err)
	}
	fp, err := sc.FlowPlan(PlanOptions{Target: testTarget})
	if err != nil || fp.MaxResponseBody() != 16<<20 {
		t.Fatalf("got %v, %v; want a cap of 16MiB", fp, err)
	}
	if sc, _ = Parse("s.yaml", []byte(flows)); sc != nil {
		if fp, _ := sc.FlowPlan(PlanOptions{Target: testTarget}); fp.MaxResponseBody() != DefaultMaxResponseBody {
			t.Errorf("default: got %d, want %d", fp.MaxResponseBody(), DefaultMaxResponseBody)
		}
	}
	for _, tt := range []struct{ src, want string }{
		{"max_response_body: 512\n" + flows, "s.yaml:1: max_response_body 512B is out of range, want 1KiB to 1GiB"},
		{"max_response_body: big\n" + flows, `s.yaml:1: max_response_body "big" is not a size`},
		{"max_response_body: 1MiB\nrequests: [{path: /x}]\n", "s.yaml:1: max_response_body bounds the body a flow step's checks and extractions read: it needs flows"},
	} {
		if _, err := Parse("s.yaml", []byte(tt.src)); err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("got %v, want an error containing %q", err, tt.want)
		}
	}
}
