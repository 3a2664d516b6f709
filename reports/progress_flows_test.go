package reports

import (
	"strings"
	"testing"
)

func TestWriteIterationProgress(t *testing.T) {
	tests := []struct {
		name                        string
		iterations, failed, dropped uint64
		want                        string
	}{
		{"flows", 1200, 3, 45, "   1200 iterations   3 failed   45 dropped"},
		{"every start dropped", 0, 0, 7, "   0 iterations   0 failed   7 dropped"},
		{"plain requests", 0, 0, 0, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var b strings.Builder
			if err := WriteIterationProgress(&b, tt.iterations, tt.failed, tt.dropped); err != nil {
				t.Fatal(err)
			}
			if b.String() != tt.want {
				t.Errorf("got  %q\nwant %q", b.String(), tt.want)
			}
		})
	}
}
