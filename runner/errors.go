package runner

// InputError marks an error as bad input (a scenario, flag or data file the run cannot use):
// the CLI's exit code 2.
type InputError struct{ Err error }

func (e *InputError) Error() string { return e.Err.Error() }
func (e *InputError) Unwrap() error { return e.Err }

// badInput wraps err as an InputError (nil stays nil).
func badInput(err error) error {
	if err == nil {
		return nil
	}
	return &InputError{Err: err}
}
