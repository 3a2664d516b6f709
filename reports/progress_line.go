package reports

import (
	"fmt"
	"io"

	"github.com/loadtestdev/loadtest/engine"
)

// StatusLine redraws the status line of a run (WriteProgress) in place on a terminal, once a
// second while the run goes on: a carriage return and an erase of the line before each draw,
// and the line erased when the run is done. A disabled one (stderr not a terminal, or
// --quiet) draws nothing.
type StatusLine struct {
	w       io.Writer
	enabled bool
	drawn   bool
}

// NewStatusLine returns the status line of a run on w, drawn only when enabled.
func NewStatusLine(w io.Writer, enabled bool) *StatusLine {
	return &StatusLine{w: w, enabled: enabled}
}

// Update redraws the line.
func (p *StatusLine) Update(pr engine.Progress) {
	if p.enabled {
		fmt.Fprint(p.w, "\r\033[K")
		WriteProgress(p.w, pr)
		p.drawn = true
	}
}

// Done clears the status line.
func (p *StatusLine) Done() {
	if p.drawn {
		fmt.Fprint(p.w, "\r\033[K")
	}
}
