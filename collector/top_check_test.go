package collector

import (
	"strings"
	"testing"
)

func TestTopOptionsCheckTarget(t *testing.T) {
	tests := []struct {
		name string
		o    TopOptions
		want string // "" for valid
	}{
		{"this host", TopOptions{}, ""},
		{"this host's processes", TopOptions{PIDs: []int32{1}}, ""},
		{"a server", TopOptions{Target: "http://127.0.0.1:8080"}, ""},
		{"not a URL", TopOptions{Target: "::"}, "--target: "},
		{"a server and processes", TopOptions{Target: "http://127.0.0.1:8080", PIDs: []int32{1}}, "--pid watches processes of this host"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.o.CheckTarget()
			switch {
			case tt.want == "" && err != nil:
				t.Fatalf("got %v, want no error", err)
			case tt.want != "" && (err == nil || !strings.HasPrefix(err.Error(), tt.want)):
				t.Fatalf("got %v, want an error starting %q", err, tt.want)
			}
		})
	}
}
