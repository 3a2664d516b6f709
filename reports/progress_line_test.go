package reports

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"github.com/loadtestdev/loadtest/engine"
)

func TestStatusLine(t *testing.T) {
	var buf bytes.Buffer
	p := NewStatusLine(&buf, true)
	p.Update(engine.Progress{Elapsed: 3 * time.Second, Duration: 10 * time.Second, RatePerSec: 199.6, P99MS: 1.234, Requests: 600, Errors: 2})
	p.Done()
	got := buf.String()
	for _, want := range []string{"3s / 10s", "200 req/s", "p99 1.23 ms", "600 requests", "2 errors", "\r\033[K"} {
		if !strings.Contains(got, want) {
			t.Errorf("progress output %q lacks %q", got, want)
		}
	}
	buf.Reset()
	quiet := NewStatusLine(&buf, false)
	quiet.Update(engine.Progress{Elapsed: time.Second})
	quiet.Done()
	if buf.Len() != 0 {
		t.Errorf("disabled progress wrote %q, want nothing", buf.String())
	}
}
