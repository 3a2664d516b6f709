package cli

import (
	"context"
	"fmt"
	"os"
	"time"

	"github.com/spf13/cobra"
	"golang.org/x/term"

	"github.com/loadtestdev/loadtest/collector"
)

// topOptions are the flags of `loadtest top`: collector.TopOptions and the two that make its
// frame count.
type topOptions struct {
	collector.TopOptions
	Watch      bool
	Iterations int
}

func newTopCmd(ios *IOStreams) *cobra.Command {
	opts := &topOptions{TopOptions: collector.TopOptions{Out: ios.Out, ErrOut: ios.ErrOut}}
	cmd := &cobra.Command{
		Use:   "top",
		Short: "Show load average, CPU and memory of this host or of a target, like top's header",
		Long: `Show a one-screen snapshot in the shape of top's header: uptime, load average, CPU
user/system/idle/iowait/steal for the whole host and for each core, and memory in MiB.

Without --target it reads this host (with gopsutil). With --target it reads the snapshot a
loadtest reference server serves at GET {target}/stats, which also shows the server process's
CPU, memory, open files and goroutines. CPU percentages are measured over --interval (at most
500ms for the first screen). --watch redraws every --interval until Ctrl-C or --iterations
screens; --json prints each snapshot as one JSON line instead.`,
		Example: `  loadtest top
  loadtest top --watch --interval 2s
  loadtest top --target http://127.0.0.1:8080 --watch
  loadtest top --json --iterations 3 --interval 1s`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if opts.Interval <= 0 {
				return usageError(fmt.Errorf("--interval must be positive, got %s", opts.Interval))
			}
			if opts.Iterations < 0 {
				return usageError(fmt.Errorf("--iterations must be 0 (no limit) or more, got %d", opts.Iterations))
			}
			if err := opts.CheckTarget(); err != nil {
				return usageError(err)
			}
			if f, ok := opts.Out.(*os.File); ok && !opts.JSON {
				opts.Redraw = term.IsTerminal(int(f.Fd()))
			}
			return runTop(cmd.Context(), opts)
		},
	}
	f := cmd.Flags()
	f.StringVar(&opts.Target, "target", "", "base URL of a loadtest reference server to read GET /stats from (default: this host)")
	f.BoolVarP(&opts.Watch, "watch", "w", false, "redraw every --interval until Ctrl-C")
	f.DurationVarP(&opts.Interval, "interval", "d", time.Second, "time between screens, and the window CPU percentages are measured over")
	f.IntVarP(&opts.Iterations, "iterations", "n", 0, "stop after this many screens (implies --watch when above 1; 0: no limit)")
	f.Int32SliceVarP(&opts.PIDs, "pid", "p", nil, "also show these processes of this host (repeatable)")
	f.BoolVar(&opts.JSON, "json", false, "print each snapshot as a JSON line instead of the screen")
	return cmd
}

// runTop shows screens until the count is reached or ctx ends (Ctrl-C), which is not an error.
func runTop(ctx context.Context, opts *topOptions) error {
	to := opts.TopOptions
	to.Frames, to.UserAgent = 1, "loadtest/"+version()
	if opts.Watch || opts.Iterations > 1 {
		to.Frames = opts.Iterations // 0: until Ctrl-C
	}
	return collector.RunTop(ctx, to)
}
