package collector

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"time"

	"github.com/loadtestdev/loadtest/results"
)

// TopOptions are a `loadtest top`: whose snapshot, how often, and how to show it.
type TopOptions struct {
	// Target is the base URL of a loadtest reference server whose GET /stats is shown; ""
	// shows this host (with PIDs, these processes of it too).
	Target string
	PIDs   []int32
	// Interval is the time between screens and the window CPU percentages are measured over
	// (at most 500ms for the first).
	Interval time.Duration
	// Frames is how many screens to show; 0 shows them until ctx ends.
	Frames int
	// JSON writes each snapshot as a JSON line instead of a screen; Redraw clears the screen
	// before each (Out is a terminal).
	JSON, Redraw bool
	// UserAgent is sent to Target.
	UserAgent   string
	Out, ErrOut io.Writer
}

// CheckTarget checks a Target as `loadtest top` takes it: its GET /stats URL can be made, and
// it comes without PIDs (they are this host's). Errors name the flag.
func (o TopOptions) CheckTarget() error {
	if o.Target == "" {
		return nil
	}
	if _, err := StatsURL(o.Target); err != nil {
		return fmt.Errorf("--target: %w", err)
	}
	if len(o.PIDs) > 0 {
		return errors.New("--pid watches processes of this host: it cannot be combined with --target")
	}
	return nil
}

// RunTop shows snapshots until Frames are shown or ctx ends (Ctrl-C, not an error). A
// snapshot that cannot be read fails the first screen; later, in a watch, it is a warning on
// ErrOut and the watch goes on.
func RunTop(ctx context.Context, o TopOptions) error {
	read, err := o.reader()
	if err != nil {
		return err
	}
	for i := 0; o.Frames == 0 || i < o.Frames; i++ {
		if i > 0 {
			if err := Sleep(ctx, o.Interval); err != nil {
				return nil
			}
		}
		snap, err := read(ctx)
		if ctx.Err() != nil {
			return nil
		}
		if err != nil {
			if i == 0 {
				return err
			}
			fmt.Fprintf(o.ErrOut, "warning: %v\n", err) // a watch survives a missed screen
			continue
		}
		if err := o.writeFrame(snap, i); err != nil {
			return err
		}
	}
	return nil
}

// reader returns what reads one snapshot: a probe of this host, or the target's /stats.
func (o *TopOptions) reader() (func(context.Context) (results.Snapshot, error), error) {
	if o.Target == "" {
		var watch []Watch
		for _, pid := range o.PIDs {
			watch = append(watch, Watch{PID: pid, Role: "process"})
		}
		probe := NewProbe(watch...)
		probe.SetWindows(min(o.Interval, 500*time.Millisecond), max(DefaultMaxWindow, 2*o.Interval))
		return probe.Take, nil
	}
	statsURL, err := StatsURL(o.Target)
	if err != nil {
		return nil, err
	}
	client := &http.Client{Timeout: max(5*time.Second, 2*o.Interval)}
	return func(ctx context.Context) (results.Snapshot, error) {
		snap, err := FetchStats(ctx, client, statsURL, o.UserAgent)
		if errors.Is(err, ErrNoStats) {
			return snap, fmt.Errorf("%w (only the loadtest reference server serves it; run top without --target on the target's host instead)", err)
		}
		return snap, err
	}, nil
}

func (o *TopOptions) writeFrame(snap results.Snapshot, i int) error {
	if o.JSON {
		return json.NewEncoder(o.Out).Encode(snap)
	}
	switch {
	case o.Redraw:
		fmt.Fprint(o.Out, "\x1b[H\x1b[2J") // cursor home, clear screen
	case i > 0:
		fmt.Fprintln(o.Out)
	}
	snap.Time = snap.Time.Local()
	return WriteTop(o.Out, snap)
}
