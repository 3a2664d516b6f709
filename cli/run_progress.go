package cli

import (
	"fmt"
	"io"
	"time"

	"github.com/loadtestdev/loadtest/engine"
)

// progress redraws one status line on stderr once a second while a run goes on, when stderr
// is a terminal: elapsed / total, the current rate, the last second's p99 and the errors.
type progress struct {
	w       io.Writer
	enabled bool
	drawn   bool
}

func newProgress(w io.Writer, enabled bool) *progress { return &progress{w: w, enabled: enabled} }

// update is the engine's OnSecond callback.
func (p *progress) update(pr engine.Progress) error {
	if !p.enabled {
		return nil
	}
	total := "∞"
	if pr.Duration > 0 {
		total = pr.Duration.Round(time.Second).String()
	}
	fmt.Fprintf(p.w, "\r\033[K  %s / %s   %.0f req/s   p99 %.2f ms   %d requests   %d errors",
		pr.Elapsed.Round(time.Second), total, pr.RatePerSec, pr.P99MS, pr.Requests, pr.Errors)
	p.drawn = true
	return nil
}

// done clears the status line.
func (p *progress) done() {
	if p.drawn {
		fmt.Fprint(p.w, "\r\033[K")
	}
}
