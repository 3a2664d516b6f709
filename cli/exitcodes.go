package cli

import (
	"context"
	"errors"
	"strings"
)

// Exit codes of loadtest and capacity, the only place they are defined (README: "Exit codes").
// They follow k6 and the shell: 99 for breached thresholds, 128+SIGINT for an interrupted run.
// A closed stdout (`| head`) has no code of its own: the command keeps its code and says on
// stderr that stdout was closed (systemStreams, mainExit); it never dies of SIGPIPE (141).
const (
	ExitOK          = 0   // success; every threshold passed
	ExitFailure     = 1   // the command failed (a run could not start, no request succeeded, I/O)
	ExitUsage       = 2   // bad input: flags, arguments, scenario or data files
	ExitThresholds  = 99  // one or more thresholds or regression bounds were breached
	ExitInterrupted = 130 // interrupted by SIGINT/SIGTERM; what was measured is still reported
)

// ExitError carries an exit code with an error. A nil Err means "exit with Code, say nothing
// more" (the command has already printed what matters, e.g. a threshold table).
type ExitError struct {
	Code int
	Err  error
}

func (e *ExitError) Error() string {
	if e.Err == nil {
		return ""
	}
	return e.Err.Error()
}

func (e *ExitError) Unwrap() error { return e.Err }

// usageError marks err as bad input (exit code 2).
func usageError(err error) error { return &ExitError{Code: ExitUsage, Err: err} }

// exitCode maps an error returned by a command to the process exit code.
func exitCode(err error) int {
	if err == nil {
		return ExitOK
	}
	var ee *ExitError
	if errors.As(err, &ee) {
		return ee.Code
	}
	if errors.Is(err, context.Canceled) {
		return ExitInterrupted
	}
	// cobra's own argument and command errors are usage errors.
	msg := err.Error()
	for _, prefix := range []string{"unknown command", "unknown flag", "unknown shorthand flag", "accepts ", "requires at least", "requires at most", "invalid argument", "flag needs an argument", "required flag"} {
		if strings.HasPrefix(msg, prefix) {
			return ExitUsage
		}
	}
	return ExitFailure
}
