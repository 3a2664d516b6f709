package cli

import (
	"fmt"
	"io"

	"github.com/loadtestdev/loadtest/engine"
	"github.com/loadtestdev/loadtest/reports"
)

// progress redraws the status line of a run (reports.WriteProgress) on stderr once a second
// while the run goes on, when stderr is a terminal.
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
	fmt.Fprint(p.w, "\r\033[K")
	reports.WriteProgress(p.w, pr)
	p.drawn = true
	return nil
}

// done clears the status line.
func (p *progress) done() {
	if p.drawn {
		fmt.Fprint(p.w, "\r\033[K")
	}
}
