// Package cli holds loadtest's cobra commands: the only code that knows about flags, the
// process's streams, signals and exit codes. Each command binds its flags into an options
// struct, validates, calls one library entry point (a run: runner.Run), writes the files asked
// for and renders with reports (docs/architecture.md).
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

	"github.com/loadtestdev/loadtest/runner"
)

// IOStreams are the process's standard streams, its signals and its exit as the commands see
// them (k6's GlobalState carries the same); tests pass buffers, their own signal channel and
// an exit that records the code.
type IOStreams struct {
	In     io.Reader
	Out    io.Writer
	ErrOut io.Writer
	// ErrTTY reports whether ErrOut is an interactive terminal (for live progress).
	ErrTTY bool

	// SignalNotify and SignalStop subscribe a channel to SIGINT and SIGTERM and cancel that;
	// nil means os/signal's Notify and Stop.
	SignalNotify func(c chan<- os.Signal, sig ...os.Signal)
	SignalStop   func(c chan<- os.Signal)
	// OSExit ends the process at once, on a second interrupt; nil means os.Exit.
	OSExit func(code int)
}

// streamsKey is the context key under which setupRoot leaves a root command's IOStreams for
// Execute.
type streamsKey struct{}

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
		newClusterCmd(ios),
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
	root.SetContext(context.WithValue(context.Background(), streamsKey{}, ios))
}

// Execute runs a command tree with args and returns the exit code. The first SIGINT or
// SIGTERM cancels the context, in every phase of a command (starting the bundled server
// included): commands stop and write and report what they measured. A second one exits at
// once with ExitInterrupted, saying that the result was not written (the result file is
// written atomically, so an old one is left as it was).
func Execute(root *cobra.Command, args []string) int {
	parent := root.Context()
	if parent == nil {
		parent = context.Background()
	}
	ios, _ := parent.Value(streamsKey{}).(*IOStreams)
	if ios == nil {
		ios = &IOStreams{}
	}
	ctx, stop := interruptContext(parent, ios, root.ErrOrStderr())
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

// interruptContext returns a context that the first SIGINT or SIGTERM from ios's signal source
// cancels (runner.WatchInterrupts); the second one makes it print one line on errOut and exit
// with ExitInterrupted.
func interruptContext(parent context.Context, ios *IOStreams, errOut io.Writer) (context.Context, func()) {
	notify, stopNotify, exit := ios.SignalNotify, ios.SignalStop, ios.OSExit
	if notify == nil {
		notify = signal.Notify
	}
	if stopNotify == nil {
		stopNotify = signal.Stop
	}
	if exit == nil {
		exit = os.Exit
	}
	sigs := make(chan os.Signal, 2)
	notify(sigs, os.Interrupt, syscall.SIGTERM)
	ctx, stop := runner.WatchInterrupts(parent, sigs, func(sig os.Signal) {
		fmt.Fprintf(errOut, "error: %s again: exiting at once; the result was not written (an existing --out file is left as it was)\n", signalName(sig))
		exit(ExitInterrupted)
	})
	return ctx, func() { stopNotify(sigs); stop() }
}

// signalName is "interrupted" for SIGINT (Ctrl-C) and "terminated" for SIGTERM.
func signalName(sig os.Signal) string {
	if sig == syscall.SIGTERM {
		return "terminated"
	}
	return "interrupted"
}

// Main runs loadtest with the process's arguments and streams and returns the exit code.
func Main() int {
	ios, closed := systemStreams()
	return mainExit(Execute(NewRootCmd(ios), os.Args[1:]), ios, closed)
}

// CapacityMain runs the standalone capacity binary.
func CapacityMain() int {
	ios, closed := systemStreams()
	return mainExit(Execute(NewCapacityCmd(ios), os.Args[1:]), ios, closed)
}

// systemStreams are the process's own streams. A write to a closed stdout or stderr (`| head`)
// is dropped instead of killing the process with SIGPIPE, so that a run still writes its files
// and stops its server; closed tells whether that happened. A terminal is passed on as the
// *os.File it is (top --watch looks for one to redraw in place); it never answers EPIPE.
func systemStreams() (ios *IOStreams, closed func() bool) {
	catchSIGPIPE()
	ios = &IOStreams{In: os.Stdin, Out: os.Stdout, ErrOut: os.Stderr, ErrTTY: term.IsTerminal(int(os.Stderr.Fd())),
		SignalNotify: signal.Notify, SignalStop: signal.Stop, OSExit: os.Exit}
	closed = func() bool { return false }
	if !term.IsTerminal(int(os.Stdout.Fd())) {
		out := &pipeWriter{w: os.Stdout}
		ios.Out, closed = out, out.closed.Load
	}
	if !ios.ErrTTY {
		ios.ErrOut = &pipeWriter{w: os.Stderr}
	}
	return ios, closed
}

// mainExit says on stderr when stdout was closed before the output ended; the exit code stays
// the command's own (README, "Exit codes").
func mainExit(code int, ios *IOStreams, stdoutClosed func() bool) int {
	if stdoutClosed() {
		fmt.Fprintln(ios.ErrOut, "loadtest: stdout was closed before the output ended (broken pipe): the rest was not printed; files were written as asked")
	}
	return code
}
