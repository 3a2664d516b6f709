// Package cli holds loadtest's cobra commands: the only code that knows about flags, the
// process's streams, signals and exit codes. Each command binds its flags into an options
// struct, validates, and calls into the library packages.
package cli

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"

	"github.com/spf13/cobra"
	"golang.org/x/term"
)

// IOStreams are the process's standard streams as the commands see them; tests pass buffers.
type IOStreams struct {
	In     io.Reader
	Out    io.Writer
	ErrOut io.Writer
	// ErrTTY reports whether ErrOut is an interactive terminal (for live progress).
	ErrTTY bool
}

// NewRootCmd returns the loadtest command tree.
func NewRootCmd(ios *IOStreams) *cobra.Command {
	root := &cobra.Command{
		Use:   "loadtest",
		Short: "Load testing and capacity planning for HTTP services",
		Long: `loadtest measures how many requests per second a service holds and plans how many
servers N daily users need. It bundles a reference server (loadtest server), drives load with
vegeta, records latency in HdrHistogram, and gates CI on thresholds.`,
		Example: `  loadtest run echo
  loadtest server --addr 127.0.0.1:8080`,
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	setupRoot(root, ios)
	root.AddCommand(
		newVersionCmd(ios),
		newCompareCmd(ios),
		newProbeCmd(ios),
		newServerCmd(ios),
		newRunCmd(ios),
		newTopCmd(ios),
		NewCapacityCmd(ios),
		newReportCmd(ios),
		newScenariosCmd(ios),
	)
	return root
}

// setupRoot wires a root command to the streams and makes flag errors usage errors.
func setupRoot(root *cobra.Command, ios *IOStreams) {
	root.SetIn(ios.In)
	root.SetOut(ios.Out)
	root.SetErr(ios.ErrOut)
	root.SetFlagErrorFunc(func(c *cobra.Command, err error) error {
		return usageError(fmt.Errorf("%s: %w", c.CommandPath(), err))
	})
}

// Execute runs a command tree with args and returns the exit code. The first SIGINT or
// SIGTERM cancels the context (commands stop and report what they measured); a second one
// exits at once with ExitInterrupted.
func Execute(root *cobra.Command, args []string) int {
	ctx, stop := interruptContext(context.Background())
	defer stop()
	root.SetArgs(args)
	err := root.ExecuteContext(ctx)
	code := exitCode(err)
	if err != nil && err.Error() != "" {
		fmt.Fprintf(root.ErrOrStderr(), "error: %v\n", err)
		if code == ExitUsage {
			fmt.Fprintf(root.ErrOrStderr(), "run '%s --help' for usage\n", root.Name())
		}
	}
	return code
}

func interruptContext(parent context.Context) (context.Context, func()) {
	ctx, cancel := context.WithCancel(parent)
	sigs := make(chan os.Signal, 2)
	signal.Notify(sigs, os.Interrupt, syscall.SIGTERM)
	done := make(chan struct{})
	go func() {
		select {
		case <-sigs:
			cancel()
		case <-done:
			return
		}
		select {
		case <-sigs:
			os.Exit(ExitInterrupted)
		case <-done:
		}
	}()
	return ctx, func() { signal.Stop(sigs); close(done); cancel() }
}

// Main runs loadtest with the process's arguments and streams and returns the exit code.
func Main() int {
	return Execute(NewRootCmd(systemStreams()), os.Args[1:])
}

// CapacityMain runs the standalone capacity binary.
func CapacityMain() int {
	return Execute(NewCapacityCmd(systemStreams()), os.Args[1:])
}

func systemStreams() *IOStreams {
	return &IOStreams{In: os.Stdin, Out: os.Stdout, ErrOut: os.Stderr, ErrTTY: term.IsTerminal(int(os.Stderr.Fd()))}
}
