package reports

import (
	"strings"
	"testing"
	"time"
)

func TestWriteIterationProgress(t *testing.T) {
	tests := []struct {
		name                        string
		elapsed                     time.Duration
		iterations, failed, dropped uint64
		want                        string
	}{
		{"flows", time.Minute, 1200, 3, 45, "   1200 iterations (20.0 iterations/s)   3 failed   45 dropped"},
		{"every start dropped", 2 * time.Second, 0, 0, 7, "   0 iterations (0.0 iterations/s)   0 failed   7 dropped"},
		{"no time elapsed yet", 0, 5, 0, 0, "   5 iterations   0 failed   0 dropped"},
		{"plain requests", time.Second, 0, 0, 0, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var b strings.Builder
			if err := WriteIterationProgress(&b, tt.elapsed, tt.iterations, tt.failed, tt.dropped); err != nil {
				t.Fatal(err)
			}
			if b.String() != tt.want {
				t.Errorf("got  %q\nwant %q", b.String(), tt.want)
			}
		})
	}
}
