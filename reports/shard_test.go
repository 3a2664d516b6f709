package reports

import (
	"bytes"
	"strings"
	"testing"

	"github.com/loadtestdev/loadtest/results"
)

// TestReportsNameTheShard: the text, Markdown and HTML reports of a shard's result say which
// shard it is; those of a whole run say nothing of shards.
func TestReportsNameTheShard(t *testing.T) {
	for _, format := range []string{FormatText, FormatMarkdown, FormatHTML} {
		t.Run(format, func(t *testing.T) {
			r := fixtureResult(t)
			var whole bytes.Buffer
			if err := Write(&whole, r, format, Options{}); err != nil {
				t.Fatal(err)
			}
			if strings.Contains(whole.String(), "0-based") {
				t.Errorf("the report of a whole run mentions a shard")
			}
			r.Shard = &results.Shard{Index: 1, Count: 3}
			var b bytes.Buffer
			if err := Write(&b, r, format, Options{}); err != nil {
				t.Fatal(err)
			}
			if !strings.Contains(b.String(), "1 of 3 (0-based)") {
				t.Errorf("report does not say it is shard 1 of 3")
			}
		})
	}
}
