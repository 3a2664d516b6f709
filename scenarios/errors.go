package scenarios

import (
	"errors"
	"fmt"
	"strconv"
)

// Error is a problem with a scenario: its source, the line (0 when unknown, e.g. a missing
// file or a feeder that cannot be read) and the field at fault. Every error Load, Parse,
// FromVegetaTargets and Plan return for bad input is an *Error, so callers can tell bad input
// (exit code 2) from other failures with errors.As.
type Error struct {
	Path  string // file path, "builtin:NAME", or the name asked for
	Line  int    // 1-based line, 0 when unknown
	Field string // e.g. "rate", "requests[2].path"; empty when not about one field
	Err   error
}

func (e *Error) Error() string {
	where := e.Path
	if e.Line > 0 {
		where += ":" + strconv.Itoa(e.Line)
	}
	return fmt.Sprintf("scenario %s: %v", where, e.Err)
}

func (e *Error) Unwrap() error { return e.Err }

// ErrUnknown is wrapped by Load's error for a name that is neither a built-in nor a file.
var ErrUnknown = errors.New("scenarios: unknown scenario")

// ErrNoSecret is wrapped by Plan's error when a scenario mints tokens and no secret is known.
var ErrNoSecret = errors.New("scenarios: token() needs the server's secret")

// kindError is a message that matches a sentinel with errors.Is without repeating its text.
type kindError struct {
	kind error
	msg  string
}

func (e *kindError) Error() string        { return e.msg }
func (e *kindError) Is(target error) bool { return target == e.kind }

func newError(path string, line int, field string, format string, args ...any) *Error {
	return &Error{Path: path, Line: line, Field: field, Err: fmt.Errorf(format, args...)}
}
